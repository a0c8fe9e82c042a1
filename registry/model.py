"""The registry file: jurisdictions, their units and their sites. Validated on load."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml

from registry.names import normalise_name

FAMILIES = {"trs_wcm", "static_list", "hanweb_jpage", "unified_json"}
LEVELS = {"province", "city", "county"}
BASE_KINDS = {"决算", "预算"}
FILING_KINDS = {"部门决算", "单位决算", "部门预算", "单位预算"}
MONTH_DAY = re.compile(r"^(\d{2})-(\d{2})$")


class RegistryError(ValueError):
    """A registry file that does not validate; the message names the file and the entry."""


@dataclass(frozen=True)
class Deadline:
    """A real deadline: for one year (due_on, or approved_on + 20 days) or every year (due "MM-DD")."""

    kind: str
    year: int | None = None
    approved_on: date | None = None
    due_on: date | None = None
    due_month_day: tuple[int, int] | None = None


@dataclass(frozen=True)
class Jurisdiction:
    code: str
    name: str
    level: str
    parent: str | None = None
    publishes: tuple[str, ...] = ("决算",)
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


def _require(entry: dict, keys: tuple[str, ...], where: str) -> None:
    missing = [k for k in keys if k not in entry or entry[k] in (None, "")]
    if missing:
        raise RegistryError(f"{where}: missing {', '.join(missing)}")


def _date(value, where: str) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise RegistryError(f"{where}: {value!r} is not a date (YYYY-MM-DD)") from exc


def _deadline(d: dict, where: str) -> Deadline:
    _require(d, ("kind",), where)
    if d["kind"] not in FILING_KINDS:
        raise RegistryError(f"{where}: kind must be one of {sorted(FILING_KINDS)}")
    approved, due = _date(d.get("approved_on"), where), _date(d.get("due_on"), where)
    if d.get("year") is not None:
        if not (approved or due):
            raise RegistryError(f"{where}: a deadline for year {d['year']} needs approved_on or due_on")
        return Deadline(d["kind"], int(d["year"]), approved, due)
    m = MONTH_DAY.match(str(d.get("due", "")))
    if not m:
        raise RegistryError(f"{where}: a deadline for every year needs due: \"MM-DD\"")
    return Deadline(d["kind"], None, None, None, (int(m.group(1)), int(m.group(2))))


def parse_registry(data: dict, source: str, substitutions: dict[str, str] | None = None) -> Registry:
    if not isinstance(data, dict):
        raise RegistryError(f"{source}: top level must be a mapping")
    subs = substitutions or {}
    jurisdictions, units, sites = [], [], []
    for i, j in enumerate(data.get("jurisdictions") or []):
        where = f"{source}: jurisdictions[{i}]"
        _require(j, ("code", "name", "level"), where)
        if j["level"] not in LEVELS:
            raise RegistryError(f"{where} ({j['code']}): level must be one of {sorted(LEVELS)}")
        publishes = tuple(j.get("publishes") or ("决算",))
        if not set(publishes) <= BASE_KINDS:
            raise RegistryError(f"{where} ({j['code']}): publishes must be a subset of {sorted(BASE_KINDS)}")
        deadlines = tuple(_deadline(d, f"{where} ({j['code']}) deadlines[{k}]")
                          for k, d in enumerate(j.get("deadlines") or []))
        jurisdictions.append(Jurisdiction(j["code"], j["name"], j["level"], j.get("parent"), publishes, deadlines))
    codes = {j.code for j in jurisdictions}
    for j in jurisdictions:
        if j.parent and j.parent not in codes:
            raise RegistryError(f"{source}: jurisdiction {j.code}: unknown parent {j.parent!r}")
    for i, u in enumerate(data.get("units") or []):
        where = f"{source}: units[{i}]"
        _require(u, ("code", "jurisdiction", "name"), where)
        if u["jurisdiction"] not in codes:
            raise RegistryError(f"{where} ({u['code']}): unknown jurisdiction {u['jurisdiction']!r}")
        unit_kinds = tuple(u.get("publishes") or ())
        if not set(unit_kinds) <= FILING_KINDS:
            raise RegistryError(f"{where} ({u['code']}): publishes must be a subset of {sorted(FILING_KINDS)}")
        units.append(Unit(u["code"], u["jurisdiction"], u["name"], tuple(u.get("aliases") or ()),
                          u.get("budget_code"), u.get("kind", "unit"), u.get("parent"),
                          u.get("first_year"), u.get("last_year"), unit_kinds))
    for i, s in enumerate(data.get("sites") or []):
        where = f"{source}: sites[{i}]"
        _require(s, ("key", "jurisdiction", "family", "start_urls"), where)
        if s["family"] not in FAMILIES:
            raise RegistryError(f"{where} ({s['key']}): family must be one of {sorted(FAMILIES)}")
        if s["jurisdiction"] not in codes:
            raise RegistryError(f"{where} ({s['key']}): unknown jurisdiction {s['jurisdiction']!r}")
        urls = tuple(url.format(**subs) if subs else url for url in s["start_urls"])
        sites.append(Site(s["key"], s["jurisdiction"], s["family"], urls, bool(s.get("verified", False)),
                          dict(s.get("config") or {})))
    for kind, items in (("unit", [(u.jurisdiction, u.code) for u in units]), ("site", [s.key for s in sites])):
        dupes = {x for x in items if items.count(x) > 1}
        if dupes:
            raise RegistryError(f"{source}: duplicate {kind} keys {sorted(map(str, dupes))}")
    return Registry(source, tuple(jurisdictions), tuple(units), tuple(sites))


def load_registry(path: Path, substitutions: dict[str, str] | None = None) -> Registry:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise RegistryError(f"{path}: cannot read registry ({exc.strerror})") from exc
    except yaml.YAMLError as exc:
        raise RegistryError(f"{path}: not valid YAML: {exc}") from exc
    return parse_registry(data, str(path), substitutions)
