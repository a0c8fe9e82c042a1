"""How a crawl went, judged from its manifest and Scrapy's stats; the store only records it.

Two questions, answered separately:
- did the site fail tonight (status failed, alerted)? Any list or detail page not read,
  a callback that raised, a cap reached, a crawler that did not finish, a download that
  broke. One attachment refused for its content (an HTML error page served as a PDF) is an
  item of the crawl, not a failure of the site — unless every file it served was refused.
- did the crawl see the whole list? Only then may filings it did not see be withdrawn. A
  broken download does not hide a list entry; a list page, a detail page, a bad link, an
  exception or a cap may.

A crawl stopped by its time limit and by nothing else is `incomplete`, not failed: what it
read is recorded, nothing is withdrawn, and the next night goes on from the store's record
(known filings are not read again), so a site too big for one night is read over several.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from crawlers.events import CrawlError, FileArchived, NotModified

# Error scopes (the "scope" of an error item): where in the walk it happened.
LIST, DETAIL, LINK, FILE = "list", "detail", "link", "file"
HIDES_ENTRIES = {LIST, DETAIL, LINK}  # an error there may hide a filing from the list
CAP_STAT = "disclosure/capped/"  # + cap name; the limit it stopped at
EXCEPTION_STAT = "spider_exceptions/"
# Finish reasons of a crawl cut by its time limit: Scrapy's CLOSESPIDER_TIMEOUT, or the
# child stopped from outside when the parent's wall clock ran out (crawlers.lifetime).
TIME_LIMIT_REASONS = ("closespider_timeout",)
OK, INCOMPLETE, FAILED = "ok", "incomplete", "failed"


@dataclass
class CrawlHealth:
    status: str  # ok | incomplete | failed
    problems: list[str]
    saw_whole_list: bool  # withdrawals are judged only after such a crawl
    item_errors: list[str] = field(default_factory=list)  # refused files that do not fail the site


def _first(errors: list[CrawlError]) -> str:
    return f"{errors[0].url}: {errors[0].reason}"


def caps_reached(stats: dict) -> dict[str, int]:
    return {k[len(CAP_STAT) :]: v for k, v in stats.items() if k.startswith(CAP_STAT)}


def judge_health(
    events: list, stats: dict, returncode: int, stderr: str, filings_found: int, previously_found: int
) -> CrawlHealth:
    hiding: list[str] = []  # problems that may hide list entries
    other: list[str] = []  # problems that fail the site but hide nothing
    if returncode != 0:
        hiding.append(f"crawler process exited {returncode}: {stderr[-300:]}")
    reason = stats.get("finish_reason")
    timed_out = reason in TIME_LIMIT_REASONS and returncode == 0
    if timed_out:
        pages = stats.get("disclosure/list_pages", 0)
        hiding.append(f"time limit reached after {pages} list page(s): the next night goes on")
    elif reason != "finished":
        hiding.append(f"finish reason {reason!r}")
    if not stats.get("disclosure/list_pages"):
        hiding.append("no list page could be read")
    raised = {
        k[len(EXCEPTION_STAT) :]: v
        for k, v in stats.items()
        if k.startswith(EXCEPTION_STAT) and k != EXCEPTION_STAT + "count"
    }
    if raised:
        hiding.append("callbacks raised " + ", ".join(f"{n}× {name}" for name, n in sorted(raised.items())))
    for cap, limit in sorted(caps_reached(stats).items()):
        hiding.append(f"capped: stopped at {limit} {cap.replace('_', ' ')} (the site's limits.max_{cap})")
    if filings_found == 0 and previously_found > 0:
        hiding.append(f"found no filings where the last good crawl found {previously_found}")
    errors = [e for e in events if isinstance(e, CrawlError)]
    entry_errors = [e for e in errors if (e.scope or LIST) in HIDES_ENTRIES]
    refused = [e for e in errors if e.scope == FILE and e.refused]
    broken = [e for e in errors if e.scope == FILE and not e.refused]
    if entry_errors:
        hiding.append(f"{len(entry_errors)} list/detail error(s), first: {_first(entry_errors)}")
    if broken:
        other.append(f"{len(broken)} download error(s), first: {_first(broken)}")
    item_errors = []
    if refused:
        served = sum(1 for e in events if isinstance(e, FileArchived | NotModified))
        if served == 0:  # every file an error page: the site is broken tonight, not a file
            other.append(f"{len(refused)} file(s) refused and none accepted, first: {_first(refused)}")
        else:
            item_errors = [f"{e.url}: {e.reason}" for e in refused]
    problems = hiding + other
    only_time = timed_out and len(problems) == 1
    status = OK if not problems else INCOMPLETE if only_time else FAILED
    return CrawlHealth(status, problems, not hiding, item_errors)
