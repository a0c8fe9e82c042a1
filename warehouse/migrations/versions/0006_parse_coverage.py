"""What each parse covered and what the document is: filing, partial, unrecognised or not a filing.

A document that is not a filing (a checklist, a landing page, a blank template) is kept and
listed but never counts as published: the completeness view skips filings whose every
current document is one.

Revision ID: 0006
Revises: 0008 (chained after hostile-files' 0008 when main was merged; the lead re-chains)
"""
from alembic import op

revision = "0006"
down_revision = "0008"
branch_labels = None
depends_on = None

# The completeness view of 0002 with one change: a filing counts as published only if it has
# no parse yet (a notice whose file is still to come) or at least one document that is a filing.
COMPLETENESS = """
CREATE OR REPLACE VIEW disclosure.completeness AS
WITH published AS (
    SELECT unit_id, fiscal_year, kind,
           count(*) FILTER (WHERE status = 'present') AS present_filings,
           count(*) FILTER (WHERE status = 'withdrawn') AS withdrawn_filings,
           min(COALESCE(published_on, first_seen_at::date)) FILTER (WHERE status = 'present') AS published_on,
           max(withdrawn_at) AS withdrawn_at
    FROM disclosure.filing f WHERE unit_id IS NOT NULL {only_filings}
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
"""
ONLY_FILINGS = """
      AND (NOT EXISTS (SELECT 1 FROM disclosure.current_parse cp WHERE cp.filing_id = f.id)
           OR EXISTS (SELECT 1 FROM disclosure.current_parse cp JOIN disclosure.parse_run pr ON pr.id = cp.id
                      WHERE cp.filing_id = f.id AND pr.document_status IS DISTINCT FROM 'not_a_filing'))"""
COMPLETENESS_COMMENT = """
COMMENT ON VIEW disclosure.completeness IS
    'Unit × year × kind: present, late (published after its due date), missing (past due, absent), not_yet_due, '
    'withdrawn, or deadline_unknown (absent with no known deadline: never reported missing). A filing whose every '
    'document is not a filing (checklist, landing page, template) is not counted as published.';
"""


def upgrade() -> None:
    op.execute("""
ALTER TABLE disclosure.parse_run
    ADD COLUMN document_status text CHECK (document_status IN ('filing', 'partial', 'unrecognised', 'not_a_filing')),
    ADD COLUMN qualifier text,
    ADD COLUMN coverage jsonb NOT NULL DEFAULT '{}'::jsonb,
    ADD COLUMN problems jsonb NOT NULL DEFAULT '[]'::jsonb;
COMMENT ON COLUMN disclosure.parse_run.document_status IS
    'What the parse found the document to be: filing (every table its template requires read), partial (fewer), '
    'unrecognised (a filing by its identity, no table read; also a budget no budget template reads), '
    'not_a_filing (a checklist, notice, blank template or landing page: archived, never validated or counted). '
    'NULL when the parse failed.';
COMMENT ON COLUMN disclosure.parse_run.qualifier IS '汇总 or 本级 as the cover prints it after the unit''s name.';
COMMENT ON COLUMN disclosure.parse_run.coverage IS
    'Tables recognised with cells, evidence and pages per table; tables read; required tables; counts of cells, '
    'claims and evaluations; pages no table or part took, and the titles of those holding grids.';
COMMENT ON COLUMN disclosure.parse_run.problems IS
    'What the parse could not read or why the document is not a filing, in words naming pages and titles.';
""")
    # Another migration may have redefined completeness to skip non-filings already (crawl-real's
    # 0007 keeps the statuses on the filing): its view is then left as it is.
    if "not_a_filing" not in _completeness_definition():
        op.execute(COMPLETENESS.format(only_filings=ONLY_FILINGS) + COMPLETENESS_COMMENT)


def _completeness_definition() -> str:
    return op.get_bind().exec_driver_sql("SELECT pg_get_viewdef('disclosure.completeness'::regclass)").scalar() or ""


def downgrade() -> None:
    if "document_status" in _completeness_definition():  # the view is this migration's
        op.execute(COMPLETENESS.format(only_filings="") + """
COMMENT ON VIEW disclosure.completeness IS
    'Unit × year × kind: present, late (published after its due date), missing (past due, absent), not_yet_due, '
    'withdrawn, or deadline_unknown (absent with no known deadline: never reported missing).';
""")
    op.execute("""
ALTER TABLE disclosure.parse_run DROP COLUMN document_status, DROP COLUMN qualifier, DROP COLUMN coverage,
    DROP COLUMN problems;
""")
