"""The registry file: jurisdictions, their units and their sites. Validated on load.

Each entry is checked by a pydantic model (types, allowed values, unknown keys), then the
cross-references (parents, jurisdictions, duplicates); every error is one RegistryError that
names the file and the entry. Site keys become parts of archive paths (warc/<site>/…), so a
key is `[a-z0-9-]+` and nothing else. The dataclasses below are what the rest of the code uses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr, ValidationError, field_validator

from registry.families import FAMILIES
from registry.names import normalise_name

LEVELS = {"province", "city", "county"}
BASE_KINDS = {"决算", "预算"}
FILING_KINDS = {"部门决算", "单位决算", "部门预算", "单位预算"}
# What every unit owes by default: both, as the law asks (预算法 art. 14). Which of 部门 or 单位
# follows from the unit's kind (a department its 部门 filings, a unit its 单位 ones; the rule is
# disclosure.refresh_expected_filings()); a unit's own `publishes` overrides both.
DEFAULT_PUBLISHES = ("决算", "预算")
KIND_PREFIX = {"department": "部门", "unit": "单位"}
MONTH_DAY = re.compile(r"^(\d{2})-(\d{2})$")
SITE_KEY = re.compile(r"^[a-z0-9][a-z0-9-]*$")
# read by the crawler (per-site caps, crawlers.caps)
SITE_LIMITS = ("max_list_pages", "max_records", "max_bytes", "max_list_page_bytes", "max_files_per_filing")


class RegistryError(ValueError):
    """A registry file that does not validate; the message names the file and the entry."""


@dataclass(frozen=True)
class Deadline:
    """A real deadline: for one year (due_on; approved_on + 20 days; for budgets congress_approved_on
    + 40 days: 20 for the finance bureau's 批复 to the departments, 预算法 art. 52, and 20 for
    publication, art. 14) or every year (due "MM-DD", of year Y+1 for 决算 and of year Y for 预算).
    The store computes the due date (disclosure.completeness)."""

    kind: str
    year: int | None = None
    approved_on: date | None = None
    due_on: date | None = None
    due_month_day: tuple[int, int] | None = None
    congress_approved_on: date | None = None


@dataclass(frozen=True)
class Jurisdiction:
    code: str
    name: str
    level: str
    parent: str | None = None
    publishes: tuple[str, ...] = DEFAULT_PUBLISHES
    deadlines: tuple[Deadline, ...] = ()


@dataclass(frozen=True)
class Unit:
    code: str
    jurisdiction: str
    name: str
    aliases: tuple[str, ...] = ()
    budget_code: str | None = None
    kind: str = "unit"
    parent: str | None = None
    first_year: int | None = None
    last_year: int | None = None
    publishes: tuple[str, ...] = ()  # kinds it owes, when not the one its kind implies (部门决算 and 单位决算)

    def names(self) -> set[str]:
        return {normalise_name(n) for n in (self.name, *self.aliases)}


@dataclass(frozen=True)
class Site:
    key: str
    jurisdiction: str
    family: str
    start_urls: tuple[str, ...]
    verified: bool = False
    config: dict = field(default_factory=dict)
    limits: dict = field(default_factory=dict)  # crawl caps where given (crawlers.caps applies them)


@dataclass(frozen=True)
class Registry:
    source: str
    jurisdictions: tuple[Jurisdiction, ...]
    units: tuple[Unit, ...]
    sites: tuple[Site, ...]

    def site(self, key: str) -> Site:
        for site in self.sites:
            if site.key == key:
                return site
        raise RegistryError(f"{self.source}: no site named {key!r}")

    def resolve_unit(self, name: str | None) -> Unit | None:
        """The registered unit a printed name refers to, or None: never guessed."""
        if not name:
            return None
        wanted = normalise_name(name)
        matches = [u for u in self.units if wanted in u.names()]
        return matches[0] if len(matches) == 1 else None


# ---- the schema of one entry (pydantic) ------------------------------------------------
YearNumber = Annotated[StrictInt, Field(ge=1949, le=2200)]


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DeadlineEntry(_Entry):
    # a base kind (决算, 预算) stands for both its 部门 and 单位 kinds
    kind: Literal["部门决算", "单位决算", "部门预算", "单位预算", "决算", "预算"]
    year: YearNumber | None = None
    approved_on: date | None = None
    due_on: date | None = None
    congress_approved_on: date | None = None
    due: StrictStr | None = None

    def build(self) -> list[Deadline]:
        kinds = [p + self.kind for p in KIND_PREFIX.values()] if self.kind in BASE_KINDS else [self.kind]
        if self.congress_approved_on and not self.kind.endswith("预算"):
            raise ValueError("congress_approved_on is for budgets (预算): final accounts have no congress date")
        if self.year is not None:
            if not (self.approved_on or self.due_on or self.congress_approved_on):
                raise ValueError(f"a deadline for year {self.year} needs approved_on, due_on or congress_approved_on")
            return [
                Deadline(k, self.year, self.approved_on, self.due_on, None, self.congress_approved_on) for k in kinds
            ]
        if self.approved_on or self.due_on or self.congress_approved_on:
            raise ValueError("approved_on, due_on and congress_approved_on need the year they are for")
        m = MONTH_DAY.match(self.due or "")
        if not m:
            raise ValueError('a deadline for every year needs due: "MM-DD"')
        month, day = int(m.group(1)), int(m.group(2))
        try:
            date(2024, month, day)  # a leap year: 02-29 is a date
        except ValueError as exc:
            raise ValueError(f"due: {self.due!r} is not a month and day") from exc
        return [Deadline(k, None, None, None, (month, day)) for k in kinds]


class JurisdictionEntry(_Entry):
    code: StrictStr
    name: StrictStr
    level: Literal["province", "city", "county"]
    parent: StrictStr | None = None
    publishes: list[Literal["决算", "预算"]] = Field(default_factory=lambda: list(DEFAULT_PUBLISHES), min_length=1)
    deadlines: list[dict] = Field(default_factory=list)


class UnitEntry(_Entry):
    code: StrictStr
    jurisdiction: StrictStr
    name: StrictStr
    aliases: list[StrictStr] = Field(default_factory=list)
    budget_code: StrictStr | None = None  # a string: YAML reads 032003 unquoted as a number
    kind: Literal["unit", "department"] = "unit"
    parent: StrictStr | None = None
    first_year: YearNumber | None = None
    last_year: YearNumber | None = None
    # the kinds it owes when not the one its kind implies (a department's 部门决算 and its own 单位决算)
    publishes: list[Literal["部门决算", "单位决算", "部门预算", "单位预算"]] = Field(default_factory=list)


class SiteLimits(_Entry):
    max_list_pages: StrictInt | None = Field(default=None, gt=0)
    max_records: StrictInt | None = Field(default=None, gt=0)
    max_bytes: StrictInt | None = Field(default=None, gt=0)
    max_list_page_bytes: StrictInt | None = Field(default=None, gt=0)
    max_files_per_filing: StrictInt | None = Field(default=None, gt=0)


class SiteEntry(_Entry):
    key: StrictStr
    jurisdiction: StrictStr
    family: Literal[tuple(sorted(FAMILIES))]  # one spider each (registry.families)
    start_urls: list[StrictStr] = Field(min_length=1)
    verified: StrictBool = False
    config: dict = Field(default_factory=dict)
    limits: SiteLimits = Field(default_factory=SiteLimits)

    @field_validator("key")
    @classmethod
    def _plain_key(cls, key: str) -> str:
        if not SITE_KEY.match(key):
            raise ValueError(
                f"{key!r} is not a site key: lower-case letters, digits and '-' only (it names archive folders)"
            )
        return key


def _describe(error: ValidationError) -> str:
    """pydantic's errors as one line: 'first_year: Input should be a valid integer (got '2019abc')'."""
    parts = []
    for e in error.errors():
        where = ".".join(str(p) for p in e["loc"])
        got = e.get("input")
        message = e["msg"].removeprefix("Value error, ")
        shown = "" if e["type"] in ("missing", "value_error") or isinstance(got, dict) else f" (got {got!r})"
        parts.append(f"{where}: {message}{shown}" if where else f"{message}{shown}")
    return "; ".join(parts)


