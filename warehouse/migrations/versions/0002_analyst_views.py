"""Deadlines, claims and evaluations tables, finding severity, and the analysts' views.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

UPGRADE = r"""
ALTER TABLE disclosure.jurisdiction
    ADD COLUMN publishes text[] NOT NULL DEFAULT ARRAY['决算'];
COMMENT ON COLUMN disclosure.jurisdiction.publishes IS
    'Kinds of filing its units owe each year: 决算 and/or 预算 (a department owes 部门决算, a unit 单位决算).';

CREATE TABLE disclosure.deadline (
    id              bigserial PRIMARY KEY,
    jurisdiction_id bigint NOT NULL REFERENCES disclosure.jurisdiction(id),
    kind            text NOT NULL,
    fiscal_year     int,
    approved_on     date,
    due_on          date,
    due_month       int CHECK (due_month BETWEEN 1 AND 12),
    due_day         int CHECK (due_day BETWEEN 1 AND 31),
    note            text,
    CHECK ((fiscal_year IS NOT NULL AND (approved_on IS NOT NULL OR due_on IS NOT NULL))
        OR (fiscal_year IS NULL AND due_month IS NOT NULL AND due_day IS NOT NULL)),
    UNIQUE NULLS NOT DISTINCT (jurisdiction_id, kind, fiscal_year)
);
COMMENT ON TABLE disclosure.deadline IS
    'Real deadlines. For one fiscal year: a due date, or the finance bureau''s approval date (due 20 days later, '
    '财预〔2016〕143号). For every year (fiscal_year NULL): a month and day (of year Y+1 for 决算, of year Y for 预算). '
    'Without a row, 决算 for year Y is due Y+1-09-30 and 预算 has no known deadline.';

CREATE FUNCTION disclosure.default_due(kind text, fiscal_year int) RETURNS date
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN kind LIKE '%决算' THEN make_date(fiscal_year + 1, 9, 30) END
$$;
COMMENT ON FUNCTION disclosure.default_due(text, int) IS
    'Default due date: final accounts by the end of the third quarter of the following year; budgets unknown.';

ALTER TABLE disclosure.finding ADD COLUMN severity text NOT NULL DEFAULT 'error'
    CHECK (severity IN ('error', 'warning', 'info'));
UPDATE disclosure.finding SET severity = CASE status WHEN 'failed' THEN 'error'
                                                   WHEN 'not_evaluated' THEN 'warning' ELSE 'info' END;
