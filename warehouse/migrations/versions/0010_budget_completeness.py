"""Budgets in the completeness matrix, and one record of a document's parse status.

- deadline.congress_approved_on: the day the people's congress approved year Y's budget; a
  budget is then due 40 days later (预算法 art. 52: the finance bureau 批复 the departments'
  budgets within 20 days; art. 14: each department publishes within 20 days of that).
- default_due: without a registry deadline, 预算 for year Y is due Y-03-31 (congresses meet in
  January–February; budgets are published in February–March of the year itself); 决算 for Y
  still Y+1-09-30.
- completeness gains due_basis (where its due date comes from). Its other columns are unchanged.
- The parse status of each document lives once, in parse_run.document_status (the views need
  it per current document). filing.document_statuses (a copy of it by URL, written after each
  parse) is dropped; disclosure.filing_document_status derives it per filing, and
  filing_is_not_a_filing(jsonb) goes with the column.
- jurisdiction.publishes defaults to both 决算 and 预算 (the law asks both of every unit).

Revision ID: 0010
Revises: 0009
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

DOCUMENT_STATUS = r"""
CREATE OR REPLACE VIEW disclosure.filing_document_status AS
SELECT cp.filing_id,
       COALESCE(jsonb_object_agg(cp.source_url, pr.document_status) FILTER (WHERE pr.document_status IS NOT NULL),
                '{}'::jsonb) AS document_statuses,
       bool_and(pr.document_status IS NOT DISTINCT FROM 'not_a_filing') AS not_a_filing
FROM disclosure.current_parse cp
JOIN disclosure.parse_run pr ON pr.id = cp.id  -- current_parse's pr.* predates the column (0006)
GROUP BY cp.filing_id;
COMMENT ON VIEW disclosure.filing_document_status IS
    'Each filing''s current documents'' parse status by source URL (from parse_run.document_status), and '
    'not_a_filing: every current document (a failed parse included) says it is not a filing (agenda, checklist).';
"""

COMPLETENESS = r"""
CREATE OR REPLACE VIEW disclosure.completeness AS
WITH counted AS (
    SELECT f.unit_id, f.fiscal_year, f.kind, f.status, f.published_on, f.first_seen_at, f.withdrawn_at
    FROM disclosure.filing f
    LEFT JOIN disclosure.filing_document_status ds ON ds.filing_id = f.id
    WHERE f.unit_id IS NOT NULL AND NOT COALESCE(ds.not_a_filing, false)
), published AS (
    SELECT unit_id, fiscal_year, kind,
           count(*) FILTER (WHERE status = 'present') AS present_filings,
           count(*) FILTER (WHERE status = 'withdrawn') AS withdrawn_filings,
           min(published_on) FILTER (WHERE status = 'present') AS published_on,
           min(first_seen_at::date) FILTER (WHERE status = 'present') AS first_seen_on,
           max(withdrawn_at) AS withdrawn_at
    FROM counted
    GROUP BY unit_id, fiscal_year, kind
)
SELECT j.code AS jurisdiction, u.code AS unit_code, u.name AS unit_name, e.unit_id, e.fiscal_year, e.kind,
       due.due_on, p.published_on, p.present_filings, p.withdrawn_at,
       CASE WHEN p.present_filings > 0 THEN
                CASE WHEN due.due_on IS NULL THEN 'present'
                     WHEN p.published_on IS NOT NULL THEN
                          CASE WHEN p.published_on > due.due_on THEN 'late' ELSE 'present' END
                     WHEN p.first_seen_on <= due.due_on THEN 'present'  -- seen before it was due
                     ELSE 'date_unknown' END
            WHEN p.withdrawn_filings > 0 THEN 'withdrawn'
            WHEN due.due_on IS NULL THEN 'deadline_unknown'
            WHEN current_date <= due.due_on THEN 'not_yet_due'
            ELSE 'missing' END AS status,
       p.first_seen_on,
       due.due_basis
FROM disclosure.expected_filing e
JOIN disclosure.unit u ON u.id = e.unit_id
JOIN disclosure.jurisdiction j ON j.id = e.jurisdiction_id
LEFT JOIN disclosure.deadline d_year ON d_year.jurisdiction_id = e.jurisdiction_id AND d_year.kind = e.kind
     AND d_year.fiscal_year = e.fiscal_year
LEFT JOIN disclosure.deadline d_any ON d_any.jurisdiction_id = e.jurisdiction_id AND d_any.kind = e.kind
     AND d_any.fiscal_year IS NULL
CROSS JOIN LATERAL (SELECT
        CASE WHEN d_year.due_on IS NOT NULL THEN d_year.due_on
             WHEN d_year.approved_on IS NOT NULL THEN d_year.approved_on + 20
             WHEN d_year.congress_approved_on IS NOT NULL THEN d_year.congress_approved_on + 40
             WHEN d_any.due_month IS NOT NULL THEN
                  make_date(e.fiscal_year + CASE WHEN e.kind LIKE '%决算' THEN 1 ELSE 0 END, d_any.due_month,
                            d_any.due_day)
             ELSE disclosure.default_due(e.kind, e.fiscal_year) END AS due_on,
        CASE WHEN d_year.due_on IS NOT NULL THEN 'due_on'
             WHEN d_year.approved_on IS NOT NULL THEN 'approved_on'
             WHEN d_year.congress_approved_on IS NOT NULL THEN 'congress_approved_on'
             WHEN d_any.due_month IS NOT NULL THEN 'every_year'
             WHEN disclosure.default_due(e.kind, e.fiscal_year) IS NOT NULL THEN 'default' END AS due_basis) due
