"""Migrations up and down on a real Postgres."""

from sqlalchemy import create_engine, text

from warehouse.migrate import current_revision, downgrade, head_revision, upgrade

TABLES = {
    "jurisdiction",
    "unit",
    "unit_alias",
    "site",
    "crawl_run",
    "filing",
    "archived_file",
    "parse_run",
    "cell",
    "finding",
    "alert",
}


def _tables(url):
    with create_engine(url).connect() as conn:
        return {
            r[0]
            for r in conn.execute(
                text("SELECT table_name FROM information_schema.tables WHERE table_schema = 'disclosure'")
            )
        }


VIEWS = {
    "completeness",
    "cell_series",
    "jurisdiction_totals",
    "open_findings",
    "finding_status",
    "identification_findings",
}


def _views(url):
    with create_engine(url).connect() as conn:
        return {
            r[0]
            for r in conn.execute(
                text("SELECT table_name FROM information_schema.views WHERE table_schema = 'disclosure'")
            )
        }


def test_upgrade_downgrade_upgrade(db_url):
    upgrade(db_url)
    assert current_revision(db_url) == head_revision()
    assert TABLES | {"deadline", "narrative_claim", "evaluation", "evaluation_indicator", "expected_filing"} <= _tables(
        db_url
    )
    assert VIEWS <= _views(db_url)
    downgrade(db_url, "0001")
    assert current_revision(db_url) == "0001"
    assert not (VIEWS & _views(db_url)) and "current_parse" in _views(db_url)
    assert TABLES <= _tables(db_url)
    downgrade(db_url, "base")
    assert current_revision(db_url) is None
    assert not (TABLES & _tables(db_url))
    upgrade(db_url)
    assert TABLES <= _tables(db_url)


def test_natural_keys_make_a_second_insert_a_no_op(migrated_url):
    eng = create_engine(migrated_url)
    sql = text(
        "INSERT INTO disclosure.jurisdiction (code, name, level) VALUES ('dt', '大同市', 'city') "
        "ON CONFLICT (code) DO NOTHING"
    )
    with eng.begin() as conn:
        conn.execute(sql)
        conn.execute(sql)
        assert conn.execute(text("SELECT count(*) FROM disclosure.jurisdiction")).scalar() == 1


# One jurisdiction and its site, as every schema since 0001 holds them.
A_SITE = """
    INSERT INTO disclosure.jurisdiction (code, name, level) VALUES ('140200', '大同市', 'city');
    INSERT INTO disclosure.site (key, jurisdiction_id, family, start_urls)
    SELECT 'datong', id, 'trs_wcm', ARRAY['http://czj.dt.gov.cn/'] FROM disclosure.jurisdiction;"""


def test_existing_filings_get_their_url_key(db_url):
    upgrade(db_url, "0003")
    with create_engine(db_url).begin() as conn:
        conn.execute(
            text(
                A_SITE
                + """
            INSERT INTO disclosure.filing (site_id, detail_url, title)
            SELECT id, 'http://CZJ.dt.gov.cn:80/czxx/t20250801_1.html', '决算公开' FROM disclosure.site"""
            )
        )
    upgrade(db_url)
    with create_engine(db_url).connect() as conn:
        assert (
            conn.execute(text("SELECT detail_key FROM disclosure.filing")).scalar()
            == "//czj.dt.gov.cn/czxx/t20250801_1.html"
        )


def test_two_upgrades_at_once_on_a_fresh_database_both_succeed(db_url):
    # Without the migration lock this failed in 4 of 5 trials (duplicate alembic_version).
    import subprocess
    import sys

    script = "import sys; from warehouse.migrate import upgrade; upgrade(sys.argv[1])"
    for _trial in range(2):
        procs = [
            subprocess.Popen([sys.executable, "-c", script, db_url], stderr=subprocess.PIPE, text=True)
            for _ in range(2)
        ]
        errors = [p.communicate(timeout=300)[1] for p in procs]
        assert [p.returncode for p in procs] == [0, 0], errors
        with create_engine(db_url).connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM disclosure.alembic_version")).scalar() == 1
        downgrade(db_url, "base")


def test_the_migrations_form_one_chain_in_numbered_order():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from warehouse.migrate import _INI

    script = ScriptDirectory.from_config(Config(str(_INI)))
    chain = [rev.revision for rev in script.walk_revisions()][::-1]  # base first
    assert chain == sorted(chain) and head_revision() == chain[-1]


def test_stored_findings_take_the_family_their_rule_ids_name(db_url):
    # Findings stored before 0011 carry the old family names; their rule ids (and so the alert
    # keys built from them) do not change, and a downgrade gives the old names back.
    upgrade(db_url, "0008")
    findings = [
        ("perf.rate", "performance"),
        ("required.06", "required_parts"),
        ("xyear.opening_01", "cross_year"),
        ("01.balance", "within_table"),
        ("narrative.amount", "narrative"),
    ]
    with create_engine(db_url).begin() as conn:
        conn.execute(
            text(
                A_SITE
                + """
            INSERT INTO disclosure.filing (site_id, detail_url, detail_key, title)
            SELECT id, 'http://czj.dt.gov.cn/czxx/t20250801_1.html', '//czj.dt.gov.cn/czxx/t20250801_1.html', '决算公开'
            FROM disclosure.site;
            INSERT INTO disclosure.archived_file (filing_id, sha256, source_url, final_url, fetched_at, http_status,
                                                  storage_key, size_bytes, media_type)
            SELECT id, repeat('a', 64), 'http://czj.dt.gov.cn/a.pdf', 'http://czj.dt.gov.cn/a.pdf', now(), 200,
                   'sha256/aa/aa/aaaa', 1000, 'application/pdf' FROM disclosure.filing;
            INSERT INTO disclosure.parse_run (archived_file_id, parser_version, status)
            SELECT id, 'test', 'ok' FROM disclosure.archived_file"""
            )
        )
        for rule_id, family in findings:
            conn.execute(
                text(
                    "INSERT INTO disclosure.finding (parse_run_id, rule_id, family, status) "
                    "SELECT id, :rule, :family, 'failed' FROM disclosure.parse_run"
                ),
                {"rule": rule_id, "family": family},
            )

    def stored():
        with create_engine(db_url).connect() as conn:
            return dict(conn.execute(text("SELECT rule_id, family FROM disclosure.finding")).all())

    upgrade(db_url)
    assert stored() == {
        "perf.rate": "perf",
        "required.06": "required",
        "xyear.opening_01": "xyear",
        "01.balance": "within_table",
        "narrative.amount": "narrative",
    }
    downgrade(db_url, "0008")
    assert stored() == dict(findings)