COMMENT ON COLUMN disclosure.finding.severity IS 'error (failed), warning (not evaluated), info (rounding note).';
COMMENT ON COLUMN disclosure.finding.subject IS 'The row a per-row rule was checked on ('''' for whole-table rules).';
COMMENT ON COLUMN disclosure.finding.expected IS 'What the identity says the printed value should be.';
COMMENT ON COLUMN disclosure.finding.actual IS 'The value as printed.';
COMMENT ON COLUMN disclosure.finding.evidence IS 'The cells involved with their printed values, the pages, the reason.';
COMMENT ON COLUMN disclosure.cell.row_key IS '行次 (01, 04, 10), 科目代码 or 合计 (02, 03, 05, 07, 08), economic code (06).';
COMMENT ON COLUMN disclosure.cell.col IS '栏次 as printed in the template.';
COMMENT ON COLUMN disclosure.cell.value IS 'Exact decimal as printed, in the table''s amount unit (万元 unless stated).';
COMMENT ON COLUMN disclosure.archived_file.storage_key IS 'Path of the bytes inside the archive (by hash only).';
COMMENT ON COLUMN disclosure.parse_run.tables IS 'Per table: status (present, empty, missing) and pages.';
COMMENT ON COLUMN disclosure.filing.kind IS '部门决算, 单位决算, 部门预算, 单位预算, 绩效说明, or NULL when it cannot be told.';

CREATE TABLE disclosure.narrative_claim (
    parse_run_id    bigint NOT NULL REFERENCES disclosure.parse_run(id) ON DELETE CASCADE,
    seq             int NOT NULL,
    claim_kind      text NOT NULL CHECK (claim_kind IN ('amount', 'percent', 'change', 'count')),
    restates        text,
    share_of        text,
    value           numeric NOT NULL,
    sentence        text NOT NULL,
    page            int,
    PRIMARY KEY (parse_run_id, seq)
);
COMMENT ON TABLE disclosure.narrative_claim IS 'Figures stated in 情况说明, with the cell they claim to restate (e.g. 01[31].1).';
COMMENT ON COLUMN disclosure.narrative_claim.share_of IS 'For a percentage (占比P%): the whole the restated part is a share of.';

CREATE TABLE disclosure.evaluation (
    parse_run_id    bigint NOT NULL REFERENCES disclosure.parse_run(id) ON DELETE CASCADE,
    seq             int NOT NULL,
    scope           text NOT NULL CHECK (scope IN ('project', 'department')),
    title           text NOT NULL,
    project_name    text,
    department      text,
    budget_unit     text,
    budget_full     numeric,
    executed        numeric,
    balance         numeric,
    execution_rate  numeric,
    score_execution numeric,
    budget_lines    jsonb NOT NULL DEFAULT '[]'::jsonb,
    total_score     numeric,
    grade           text,
    page            int,
    PRIMARY KEY (parse_run_id, seq)
);
COMMENT ON TABLE disclosure.evaluation IS 'Performance self-evaluations (项目支出绩效自评表, 部门整体绩效自评表) as printed.';
COMMENT ON COLUMN disclosure.evaluation.budget_lines IS
    'Every budget line as printed (资金总额, each fund or direction): full, executed, balance, rate, score, initial.';
COMMENT ON COLUMN disclosure.evaluation.budget_full IS '全年预算数 of the first budget line (资金总额).';

CREATE TABLE disclosure.evaluation_indicator (
    parse_run_id    bigint NOT NULL,
    seq             int NOT NULL,
    line            int NOT NULL,
    description     text NOT NULL,
    weight          numeric,
    score           numeric,
    PRIMARY KEY (parse_run_id, seq, line),
    FOREIGN KEY (parse_run_id, seq) REFERENCES disclosure.evaluation(parse_run_id, seq) ON DELETE CASCADE
);
COMMENT ON TABLE disclosure.evaluation_indicator IS
    'Indicator rows of an evaluation: the printed texts (levels, 指标值, 实际完成值) joined by " / ", 分值, 得分.';

-- The newest version of every document of a filing, and its newest parse.
CREATE OR REPLACE VIEW disclosure.current_parse AS
SELECT DISTINCT ON (af.filing_id, af.source_url) pr.*, af.filing_id, af.source_url
FROM disclosure.parse_run pr
JOIN disclosure.archived_file af ON af.id = pr.archived_file_id
ORDER BY af.filing_id, af.source_url, af.fetched_at DESC, pr.parsed_at DESC;

CREATE TABLE disclosure.expected_filing (
    unit_id         bigint NOT NULL REFERENCES disclosure.unit(id) ON DELETE CASCADE,
    jurisdiction_id bigint NOT NULL REFERENCES disclosure.jurisdiction(id),
    fiscal_year     int NOT NULL,
    kind            text NOT NULL,
    PRIMARY KEY (unit_id, fiscal_year, kind)
);
COMMENT ON TABLE disclosure.expected_filing IS
    'What each registered unit owes: every year it exists, every kind its jurisdiction publishes. '
    'Derived from the registry by disclosure.refresh_expected_filings() at every registry sync.';

-- A table, not a view: the planner then knows its size (a generate_series view misled it into JIT).
CREATE FUNCTION disclosure.refresh_expected_filings() RETURNS void LANGUAGE sql AS $$
    WITH wanted AS (
        SELECT u.id AS unit_id, u.jurisdiction_id, y.fiscal_year,
               CASE WHEN u.kind = 'department' THEN '部门' ELSE '单位' END || p.base_kind AS kind
        FROM disclosure.unit u
        JOIN disclosure.jurisdiction j ON j.id = u.jurisdiction_id
        CROSS JOIN LATERAL unnest(j.publishes) AS p(base_kind)
        CROSS JOIN LATERAL generate_series(
            COALESCE(u.first_year, 2015),
            COALESCE(u.last_year, CASE WHEN p.base_kind = '预算' THEN extract(year FROM current_date)::int
                                       ELSE extract(year FROM current_date)::int - 1 END)) AS y(fiscal_year)
    ), gone AS (
        DELETE FROM disclosure.expected_filing e
        WHERE NOT EXISTS (SELECT 1 FROM wanted w WHERE w.unit_id = e.unit_id AND w.fiscal_year = e.fiscal_year
                          AND w.kind = e.kind)
    )
    INSERT INTO disclosure.expected_filing (unit_id, jurisdiction_id, fiscal_year, kind)
    SELECT unit_id, jurisdiction_id, fiscal_year, kind FROM wanted
    ON CONFLICT (unit_id, fiscal_year, kind) DO UPDATE SET jurisdiction_id = EXCLUDED.jurisdiction_id;
$$;

CREATE VIEW disclosure.completeness AS
WITH published AS (
    SELECT unit_id, fiscal_year, kind,
           count(*) FILTER (WHERE status = 'present') AS present_filings,
           count(*) FILTER (WHERE status = 'withdrawn') AS withdrawn_filings,
           min(COALESCE(published_on, first_seen_at::date)) FILTER (WHERE status = 'present') AS published_on,
           max(withdrawn_at) AS withdrawn_at
    FROM disclosure.filing WHERE unit_id IS NOT NULL
    GROUP BY unit_id, fiscal_year, kind
)
SELECT j.code AS jurisdiction, u.code AS unit_code, u.name AS unit_name, e.unit_id, e.fiscal_year, e.kind,
       due.due_on, p.published_on, p.present_filings, p.withdrawn_at,
       CASE WHEN p.present_filings > 0 THEN
                CASE WHEN due.due_on IS NOT NULL AND p.published_on > due.due_on THEN 'late' ELSE 'present' END
            WHEN p.withdrawn_filings > 0 THEN 'withdrawn'
            WHEN due.due_on IS NULL THEN 'deadline_unknown'
            WHEN current_date <= due.due_on THEN 'not_yet_due'
            ELSE 'missing' END AS status
FROM disclosure.expected_filing e
JOIN disclosure.unit u ON u.id = e.unit_id
JOIN disclosure.jurisdiction j ON j.id = e.jurisdiction_id
LEFT JOIN disclosure.deadline d_year ON d_year.jurisdiction_id = e.jurisdiction_id AND d_year.kind = e.kind
     AND d_year.fiscal_year = e.fiscal_year
LEFT JOIN disclosure.deadline d_any ON d_any.jurisdiction_id = e.jurisdiction_id AND d_any.kind = e.kind
     AND d_any.fiscal_year IS NULL
CROSS JOIN LATERAL (SELECT COALESCE(
        d_year.due_on, d_year.approved_on + 20,
        make_date(e.fiscal_year + CASE WHEN e.kind LIKE '%决算' THEN 1 ELSE 0 END, d_any.due_month, d_any.due_day),
        disclosure.default_due(e.kind, e.fiscal_year)) AS due_on) due
LEFT JOIN published p ON p.unit_id = e.unit_id AND p.fiscal_year = e.fiscal_year AND p.kind = e.kind;
COMMENT ON VIEW disclosure.completeness IS
    'Unit × year × kind: present, late (published after its due date), missing (past due, absent), not_yet_due, '
    'withdrawn, or deadline_unknown (absent with no known deadline: never reported missing).';

CREATE VIEW disclosure.cell_series AS
SELECT j.code AS jurisdiction, u.code AS unit_code, u.name AS unit_name, f.fiscal_year, f.kind,
       c.table_code, c.row_key, c.col, c.value, c.row_label, c.page, f.id AS filing_id, cp.source_url
FROM disclosure.current_parse cp
JOIN disclosure.filing f ON f.id = cp.filing_id AND f.status = 'present'
JOIN disclosure.unit u ON u.id = f.unit_id
JOIN disclosure.jurisdiction j ON j.id = u.jurisdiction_id
JOIN disclosure.cell c ON c.parse_run_id = cp.id;
COMMENT ON VIEW disclosure.cell_series IS
    'Every current cell with its unit and year: filter unit_code, table_code, row_key, col for a longitudinal series.';

CREATE VIEW disclosure.jurisdiction_totals AS
SELECT jurisdiction, fiscal_year, kind, count(DISTINCT filing_id) AS filings,
       sum(value) FILTER (WHERE table_code = '01' AND row_key = '27' AND col = 1) AS income_total,
       sum(value) FILTER (WHERE table_code = '01' AND row_key = '58' AND col = 2) AS expenditure_total,
       sum(value) FILTER (WHERE table_code = '03' AND row_key = '合计' AND col = 2) AS basic_expenditure,
       sum(value) FILTER (WHERE table_code = '03' AND row_key = '合计' AND col = 3) AS project_expenditure
FROM disclosure.cell_series
GROUP BY jurisdiction, fiscal_year, kind;
COMMENT ON VIEW disclosure.jurisdiction_totals IS '本年收入合计, 本年支出合计, 基本/项目支出 summed per jurisdiction, year and kind (万元).';

CREATE VIEW disclosure.open_findings AS
SELECT j.code AS jurisdiction, u.code AS unit_code, u.name AS unit_name, f.fiscal_year, f.kind, f.title,
       fd.rule_id, fd.subject, fd.family, fd.severity, fd.expected, fd.actual, fd.difference, fd.evidence,
       cp.source_url, f.id AS filing_id
FROM disclosure.current_parse cp
JOIN disclosure.finding fd ON fd.parse_run_id = cp.id AND fd.status = 'failed'
JOIN disclosure.filing f ON f.id = cp.filing_id
LEFT JOIN disclosure.unit u ON u.id = f.unit_id
LEFT JOIN disclosure.jurisdiction j ON j.id = u.jurisdiction_id;
COMMENT ON VIEW disclosure.open_findings IS 'Failed identities on the current version of every filing, by unit and year.';

CREATE VIEW disclosure.identification_findings AS
SELECT f.id AS filing_id, s.key AS site, j.code AS jurisdiction, f.title, f.detail_url, f.fiscal_year, f.kind,
       concat_ws('; ',
           CASE WHEN f.unit_id IS NULL THEN 'the title names no registered unit' END,
           CASE WHEN f.fiscal_year IS NULL THEN 'no fiscal year can be told from the title' END,
           CASE WHEN f.kind IS NULL THEN 'no kind (决算/预算/绩效) can be told from the title' END) AS problem,
       f.first_seen_at
FROM disclosure.filing f
JOIN disclosure.site s ON s.id = f.site_id
JOIN disclosure.jurisdiction j ON j.id = s.jurisdiction_id
WHERE f.unit_id IS NULL OR f.fiscal_year IS NULL OR f.kind IS NULL;
COMMENT ON VIEW disclosure.identification_findings IS
    'Failed identification: filings kept but not matched to a registered unit, year or kind (never guessed).';

CREATE VIEW disclosure.finding_status AS
SELECT DISTINCT ON (af.filing_id, af.source_url, fd.rule_id, fd.subject)
       af.filing_id, af.source_url, fd.rule_id, fd.subject, fd.family, fd.severity,
       CASE WHEN EXISTS (SELECT 1 FROM disclosure.current_parse cp
                         JOIN disclosure.finding cur ON cur.parse_run_id = cp.id
                         WHERE cp.filing_id = af.filing_id AND cp.source_url = af.source_url
                           AND cur.rule_id = fd.rule_id AND cur.subject = fd.subject AND cur.status = 'failed')
            THEN 'open' ELSE 'resolved' END AS status,
       fd.found_at AS last_failed_at, fd.expected, fd.actual, fd.difference
FROM disclosure.finding fd
JOIN disclosure.parse_run pr ON pr.id = fd.parse_run_id
JOIN disclosure.archived_file af ON af.id = pr.archived_file_id
WHERE fd.status = 'failed'
ORDER BY af.filing_id, af.source_url, fd.rule_id, fd.subject, af.fetched_at DESC;
COMMENT ON VIEW disclosure.finding_status IS
    'Every identity that ever failed on a document: open while its current version still fails it, resolved once a '
    'newer version (a corrected file) no longer does.';
"""

DOWNGRADE = """
DROP VIEW IF EXISTS disclosure.identification_findings, disclosure.finding_status, disclosure.open_findings, disclosure.jurisdiction_totals, disclosure.cell_series,
    disclosure.completeness;
DROP FUNCTION disclosure.refresh_expected_filings();
DROP TABLE disclosure.expected_filing;
DROP TABLE IF EXISTS disclosure.evaluation_indicator, disclosure.evaluation, disclosure.narrative_claim;
DROP VIEW IF EXISTS disclosure.current_parse;
CREATE VIEW disclosure.current_parse AS
SELECT DISTINCT ON (af.filing_id) pr.*, af.filing_id
FROM disclosure.parse_run pr
JOIN disclosure.archived_file af ON af.id = pr.archived_file_id
ORDER BY af.filing_id, af.fetched_at DESC, pr.parsed_at DESC;
ALTER TABLE disclosure.finding DROP COLUMN severity;
DROP FUNCTION disclosure.default_due(text, int);
DROP TABLE disclosure.deadline;
ALTER TABLE disclosure.jurisdiction DROP COLUMN publishes;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
