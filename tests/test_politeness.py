"""Politeness against the replica sites: robots.txt obeyed, an identifying user agent, and
never more than one request at a time to a host."""

from disclosure import pipeline


def test_robots_txt_is_obeyed(env_settings, replica):
    detail = replica.routes["/xinzhou/yjsgk/2024/0820/c1.html"]
    detail.body = detail.body.replace(b"</iframe>", b'</iframe><a href="/private/draft.pdf">draft.pdf</a>')
    replica.routes["/private/draft.pdf"] = replica.routes["/xinzhou/files/swbgs2023js.pdf"]
    ctx = pipeline.context(env_settings)
    pipeline.prepare(ctx)
    (result,) = pipeline.crawl(ctx, ["replica-xinzhou-static"])
    assert not [r for r in replica.requests if r[1].startswith("/private/")]  # robots.txt: Disallow: /private/
    assert result["new_file_versions"] == 1


def test_the_crawler_identifies_itself_and_asks_one_thing_at_a_time(env_settings, replica):
    ctx = pipeline.context(env_settings)
    pipeline.prepare(ctx)
    pipeline.crawl(ctx)
    assert replica.user_agents == {env_settings.user_agent}
    assert "+http" in env_settings.user_agent  # a contact URL in the user agent
    assert len(replica.requests) >= 10 and replica.max_in_flight == 1


def test_the_crawler_stays_on_the_registered_hosts(env_settings, replica):
    """An attachment on another host is not fetched; the crawl records why (nothing silently lost)."""
    detail = replica.routes["/xinzhou/yjsgk/2024/0820/c1.html"]
    elsewhere = replica.base_url.replace("127.0.0.1", "localhost") + "/xinzhou/files/copy.pdf"
    detail.body = detail.body.replace(b"</iframe>", f'</iframe><a href="{elsewhere}">副本.pdf</a>'.encode())
    replica.routes["/xinzhou/files/copy.pdf"] = replica.routes["/xinzhou/files/swbgs2023js.pdf"]
    ctx = pipeline.context(env_settings)
    pipeline.prepare(ctx)
    (result,) = pipeline.crawl(ctx, ["replica-xinzhou-static"])
    assert not [r for r in replica.requests if r[1] == "/xinzhou/files/copy.pdf"]
    assert any("host not registered for this site (localhost)" in e for e in result["errors"])
    assert result["new_file_versions"] == 1  # the registered file still arrives
