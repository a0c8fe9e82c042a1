"""Identity from the document, non-filings, coverage and status, on the real published documents
in tests/real/ (truth hand-checked in tests/real/truth/identity.json) and on seed filings with
a table cut out; the status reaches the store, the alerts and `disclosure validate`'s exit code."""

from __future__ import annotations

import io
import json
import re

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from disclosure.cli import app
from disclosure.settings import PROJECT_ROOT
from parsers import parse_bytes
from parsers.identity import identify, identify_document
from parsers.model import TABLE_CODES
from tests.parsed import real_parse as parsed
from tests.parsed import seed_parse

REAL = PROJECT_ROOT / "tests" / "real"
TRUTH = json.loads((REAL / "truth" / "identity.json").read_text(encoding="utf-8"))
BUDGETS = sorted(name for name, t in TRUTH.items() if t["is_filing"] and t["kind"] and t["kind"].endswith("预算"))
runner = CliRunner()


def _plain(name: str | None) -> str:
    """Unit names compare without the spaces a cover's layout puts into them."""
    return re.sub(r"\s", "", name or "")


def test_every_real_document_has_its_truth():
    files = {p.name for p in REAL.iterdir() if p.is_file() and not p.name.endswith((".source.txt", ".md"))}
    assert files == set(TRUTH)


@pytest.mark.parametrize("name", sorted(TRUTH))
def test_identity_is_read_from_the_document(name):
    want, got = TRUTH[name], parsed(name)
    assert (_plain(got.unit), got.year, got.kind, got.qualifier) == (
        _plain(want["unit"]),
        want["year"],
        want["kind"],
        want["qualifier"],
    )
    assert (got.status != "not_a_filing") is want["is_filing"], got.problems


@pytest.mark.parametrize(
    "name, reason",
    [
        (
            "sh_putuo_2026_dept_budget_checklist.xlsx",
            "an inspection checklist ('2026年度普陀区部门预算公开情况检查表')",
        ),
        (
            "sh_putuo_2026_unit_budget_checklist.xlsx",
            "an inspection checklist ('2026年度普陀区单位预算公开情况检查表')",
        ),
        ("sh_district_final_template.pdf", "a blank template: the unit is printed as '上海市XX局'"),
        (
            "cq_gzw_2026_dept_budget_landing.html",
            "a page that only links to the filing (重庆市国有资产监督管理委员会2026年部门预算情况说明.pdf)",
        ),
    ],
)
def test_a_non_filing_says_why(name, reason):
    result = parsed(name)
    assert result.status == "not_a_filing" and not result.cells
    assert any(p.startswith("not a filing: " + reason) for p in result.problems), result.problems


@pytest.mark.parametrize("name", sorted(TRUTH))
def test_no_real_document_is_a_silent_zero(name):
    result = parsed(name)
    if not result.cells:
        assert result.status in ("partial", "unrecognised", "not_a_filing")
    if result.status != "filing":
        word = "not a filing" if result.status == "not_a_filing" else result.status
        assert any(p.startswith(word + ":") for p in result.problems), result.problems
    assert result.coverage["cells"] == len(result.cells)
    assert set(result.coverage["tables_read"]) <= set(result.coverage["tables"])


@pytest.mark.parametrize("name", BUDGETS)
def test_a_budget_is_never_read_as_a_final_account(name):
    result = parsed(name)
    assert result.kind in ("部门预算", "单位预算")
    assert not [c for c in result.cells if c.table in TABLE_CODES]
    assert all(result.tables[code].status == "missing" for code in TABLE_CODES if code in result.tables)
    template = result.template or ""
    if "budget" not in template and "预算" not in template:
        assert result.status == "unrecognised"
        assert any("whose tables no budget template read" in p for p in result.problems)


def test_a_tables_only_budget_takes_its_year_from_the_table_titles():
    # js_zxbgt has no cover: 部门：江苏省政协办公厅 on every table, the year only in "2019年政府采购预算表".
    result = parsed("js_zxbgt_2019_budget_tables.pdf")
    assert (result.unit, result.year, result.kind) == ("江苏省政协办公厅", 2019, "部门预算")
    assert "identity: the cover prints no fiscal year: 2019 read from the table titles" in result.problems


