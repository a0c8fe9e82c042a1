"""The registry file: jurisdictions, their units and their sites. Validated on load."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from registry.names import normalise_name

FAMILIES = {"trs_wcm", "static_list", "hanweb_jpage", "unified_json"}
LEVELS = {"province", "city", "county"}


class RegistryError(ValueError):
    """A registry file that does not validate; the message names the file and the entry."""


@dataclass(frozen=True)
class Jurisdiction:
    code: str
    name: str
    level: str
    parent: str | None = None


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
        jurisdictions.append(Jurisdiction(j["code"], j["name"], j["level"], j.get("parent")))
    codes = {j.code for j in jurisdictions}
    for j in jurisdictions:
        if j.parent and j.parent not in codes:
            raise RegistryError(f"{source}: jurisdiction {j.code}: unknown parent {j.parent!r}")
    for i, u in enumerate(data.get("units") or []):
        where = f"{source}: units[{i}]"
        _require(u, ("code", "jurisdiction", "name"), where)
        if u["jurisdiction"] not in codes:
            raise RegistryError(f"{where} ({u['code']}): unknown jurisdiction {u['jurisdiction']!r}")
        units.append(Unit(u["code"], u["jurisdiction"], u["name"], tuple(u.get("aliases") or ()),
                          u.get("budget_code"), u.get("kind", "unit"), u.get("parent"),
                          u.get("first_year"), u.get("last_year")))
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