LEFT JOIN published p ON p.unit_id = e.unit_id AND p.fiscal_year = e.fiscal_year AND p.kind = e.kind;
COMMENT ON VIEW disclosure.completeness IS
    'Unit × year × kind (部门/单位 决算 and 预算): present, late (published after its due date, by the date the site '
    'prints), date_unknown (present, no readable date, first seen after its due date: never called late), missing '
    '(past due, absent), not_yet_due, withdrawn, or deadline_unknown (absent with no known deadline: never reported '
    'missing). due_basis: where the due date comes from (due_on, approved_on + 20 days, congress_approved_on + 40 '
    'days, every_year, default). Documents that are not filings (every current document parsed as not_a_filing) '
    'are not counted.';
"""

IDENTIFICATION = r"""
CREATE OR REPLACE VIEW disclosure.identification_findings AS
SELECT f.id AS filing_id, s.key AS site, j.code AS jurisdiction, f.title, f.detail_url, f.fiscal_year, f.kind,
       concat_ws('; ',
           CASE WHEN f.unit_id IS NULL THEN 'neither the title nor the document names a registered unit' END,
           CASE WHEN f.fiscal_year IS NULL THEN 'no fiscal year can be told from the title or the document' END,
           CASE WHEN f.kind IS NULL THEN 'no kind (决算/预算/绩效) can be told from the title or the document' END,
           f.identity_note) AS problem,
       f.first_seen_at
FROM disclosure.filing f
JOIN disclosure.site s ON s.id = f.site_id
JOIN disclosure.jurisdiction j ON j.id = s.jurisdiction_id
LEFT JOIN disclosure.filing_document_status ds ON ds.filing_id = f.id
WHERE (f.unit_id IS NULL OR f.fiscal_year IS NULL OR f.kind IS NULL OR f.identity_note IS NOT NULL)
  AND NOT COALESCE(ds.not_a_filing, false);
COMMENT ON VIEW disclosure.identification_findings IS
    'Failed identification: filings kept but not matched to a registered unit, year or kind (never guessed), and '
    'filings whose title and document disagree on them. Documents that are not filings are not listed.';
"""

UPGRADE = (
    r"""
ALTER TABLE disclosure.deadline ADD COLUMN congress_approved_on date;
ALTER TABLE disclosure.deadline DROP CONSTRAINT deadline_check;
ALTER TABLE disclosure.deadline ADD CONSTRAINT deadline_check CHECK (
    (fiscal_year IS NOT NULL AND (approved_on IS NOT NULL OR due_on IS NOT NULL
                                  OR (congress_approved_on IS NOT NULL AND kind LIKE '%预算')))
    OR (fiscal_year IS NULL AND due_month IS NOT NULL AND due_day IS NOT NULL));
COMMENT ON COLUMN disclosure.deadline.congress_approved_on IS
    'Budgets only: the day the people''s congress approved year Y''s budget; due 40 days later (预算法 arts. 52 and '
    '14: 20 days for the finance bureau''s 批复, 20 for publication).';
COMMENT ON COLUMN disclosure.deadline.approved_on IS
    'The finance bureau''s approval (批复) of the filings of that year and kind; due 20 days later (预算法 art. 14).';
COMMENT ON TABLE disclosure.deadline IS
    'Real deadlines. For one fiscal year: a due date, the finance bureau''s approval date (due 20 days later, '
    '预算法 art. 14, 财预〔2016〕143号), or for budgets the congress''s approval date (due 40 days later). For every '
    'year (fiscal_year NULL): a month and day (of year Y+1 for 决算, of year Y for 预算). Without a row, 决算 for '
    'year Y is due Y+1-09-30 and 预算 Y-03-31 (disclosure.default_due).';

CREATE OR REPLACE FUNCTION disclosure.default_due(kind text, fiscal_year int) RETURNS date
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN kind LIKE '%决算' THEN make_date(fiscal_year + 1, 9, 30)
                WHEN kind LIKE '%预算' THEN make_date(fiscal_year, 3, 31) END
$$;
COMMENT ON FUNCTION disclosure.default_due(text, int) IS
    'Default due date: final accounts by the end of the third quarter of the following year; budgets by the end '
    'of March of the year itself (congress in January–February, publication within 40 days).';

ALTER TABLE disclosure.jurisdiction ALTER COLUMN publishes SET DEFAULT ARRAY['决算', '预算'];
COMMENT ON COLUMN disclosure.jurisdiction.publishes IS
    'Base kinds its units owe each year: 决算 and/or 预算 (a department owes 部门决算/部门预算, a unit '
    '单位决算/单位预算, unless unit.publishes says otherwise).';
