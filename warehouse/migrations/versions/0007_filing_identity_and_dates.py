"""What the documents say flows back to their filing, and late means late by the published date.

- filing.identity_source: where the filing's unit, year and kind come from (the crawl's title,
  the platform's row, or the document itself when the crawl could not tell);
  filing.identity_note: where the title and the document disagree (a finding, never guessed
  away); filing.document_statuses: each current document's parse status (filing, partial,
  unrecognised, not_a_filing) by its URL. A filing all of whose documents are not_a_filing
  (a meeting agenda, a checklist) is archived and listed, never counted.
- unit.publishes: the kinds one unit owes when it is not the one its kind and jurisdiction
  imply (a department that publishes both its 部门决算 and its own 单位决算).
- completeness: late only by the published date against the due date; a present filing with
  no readable date first seen after its due date is date_unknown, never late.

Revision ID: 0007
Revises: 0006
"""

from alembic import op

revision = "0007"
down_revision = "0006"  # migrations in numbered order: 0006 (parse coverage) comes first
branch_labels = None
depends_on = None

COMPLETENESS = r"""
CREATE OR REPLACE VIEW disclosure.completeness AS
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
                     WHEN p.first_seen_on <= due.due_on THEN 'present'  -- seen before it was due
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
COMMENT ON VIEW disclosure.completeness IS
    'Unit × year × kind: present, late (published after its due date, by the date the site prints), '
    'date_unknown (present, no readable date, first seen after its due date: never called late), missing (past due, '
    'absent), not_yet_due, withdrawn, or deadline_unknown (absent with no known deadline: never reported missing). '
    'Documents that are not filings (every current document parsed as not_a_filing) are not counted.';
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
WHERE (f.unit_id IS NULL OR f.fiscal_year IS NULL OR f.kind IS NULL OR f.identity_note IS NOT NULL)
  AND NOT disclosure.filing_is_not_a_filing(f.document_statuses);
COMMENT ON VIEW disclosure.identification_findings IS
    'Failed identification: filings kept but not matched to a registered unit, year or kind (never guessed), and '
    'filings whose title and document disagree on them. Documents that are not filings are not listed.';
"""

EXPECTED = r"""
CREATE OR REPLACE FUNCTION disclosure.refresh_expected_filings() RETURNS void LANGUAGE sql AS $$
    WITH owed AS (
        SELECT u.id AS unit_id, u.jurisdiction_id, u.first_year, u.last_year, k.kind
        FROM disclosure.unit u
        JOIN disclosure.jurisdiction j ON j.id = u.jurisdiction_id
        CROSS JOIN LATERAL unnest(CASE WHEN cardinality(u.publishes) > 0 THEN u.publishes
            ELSE ARRAY(SELECT CASE WHEN u.kind = 'department' THEN '部门' ELSE '单位' END || b
                       FROM unnest(j.publishes) AS b) END) AS k(kind)
    ), wanted AS (
        SELECT o.unit_id, o.jurisdiction_id, y.fiscal_year, o.kind
        FROM owed o
        CROSS JOIN LATERAL generate_series(
            COALESCE(o.first_year, 2015),
            COALESCE(o.last_year, CASE WHEN o.kind LIKE '%预算' THEN extract(year FROM current_date)::int
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
"""

OLD_EXPECTED = r"""
CREATE OR REPLACE FUNCTION disclosure.refresh_expected_filings() RETURNS void LANGUAGE sql AS $$
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
"""

UPGRADE = (
    r"""
ALTER TABLE disclosure.unit ADD COLUMN publishes text[] NOT NULL DEFAULT '{}';
COMMENT ON COLUMN disclosure.unit.publishes IS
    'Kinds this unit owes (部门决算, 单位决算, 部门预算, 单位预算) when set; empty: 部门/单位 (by its kind) × what its '
    'jurisdiction publishes.';
ALTER TABLE disclosure.filing
    ADD COLUMN identity_source text NOT NULL DEFAULT 'title'
        CHECK (identity_source IN ('title', 'platform', 'document')),
    ADD COLUMN identity_note text,
    ADD COLUMN document_statuses jsonb NOT NULL DEFAULT '{}'::jsonb;
COMMENT ON COLUMN disclosure.filing.identity_source IS
    'Where unit, year and kind come from: title (the crawled title), platform (the unified platform''s row), '
    'document (the parsed document named what the crawl could not tell).';
COMMENT ON COLUMN disclosure.filing.identity_note IS
    'Where the crawled title and the parsed document disagree on unit, year or kind (the title''s is kept).';
COMMENT ON COLUMN disclosure.filing.document_statuses IS
    'Parse status of each current document by its source URL: filing, partial, unrecognised, not_a_filing.';
COMMENT ON COLUMN disclosure.filing.published_on IS
    'The publication date the site prints (list, detail page or platform row); NULL when none can be read.';

CREATE FUNCTION disclosure.filing_is_not_a_filing(statuses jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT statuses <> '{}'::jsonb
       AND NOT EXISTS (SELECT 1 FROM jsonb_each_text(statuses) s WHERE s.value <> 'not_a_filing')
$$;
COMMENT ON FUNCTION disclosure.filing_is_not_a_filing(jsonb) IS
    'True when every parsed document of a filing says it is not a filing (agenda, checklist, landing page).';
"""
    + COMPLETENESS
    + IDENTIFICATION
    + EXPECTED
)

# The views as 0002 made them (CREATE OR REPLACE cannot drop the added column).
DOWNGRADE = (
    r"""
DROP VIEW disclosure.completeness;
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
CREATE OR REPLACE VIEW disclosure.identification_findings AS
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
DROP FUNCTION disclosure.filing_is_not_a_filing(jsonb);
ALTER TABLE disclosure.filing DROP COLUMN identity_source, DROP COLUMN identity_note, DROP COLUMN document_statuses;
"""
    + OLD_EXPECTED
    + """
ALTER TABLE disclosure.unit DROP COLUMN publishes;
"""
)


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
