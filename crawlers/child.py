"""Run one site's crawl in this process: `python -m crawlers.child --site-key K …`.

Scrapy's reactor cannot restart, so every crawl gets its own process (crawlers.site_crawl
starts it). The manifest (JSON lines) is the only output; the last line is the stats.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from scrapy.crawler import CrawlerProcess

from crawlers.caps import site_caps
from crawlers.events import CrawlStats, encode
from crawlers.lifetime import die_with_parent, prompt_sigterm
from crawlers.site_crawl import CrawlLimits
from crawlers.spiders import SPIDERS


def scrapy_settings(args) -> dict:
    caps = site_caps(json.loads(args.caps))
    return {
        "USER_AGENT": args.user_agent,
        "ROBOTSTXT_OBEY": True,
        "CONCURRENT_REQUESTS": 8,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 1,  # one request at a time per crawl and host
        "AUTOTHROTTLE_ENABLED": True,
        "AUTOTHROTTLE_START_DELAY": args.throttle_start_delay,
        "AUTOTHROTTLE_MAX_DELAY": 30.0,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": 1.0,
        # The crawl's share of its host (warehouse.host_locks): a floor, not an average, so
        # the host's crawls together never exceed one request per DISCLOSURE_HOST_DELAY.
        "DOWNLOAD_DELAY": args.download_delay,
        "RANDOMIZE_DOWNLOAD_DELAY": False,
        "DOWNLOAD_TIMEOUT": args.timeout,
        "DOWNLOAD_MAXSIZE": args.max_bytes,
        "DOWNLOAD_WARNSIZE": 0,
        "RETRY_ENABLED": True,
        "RETRY_TIMES": 3,
        "RETRY_HTTP_CODES": [500, 502, 503, 504, 522, 524, 408, 429],
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "LOG_LEVEL": "WARNING",
        "ITEM_PIPELINES": {"crawlers.pipelines.ManifestPipeline": 100},
        "DOWNLOADER_MIDDLEWARES": {
            # Origins (scheme, host, port) replace Scrapy's host-name filter, which let a
            # redirect reach another port and dropped off-site ones without a trace.
            "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
            "crawlers.wire.OriginGuard": 40,
            "crawlers.warc.WarcCapture": 950,
            "crawlers.wire.WireMeter": 960,
        },
        # Backstops behind the spiders' own caps (crawlers.caps): a walk that escapes them
        # still ends, and before the parent's wall clock kills the process without stats.
        "CLOSESPIDER_PAGECOUNT": caps.max_responses,
        # It leaves the crawl time to write its stats: the crawl is then recorded incomplete
        # (crawlers.health) and the next night goes on, instead of a kill that tells nothing.
        "CLOSESPIDER_TIMEOUT": max(args.wall_clock - 60, args.wall_clock * 0.75),
        "DISCLOSURE_CRAWL_MAX_BYTES": caps.max_bytes,
        "DISCLOSURE_CAPS": json.loads(args.caps),
        "DISCLOSURE_WARC": str(args.warc) if args.warc else "",
        "DISCLOSURE_SITE_KEY": args.site_key,
        "DISCLOSURE_MANIFEST": str(args.manifest),
        "DISCLOSURE_ARCHIVE": str(args.archive),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--site-key", required=True)
    p.add_argument("--family", required=True, choices=sorted(SPIDERS))
    p.add_argument("--start-url", action="append", required=True)
    p.add_argument("--config", default="{}")
    p.add_argument("--known", type=Path)
    p.add_argument("--manifest", type=Path, required=True)
    p.add_argument("--archive", required=True, help="archive folder or fsspec URL (s3://bucket/prefix)")
    p.add_argument("--user-agent", required=True)
    p.add_argument("--warc", type=Path, help="write every response to this WARC file (.warc.gz)")
    # Defaults (a crawl started by hand) are crawlers.site_crawl.CrawlLimits', which passes them all.
    limits = CrawlLimits()
    p.add_argument("--throttle-start-delay", type=float, default=limits.throttle_start_delay)
    p.add_argument("--download-delay", type=float, default=limits.download_delay)
    p.add_argument("--timeout", type=float, default=limits.timeout)
    p.add_argument("--max-bytes", type=int, default=limits.max_bytes)
    p.add_argument("--caps", default="{}", help="the site's registry limits (crawlers.caps)")
    p.add_argument("--wall-clock", type=float, default=limits.wall_clock)
    p.add_argument("--parent-pid", type=int, help="die (and remove --workdir) when this process dies")
    p.add_argument("--workdir", type=Path, help="the parent's temporary folder for this crawl")
    p.add_argument("--dry-run", action="store_true", help="list what would be fetched; fetch no file, archive nothing")
    p.add_argument("--night", type=int, default=0, help="tonight's number (crawlers.revalidation)")
    p.add_argument("--revalidate-every", type=int, default=1, help="ask for each archived file every K nights")
    args = p.parse_args(argv)
    if args.parent_pid:
        die_with_parent(args.parent_pid, args.workdir)
    known = json.loads(args.known.read_text()) if args.known else {}
    process = CrawlerProcess(scrapy_settings(args))
    crawler = process.create_crawler(SPIDERS[args.family])
    process.crawl(
        crawler,
        site_key=args.site_key,
        start_urls=args.start_url,
        known=known,
        config=json.loads(args.config),
        caps=json.loads(args.caps),
        dry_run=args.dry_run,
        night=args.night,
        revalidate_every=args.revalidate_every,
    )
    # A stop that cannot finish gracefully still leaves the stats of what was done.
    prompt_sigterm(process, before_exit=lambda: write_stats(crawler, args.manifest, "terminated"))
    process.start()
    write_stats(crawler, args.manifest)
    return 0


def write_stats(crawler, manifest: Path, finish_reason: str | None = None) -> None:
    """The manifest's last line: Scrapy's stats (finish_reason set when the crawl was cut)."""
    stats = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in dict(crawler.stats.get_stats()).items()}
    if finish_reason:
        stats["finish_reason"] = finish_reason
    with manifest.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(encode(CrawlStats(stats)), ensure_ascii=False) + "\n")


if __name__ == "__main__":
    raise SystemExit(main())