@pytest.mark.parametrize(
    "name, notes",
    [
        (
            "sh_putuo_ghzyj_2024_final.pdf",
            [
                "identity: page 7: '上海市规划和自然资源局2024年度部门决算表' names the unit "
                "上海市规划和自然资源局, not 上海市普陀区规划和自然资源局 as on the cover"
            ],
        ),
        (
            "sh_putuo_czj_2024_final_altered.pdf",
            [
                "identity: page 7: '上海市普陀区XX局2024年度部门决算表' names the unit 上海市普陀区XX局, not 上海市普陀区财政局 as on the cover",
                "identity: page 18: '第三部分上海市普陀区财政局2023年度部门决算情况说明' names the year 2023, not 2024",
            ],
        ),
        # A short form of the unit's name in a heading (省人大办公厅) is no defect.
        ("js_rdbgt_2017_dept_budget.pdf", []),
        ("central_gjxfj_2024_final.pdf", []),
    ],
)
def test_headings_that_contradict_the_cover_are_named(name, notes):
    """The defects the truth records on these pages (identity.json), found by the parse."""
    assert [p for p in parsed(name).problems if p.startswith("identity: page")] == notes


def test_the_altered_final_account_is_partial_and_names_the_removed_table():
    result = parsed("sh_putuo_czj_2024_final_altered.pdf")
    assert result.status == "partial"
    assert "03" not in result.coverage["tables_read"]
    assert any(p.startswith("partial:") and "03 支出决算表" in p for p in result.problems), result.problems


# ---- identity from titles and covers (pure) -----------------------------------------------


@pytest.mark.parametrize(
    "pages, unit, year, kind, qualifier",
    [
        (["2019年佛山市南海区财政局部门决算"], "佛山市南海区财政局", 2019, "部门决算", None),
        (["国家信访局\n2024 年度部门决算\n二〇二五年七月"], "国家信访局", 2024, "部门决算", None),
        (["国家信访局 年度部门预算\n2026\n二〇二六年三月"], "国家信访局", 2026, "部门预算", None),
        (
            ["上海市普陀区2026年区级部门预算\n预算主管部门：上海市普陀区司法局"],
            "上海市普陀区司法局",
            2026,
            "部门预算",
            None,
        ),
        (
            ["上海市2026年市级单位预算\n预算单位：上海市财务会计综合管理事务中心（上海市财政科学研究所）"],
            "上海市财务会计综合管理事务中心（上海市财政科学研究所）",
            2026,
            "单位预算",
            None,
        ),
        (
            ["江苏省2018年度\n省级部门预算公开报表\n部 门:中共江苏省委办公厅\n江苏省财政厅印制"],
            "中共江苏省委办公厅",
            2018,
            "部门预算",
            None,
        ),
        (["西安市人民政府办公厅（汇总）\n2026年部门预算公开说明"], "西安市人民政府办公厅", 2026, "部门预算", "汇总"),
        (
            ["2026 年度\n无锡市住房和城乡建设局（本级）\n单位预算公开"],
            "无锡市住房和城乡建设局",
            2026,
            "单位预算",
            "本级",
        ),
        (
            ["中国人民政治协商会议江苏省委员会办公厅2019年部门预算"],
            "中国人民政治协商会议江苏省委员会办公厅",
            2019,
            "部门预算",
            None,
        ),
        (
            [
                "公开01表\n收支预算总表\n部门：江苏省政协办公厅 单位：万元\n一、财政拨款 13,297.11",
                "2019年政府采购预算表",
            ],
            "江苏省政协办公厅",
            2019,
            "部门预算",
            None,
        ),
    ],
)
def test_covers_in_any_order(pages, unit, year, kind, qualifier):
    ident = identify_document(pages)
    assert (ident.unit, ident.year, ident.kind, ident.qualifier) == (unit, year, kind, qualifier)
    assert ident.not_a_filing is None


def test_a_date_line_is_never_the_fiscal_year():
    ident = identify_document(["国家信访局\n部门决算\n二〇二五年七月"])
    assert (ident.unit, ident.year, ident.kind) == ("国家信访局", None, "部门决算")
    assert ident.notes == ("the cover prints no fiscal year and no table title names one",)
    assert identify_document(["某某局\n2025年7月\n部门决算"]).year is None


@pytest.mark.parametrize(
    "title, reason",
    [
        ("忻州市财政局关于做好2024年度部门决算编报工作的通知", "a notice or agenda"),
        ("2024年度部门决算公开工作会议议程", "a notice or agenda"),
        ("上海市XX局\n2024年度部门决算", "a blank template: the unit is printed as '上海市XX局'"),
        ("大同市2024年财政总决算", "a region's general accounts"),
    ],
)
def test_titles_that_are_not_filings(title, reason):
    ident = identify(title)
    assert ident.not_a_filing and ident.not_a_filing.startswith(reason)


def test_a_notice_names_no_kind():
    ident = identify("忻州市财政局关于做好2024年度部门决算编报工作的通知")
    assert (ident.unit, ident.year, ident.kind) == (None, None, None)