def _entry(model: type[_Entry], raw, where: str):
    if not isinstance(raw, dict):
        raise RegistryError(f"{where}: must be a mapping, not {type(raw).__name__}")
    label = f"{where} ({raw['code' if 'code' in raw else 'key']})" if raw.get("code", raw.get("key")) else where
    missing = [name for name, f in model.model_fields.items() if f.is_required() and raw.get(name) in (None, "")]
    if missing:
        raise RegistryError(f"{where}: missing {', '.join(missing)}")
    try:
        return model.model_validate(raw), label
    except ValidationError as exc:
        raise RegistryError(f"{label}: {_describe(exc)}") from exc


def _section(data: dict, name: str, source: str) -> list:
    items = data.get(name) or []
    if not isinstance(items, list):
        raise RegistryError(f"{source}: {name} must be a list of entries, not {type(items).__name__}")
    return items


def parse_registry(data: dict, source: str, substitutions: dict[str, str] | None = None) -> Registry:
    if not isinstance(data, dict):
        raise RegistryError(f"{source}: top level must be a mapping")
    unknown = set(data) - {"jurisdictions", "units", "sites"}
    if unknown:
        raise RegistryError(f"{source}: unknown top-level keys {sorted(unknown)}")
    subs = substitutions or {}
    jurisdictions, units, sites = [], [], []
    for i, raw in enumerate(_section(data, "jurisdictions", source)):
        j, label = _entry(JurisdictionEntry, raw, f"{source}: jurisdictions[{i}]")
        deadlines = []
        for k, d in enumerate(j.deadlines):
            entry, where = _entry(DeadlineEntry, d, f"{label} deadlines[{k}]")
            try:
                deadlines.extend(entry.build())
            except ValueError as exc:
                raise RegistryError(f"{where}: {exc}") from exc
        keys = [(d.kind, d.year) for d in deadlines]  # the store keeps one per kind and year
        twice = sorted({f"{k} {y or 'every year'}" for k, y in keys if keys.count((k, y)) > 1})
        if twice:
            raise RegistryError(f"{label} deadlines: more than one deadline for {', '.join(twice)}")
        jurisdictions.append(Jurisdiction(j.code, j.name, j.level, j.parent, tuple(j.publishes), tuple(deadlines)))
    codes = {j.code for j in jurisdictions}
    for j in jurisdictions:
        if j.parent and j.parent not in codes:
            raise RegistryError(f"{source}: jurisdiction {j.code}: unknown parent {j.parent!r}")
    for i, raw in enumerate(_section(data, "units", source)):
        u, label = _entry(UnitEntry, raw, f"{source}: units[{i}]")
        if u.jurisdiction not in codes:
            raise RegistryError(f"{label}: unknown jurisdiction {u.jurisdiction!r}")
        if u.first_year and u.last_year and u.last_year < u.first_year:
            raise RegistryError(f"{label}: last_year {u.last_year} is before first_year {u.first_year}")
        units.append(
            Unit(
                u.code,
                u.jurisdiction,
                u.name,
                tuple(u.aliases),
                u.budget_code,
                u.kind,
                u.parent,
                u.first_year,
                u.last_year,
                tuple(u.publishes),
            )
        )
    for i, raw in enumerate(_section(data, "sites", source)):
        s, label = _entry(SiteEntry, raw, f"{source}: sites[{i}]")
        if s.jurisdiction not in codes:
            raise RegistryError(f"{label}: unknown jurisdiction {s.jurisdiction!r}")
        try:
            urls = tuple(url.format(**subs) if subs else url for url in s.start_urls)
        except (KeyError, IndexError, ValueError) as exc:
            raise RegistryError(f"{label}: start_urls: unknown placeholder {exc}") from exc
        sites.append(
            Site(
                s.key,
                s.jurisdiction,
                s.family,
                urls,
                s.verified,
                dict(s.config),
                s.limits.model_dump(exclude_none=True),
            )
        )
    for kind, items in (("unit", [(u.jurisdiction, u.code) for u in units]), ("site", [s.key for s in sites])):
        dupes = {x for x in items if items.count(x) > 1}
        if dupes:
            raise RegistryError(f"{source}: duplicate {kind} keys {sorted(map(str, dupes))}")
    return Registry(source, tuple(jurisdictions), tuple(units), tuple(sites))


class _UniqueKeyLoader(yaml.SafeLoader):
    """YAML's safe loader, refusing a mapping that names one key twice (the last silently won)."""

    def construct_mapping(self, node, deep=False):
        seen: dict = {}
        for key_node, _value in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.YAMLError(
                    f"line {key_node.start_mark.line + 1}: the key {key!r} is given twice in "
                    f"one mapping (first on line {seen[key] + 1})"
                )
            seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep)


def load_registry(path: Path, substitutions: dict[str, str] | None = None) -> Registry:
    try:
        data = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)  # noqa: S506 - safe loader
    except OSError as exc:
        raise RegistryError(f"{path}: cannot read registry ({exc.strerror})") from exc
    except yaml.YAMLError as exc:
        raise RegistryError(f"{path}: not valid YAML: {exc}") from exc
    return parse_registry(data, str(path), substitutions)
