"""Parsers: pure functions from a downloaded file's bytes to a structured filing."""

from parsers.dispatch import parse_bytes, parse_path
from parsers.model import PARSER_VERSION, ParseError, ParseResult

__all__ = ["ParseError", "ParseResult", "PARSER_VERSION", "parse_bytes", "parse_path"]