# ---- coverage on a seed filing with a table cut out ----------------------------------------


def _without_pages(pdf: bytes, drop: set[int]) -> bytes:
    import pypdfium2 as pdfium

    source = pdfium.PdfDocument(pdf)
    out = pdfium.PdfDocument.new()
    out.import_pages(source, [i for i in range(len(source)) if i + 1 not in drop])
    buffer = io.BytesIO()
    out.save(buffer)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def seed_without_03(seed_pdfs) -> bytes:
    whole = seed_parse("001", "seed-001.pdf")
    assert whole.status == "filing" and whole.coverage["tables_read"] == list(TABLE_CODES)
    return _without_pages(seed_pdfs["001"], set(whole.tables["03"].pages))


def test_a_filing_missing_a_table_is_partial_and_names_it(seed_without_03):
    result = parse_bytes(seed_without_03, "seed-001-without-03.pdf")
    assert result.status == "partial"
    assert result.coverage["tables_read"] == [c for c in TABLE_CODES if c != "03"]
    assert result.coverage["tables"]["01"]["cells"] == sum(1 for c in result.cells if c.table == "01") > 5
    assert [p for p in result.problems if p.startswith("partial:")] == [
        "partial: 9 of the 10 tables of template local-final-10 read; missing: 03 支出决算表"
    ]


def test_a_filing_with_no_table_is_unrecognised_and_names_the_titles_it_saw(seed_pdfs):
    whole = seed_parse("001", "seed-001.pdf")
    tables = {p for code in TABLE_CODES for p in whole.tables[code].pages}
    result = parse_bytes(_without_pages(seed_pdfs["001"], tables), "seed-001-narrative-only.pdf")
    assert (result.unit, result.year, result.kind) == (whole.unit, whole.year, whole.kind)
    assert result.status == "unrecognised" and result.coverage["tables_read"] == []
    assert any(
        p.startswith(f"unrecognised: a filing by its identity, but no table recognised on its {result.pages} pages")
        for p in result.problems
    ), result.problems


# ---- exit codes of `disclosure validate` -----------------------------------------------------


@pytest.mark.parametrize(
    "name, code, status",
    [
        ("sh_district_final_template.pdf", 4, "not_a_filing"),
        ("sh_putuo_2026_dept_budget_checklist.xlsx", 4, "not_a_filing"),
        ("bj_czj_2026_dept_budget.pdf", 3, "unrecognised"),  # its tables are a separate attachment
    ],
)
def test_validate_exit_code_tells_what_the_document_is(name, code, status):
    result = runner.invoke(app, ["validate", str(REAL / name), "--json"])
    assert result.exit_code == code, result.output
    doc = json.loads(result.stdout)
    assert doc["status"] == status and doc["problems"]
    if status == "not_a_filing":
        assert doc["findings"] == []  # never validated


def test_validate_exits_3_for_a_partial_filing(tmp_path, seed_without_03):
    pdf = tmp_path / "partial.pdf"
    pdf.write_bytes(seed_without_03)
    result = runner.invoke(app, ["validate", str(pdf)])
    assert result.exit_code == 3
    printed = re.sub(r"\s", "", result.output)  # the console wraps long lines
    assert (
        re.sub(r"\s", "", "partial: 9 of the 10 tables of template local-final-10 read; missing: 03 支出决算表")
        in printed
    )


# ---- the store: status kept, non-filings never validated nor counted, incomplete parses alerted


def _filing(conn, title: str, url: str, year: int, kind: str) -> int:
    filing = conn.execute(
        text("""
        INSERT INTO disclosure.filing (site_id, detail_url, detail_key, title, unit_id, fiscal_year, kind)
        SELECT s.id, :url, :url, :title, u.id, :year, :kind FROM disclosure.site s, disclosure.unit u
        RETURNING id"""),
        {"url": url, "title": title, "year": year, "kind": kind},
    ).scalar()
    return conn.execute(
        text("""
        INSERT INTO disclosure.archived_file (filing_id, sha256, source_url, final_url, fetched_at, http_status,
                                              storage_key, size_bytes, media_type)
        VALUES (:f, repeat('0', 64), :url, :url, now(), 200, 'k', 1, 'application/pdf') RETURNING id"""),
        {"f": filing, "url": url},
    ).scalar()


