"""The template catalogue (templates.json, shipped with the package): the standard tables of a
final account — titles and aliases, the header words of their columns, the meaning of their
rows — and the template families that print them. Pure lookups; the data decides.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

CATALOGUE = Path(__file__).with_name("templates.json")


@dataclass(frozen=True)
class Column:
    col: int
    leaf: tuple[str, ...]  # words of the column's own header cell
    under: tuple[str, ...] = ()  # words of a group header above it, one of which must be there
    side: str | None = None  # income | expenditure (line tables)


@dataclass(frozen=True)
class RowLabel:
    row: str
    side: str
    labels: tuple[str, ...]


@dataclass(frozen=True)
class TableTemplate:
    code: str
    title: str
    aliases: tuple[str, ...]
    rows: str  # line | subject | economic | single
    columns: tuple[Column, ...]
    row_labels: tuple[RowLabel, ...]
    identities: tuple[dict, ...]

    @property
    def titles(self) -> tuple[str, ...]:
        return (self.title, *self.aliases)


@dataclass(frozen=True)
class Family:
    name: str
    required: tuple[str, ...]
    markers: bool
    titles: dict[str, str]


def compact(text: str | None) -> str:
    """Header and title text compared without width, wrapping, spaces or quotes."""
    text = unicodedata.normalize("NFKC", text or "")
    return re.sub(r"[\s\"'“”‘’「」]", "", text)


@lru_cache(maxsize=1)
def _catalogue() -> tuple[dict[str, TableTemplate], tuple[Family, ...]]:
    data = json.loads(CATALOGUE.read_text(encoding="utf-8"))
    tables = {}
    for code, t in data["tables"].items():
        tables[code] = TableTemplate(
            code,
            compact(t["title"]),
            tuple(compact(a) for a in t.get("aliases", [])),
            t["rows"],
            tuple(Column(c["col"], tuple(c["leaf"]), tuple(c.get("under", [])), c.get("side")) for c in t["columns"]),
            tuple(
                RowLabel(r["row"], r["side"], tuple(compact(x) for x in r["labels"])) for r in t.get("row_labels", [])
            ),
            tuple(t.get("identities", [])),
        )
    families = tuple(
        Family(f["name"], tuple(f["required"]), f["markers"], {k: compact(v) for k, v in f["titles"].items()})
        for f in data["families"]
    )
    return tables, families


def table(code: str) -> TableTemplate:
    return _catalogue()[0][code]


def tables() -> dict[str, TableTemplate]:
    return _catalogue()[0]


def families() -> tuple[Family, ...]:
    return _catalogue()[1]


@lru_cache(maxsize=1)
def _class_names() -> dict[str, str]:
    data = json.loads(CATALOGUE.read_text(encoding="utf-8"))
    return {compact(r["labels"][0]): r["class"] for r in data["tables"]["01"]["row_labels"] if "class" in r}


def class_for_name(name: str) -> str | None:
    """The 类 code of a functional class printed by name only ("一般公共服务支出" → 201)."""
    return _class_names().get(label_key(name))


# What may precede a table's title on its line: its number (公开01表, 表1, 表一, 一、) or the
# unit and year ("国家信访局2024年度"); what may follow it: (续), a unit caption.
_TITLE_PREFIX = re.compile(
    r"^(?:.*?\d{4}年度?)?(?:公开\d+表|附表\d+|表[0-9一二三四五六七八九十]+|"
    r"[一二三四五六七八九十]+[、.]|\d+[、.])?"
)
_TITLE_SUFFIX = re.compile(r"(?:[(（]续表?[)）]|续表)$")
TITLE_LINE_MAX = 60


def match_title(line: str) -> str | None:
    """The table code whose title (or an alias) the line is, or None."""
    text = compact(line)
    if not text.endswith(("表", ")", "）")) or len(text) > TITLE_LINE_MAX:
        return None
    text = _TITLE_SUFFIX.sub("", text)
    text = _TITLE_PREFIX.sub("", text, count=1)
    for code, t in tables().items():
        if text in t.titles:
            return code
    return None


def printed_title(line: str) -> str:
    text = _TITLE_SUFFIX.sub("", compact(line))
    return _TITLE_PREFIX.sub("", text, count=1)


_NUMBERING = re.compile(r"^(?:[一二三四五六七八九十]+[、.]|[(（][一二三四五六七八九十\d]+[)）]|\d+[、.]|其中[:：]?)+")


def label_key(label: str) -> str:
    """A printed row label without its numbering ("二十二、灾害防治及应急管理支\n出" → …支出)."""
    return _NUMBERING.sub("", compact(label))


def row_for_label(code: str, side: str, label: str, after: int) -> str | None:
    """The canonical row a printed label means on that side of a line table. Labels that repeat
    (04's funds under 年初财政拨款结转和结余) take the first row after the last one read."""
    key = label_key(label)
    if not key:
        return None
    candidates = [r.row for r in table(code).row_labels if r.side == side and key in r.labels]
    if not candidates:
        return None
    return next((r for r in candidates if int(r) > after), candidates[0])


def match_column(code: str, leaf: str, path: str) -> Column | None:
    """The catalogue column whose words the header of a grid column holds: its leaf holds one of
    the column's leaf words (the longest match wins) and its path one of its group words."""
    best: tuple[int, int, Column] | None = None
    for column in table(code).columns:
        if column.under and not any(w in path for w in column.under):
            continue
        for word in column.leaf:
            if word in leaf:
                rank = (len(word), len(column.under))
                if best is None or rank > best[:2]:
                    best = (*rank, column)
    return best[2] if best else None


def choose_family(found: dict[str, tuple[str, str | None]]) -> Family | None:
    """The family whose tables fit best what was recognised: `found` maps a table code to
    (evidence, printed title). A family scores for each table printed with its title variant
    and each table whose marker use agrees with it; table 10 printed speaks for the ten-table one."""
    if not found:
        return None
    best: tuple[float, Family] | None = None
    for family in families():
        score = 0.0
        for code, (evidence, title) in found.items():
            if code not in family.required:
                score -= 2
                continue
            if title and family.titles.get(code) == title:
                score += 1
            score += 0.5 if (evidence == "marker") == family.markers else -0.5
        if best is None or score > best[0]:
            best = (score, family)
    return best[1] if best else None
