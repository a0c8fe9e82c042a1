"""An unchanged registry re-synced writes no expected filing (issue #21): the refresh updates a
row only when its jurisdiction really changed, so a nightly sync of a province's 100,000
expected filings rewrites nothing (it rewrote all of them: dead tuples and WAL every night).

Revision ID: 0014
Revises: 0013
"""

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

# The function as 0007 defined it, but for the last line's WHERE (this migration's own copy).
REFRESH = r"""
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
    ON CONFLICT (unit_id, fiscal_year, kind) DO UPDATE SET jurisdiction_id = EXCLUDED.jurisdiction_id
    WHERE disclosure.expected_filing.jurisdiction_id IS DISTINCT FROM EXCLUDED.jurisdiction_id;
$$;
"""


def upgrade() -> None:
    op.execute(REFRESH)


def downgrade() -> None:
    op.execute(
        REFRESH.replace(
            "\n    WHERE disclosure.expected_filing.jurisdiction_id IS DISTINCT FROM EXCLUDED.jurisdiction_id;", ";"
        )
    )