@pytest.fixture
def store(migrated_url, seed_without_03):
    """A store with two documents of one unit: the blank template (2024) and a partial filing (2023)."""
    from warehouse.load import load_parse

    engine = create_engine(migrated_url)
    with engine.begin() as conn:
        conn.execute(
            text("""
            INSERT INTO disclosure.jurisdiction (code, name, level, publishes) VALUES ('sh', '上海市', 'city', ARRAY['决算']);
            INSERT INTO disclosure.unit (jurisdiction_id, code, name, kind)
                SELECT id, 'czj', '上海市普陀区财政局', 'department' FROM disclosure.jurisdiction;
            INSERT INTO disclosure.site (key, jurisdiction_id, family, start_urls)
                SELECT 'sh', id, 'static_list', ARRAY['http://x/'] FROM disclosure.jurisdiction;
            INSERT INTO disclosure.deadline (jurisdiction_id, kind, fiscal_year, due_on)
                SELECT id, '部门决算', 2024, DATE '2025-09-30' FROM disclosure.jurisdiction;
            SELECT disclosure.refresh_expected_filings();""")
        )
        template = _filing(conn, "上海市XX局2024年度部门决算", "http://x/template.pdf", 2024, "部门决算")
        partial = _filing(conn, "上海市普陀区财政局2023年度部门决算", "http://x/partial.pdf", 2023, "部门决算")
        runs = {
            "template": load_parse(conn, template, parsed("sh_district_final_template.pdf")),
            "partial": load_parse(conn, partial, parse_bytes(seed_without_03, "http://x/partial.pdf")),
        }
        # What the parse stage does next for a document that is not a filing (crawl-real's 0007).
        from warehouse.filing_identity import reconcile_filing

        reconcile_filing(conn, None, template, parsed("sh_district_final_template.pdf"))
    yield engine, runs
    engine.dispose()


def test_the_store_keeps_the_status_and_acts_on_it(store):
    from alerting.raise_alerts import raise_alerts
    from validation.store import pending_runs

    engine, runs = store
    with engine.begin() as conn:
        stored = dict(conn.execute(text("SELECT id, document_status FROM disclosure.parse_run")).all())
        assert stored == {runs["template"]: "not_a_filing", runs["partial"]: "partial"}
        problems = conn.execute(
            text("SELECT problems FROM disclosure.parse_run WHERE id = :i"), {"i": runs["partial"]}
        ).scalar()
        assert "partial: 9 of the 10 tables of template local-final-10 read; missing: 03 支出决算表" in problems
        assert pending_runs(conn) == [runs["partial"]]  # the template is never validated
        status = dict(conn.execute(text("SELECT fiscal_year, status FROM disclosure.completeness")).all())
        # The partial filing counts (present, no printed date, first seen after its due date:
        # date_unknown); the template does not.
        assert status[2024] == "missing" and status[2023] == "date_unknown"
        alerts = [a for a in raise_alerts(conn) if a["kind"] == "incomplete_parse"]
        assert len(alerts) == 1 and alerts[0]["payload"]["status"] == "partial"
        assert "missing: 03 支出决算表" in alerts[0]["subject"]
        assert not [a for a in raise_alerts(conn) if a["kind"] == "incomplete_parse"]  # raised once
        from alerting.digest import digest_body

        body, payload = digest_body(conn)
        assert "Documents read in part or not at all: partial 1" in body and payload["incomplete_documents"] == {
            "partial": 1
        }


def test_the_report_and_summary_show_what_each_document_is(store, tmp_path):
    from reporting.html import write_report
    from warehouse.summary import store_summary

    engine, _runs = store
    with engine.connect() as conn:
        assert store_summary(conn)["documents_by_status"] == {"not_a_filing": 1, "partial": 1}
        write_report(conn, tmp_path, tmp_path)
    page = (tmp_path / "units" / "sh__czj.html").read_text(encoding="utf-8")
    assert (
        '<span class="badge partial" title="partial: 9 of the 10 tables of template local-final-10 read; missing: 03 支出决算表'
        in page
    )
    assert '<span class="badge not_a_filing" title="not a filing: a blank template' in page


def _zip(members: dict[str, bytes]) -> bytes:
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_a_bundle_is_what_its_filing_is_and_names_a_member_that_is_none(seed_pdfs, seed_without_03):
    checklist = (REAL / "sh_putuo_2026_dept_budget_checklist.xlsx").read_bytes()
    result = parse_bytes(_zip({"报表.pdf": seed_without_03, "检查表.xlsx": checklist}), "bundle.zip")
    assert result.status == "partial" and "03" not in result.coverage["tables_read"]
    assert [p for p in result.problems if "not a filing" in p] == [
        "bundle.zip!检查表.xlsx: not a filing: an inspection checklist ('2026年度普陀区部门预算公开情况检查表'): "
        "it grades a disclosure and holds no accounts"
    ]
    only_checklists = parse_bytes(_zip({"a.xlsx": checklist, "b.xlsx": checklist}), "checklists.zip")
    assert only_checklists.status == "not_a_filing"