"""
    + DOCUMENT_STATUS
    + COMPLETENESS
    + IDENTIFICATION
    + r"""
DROP FUNCTION disclosure.filing_is_not_a_filing(jsonb);
ALTER TABLE disclosure.filing DROP COLUMN document_statuses;
"""
)

# 0007's column, function and views; the column refilled from parse_run.
DOWNGRADE = r"""
ALTER TABLE disclosure.filing ADD COLUMN document_statuses jsonb NOT NULL DEFAULT '{}'::jsonb;
COMMENT ON COLUMN disclosure.filing.document_statuses IS
    'Parse status of each current document by its source URL: filing, partial, unrecognised, not_a_filing.';
UPDATE disclosure.filing f SET document_statuses = ds.document_statuses
FROM disclosure.filing_document_status ds WHERE ds.filing_id = f.id;
CREATE FUNCTION disclosure.filing_is_not_a_filing(statuses jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT statuses <> '{}'::jsonb
       AND NOT EXISTS (SELECT 1 FROM jsonb_each_text(statuses) s WHERE s.value <> 'not_a_filing')
$$;
COMMENT ON FUNCTION disclosure.filing_is_not_a_filing(jsonb) IS
    'True when every parsed document of a filing says it is not a filing (agenda, checklist, landing page).';
DROP VIEW disclosure.completeness;
CREATE VIEW disclosure.completeness AS
WITH counted AS (
    SELECT f.* FROM disclosure.filing f
    WHERE f.unit_id IS NOT NULL AND NOT disclosure.filing_is_not_a_filing(f.document_statuses)
), published AS (
    SELECT unit_id, fiscal_year, kind,
           count(*) FILTER (WHERE status = 'present') AS present_filings,
           count(*) FILTER (WHERE status = 'withdrawn') AS withdrawn_filings,
           min(published_on) FILTER (WHERE status = 'present') AS published_on,
           min(first_seen_at::date) FILTER (WHERE status = 'present') AS first_seen_on,
           max(withdrawn_at) AS withdrawn_at
    FROM counted
    GROUP BY unit_id, fiscal_year, kind
)
SELECT j.code AS jurisdiction, u.code AS unit_code, u.name AS unit_name, e.unit_id, e.fiscal_year, e.kind,
       due.due_on, p.published_on, p.present_filings, p.withdrawn_at,
       CASE WHEN p.present_filings > 0 THEN
                CASE WHEN due.due_on IS NULL THEN 'present'
                     WHEN p.published_on IS NOT NULL THEN
                          CASE WHEN p.published_on > due.due_on THEN 'late' ELSE 'present' END
                     WHEN p.first_seen_on <= due.due_on THEN 'present'
                     ELSE 'date_unknown' END
            WHEN p.withdrawn_filings > 0 THEN 'withdrawn'
            WHEN due.due_on IS NULL THEN 'deadline_unknown'
            WHEN current_date <= due.due_on THEN 'not_yet_due'
            ELSE 'missing' END AS status,
       p.first_seen_on
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
CREATE OR REPLACE VIEW disclosure.identification_findings AS
SELECT f.id AS filing_id, s.key AS site, j.code AS jurisdiction, f.title, f.detail_url, f.fiscal_year, f.kind,
       concat_ws('; ',
           CASE WHEN f.unit_id IS NULL THEN 'neither the title nor the document names a registered unit' END,
           CASE WHEN f.fiscal_year IS NULL THEN 'no fiscal year can be told from the title or the document' END,
           CASE WHEN f.kind IS NULL THEN 'no kind (决算/预算/绩效) can be told from the title or the document' END,
           f.identity_note) AS problem,
       f.first_seen_at
FROM disclosure.filing f
JOIN disclosure.site s ON s.id = f.site_id
JOIN disclosure.jurisdiction j ON j.id = s.jurisdiction_id
WHERE (f.unit_id IS NULL OR f.fiscal_year IS NULL OR f.kind IS NULL OR f.identity_note IS NOT NULL)
  AND NOT disclosure.filing_is_not_a_filing(f.document_statuses);
DROP VIEW disclosure.filing_document_status;
ALTER TABLE disclosure.jurisdiction ALTER COLUMN publishes SET DEFAULT ARRAY['决算'];
CREATE OR REPLACE FUNCTION disclosure.default_due(kind text, fiscal_year int) RETURNS date
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN kind LIKE '%决算' THEN make_date(fiscal_year + 1, 9, 30) END
$$;
DELETE FROM disclosure.deadline WHERE fiscal_year IS NOT NULL AND approved_on IS NULL AND due_on IS NULL;
ALTER TABLE disclosure.deadline DROP CONSTRAINT deadline_check;
ALTER TABLE disclosure.deadline ADD CONSTRAINT deadline_check CHECK (
    (fiscal_year IS NOT NULL AND (approved_on IS NOT NULL OR due_on IS NOT NULL))
    OR (fiscal_year IS NULL AND due_month IS NOT NULL AND due_day IS NOT NULL));
ALTER TABLE disclosure.deadline DROP COLUMN congress_approved_on;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
