"""Parsers: pure functions from a downloaded file's bytes to a structured filing."""
from parsers.model import ParseError, ParseResult, PARSER_VERSION
from parsers.dispatch import parse_bytes, parse_path

__all__ = ["ParseError", "ParseResult", "PARSER_VERSION", "parse_bytes", "parse_path"]
