"""Where a site's crawl may go: origins (scheme, host, port), never host names alone.

A registered host's other ports are other servers (127.0.0.1:5432 is Postgres), so a
redirect or a link there is refused. Allowed: the start URLs' origins; the https twin of an
http start URL on the default ports (a site that moved to TLS); a site config's
`allowed_hosts` (a CDN: those hosts and their subdomains on the default ports) and
`allowed_origins` ("https://files.example.org:8443", for anything else). Pure.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

DEFAULT_PORTS = {"http": 80, "https": 443}

Origin = tuple[str, str, int]


def origin_of(url: str) -> Origin | None:
    """('https', 'czj.example.gov.cn', 443), or None for anything that is not a web URL."""
    try:
        parts = urlsplit(url)
        scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
        port = parts.port or DEFAULT_PORTS.get(scheme)
    except ValueError:
        return None
    if scheme not in DEFAULT_PORTS or not host:
        return None
    return scheme, host, port


def shown(origin: Origin) -> str:
    return f"{origin[0]}://{origin[1]}:{origin[2]}"


@dataclass(frozen=True)
class AllowedOrigins:
    origins: frozenset[Origin]
    hosts: frozenset[str]  # allowed_hosts: these and their subdomains, on the default ports

    @classmethod
    def for_site(cls, start_urls, config: dict | None = None) -> AllowedOrigins:
        config = config or {}
        origins = set()
        for url in start_urls:
            o = origin_of(url)
            if o is None:
                continue
            origins.add(o)
            if o[0] == "http" and o[2] == 80:
                origins.add(("https", o[1], 443))
        for url in config.get("allowed_origins") or ():
            o = origin_of(url)
            if o is None:
                raise ValueError(f"allowed_origins: {url!r} is not scheme://host[:port]")
            origins.add(o)
        hosts = frozenset(str(h).lower().strip(".") for h in config.get("allowed_hosts") or ())
        return cls(frozenset(origins), hosts)

    def allows(self, url: str) -> bool:
        o = origin_of(url)
        if o is None:
            return False
        if o in self.origins:
            return True
        scheme, host, port = o
        return port == DEFAULT_PORTS[scheme] and any(host == h or host.endswith("." + h) for h in self.hosts)

    def why_not(self, url: str) -> str:
        """Why `url` is refused, in words an operator can act on."""
        o = origin_of(url)
        if o is None:
            return f"not a web address ({url[:120]!r})"
        known_hosts = {h for _s, h, _p in self.origins} | self.hosts
        if o[1] not in known_hosts:
            return f"a host not registered for this site ({o[1]})"
        return f"a port or scheme not registered for this site ({shown(o)}; registered: {self.describe()})"

    def describe(self) -> str:
        listed = sorted(shown(o) for o in self.origins) + sorted(f"*.{h}" for h in self.hosts)
        return ", ".join(listed)
