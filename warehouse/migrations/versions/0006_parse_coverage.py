"""What each parse covered and what the document is: filing, partial, unrecognised or not a filing.

A document that is not a filing (a checklist, a landing page, a blank template) is kept and
listed, never validated; 0007 keeps each document's status on its filing, so completeness
never counts a filing whose every document is one.

Revision ID: 0006
Revises: 0005
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


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


def downgrade() -> None:
    op.execute("""
ALTER TABLE disclosure.parse_run DROP COLUMN document_status, DROP COLUMN qualifier, DROP COLUMN coverage,
    DROP COLUMN problems;
""")
