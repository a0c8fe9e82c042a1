"""The unit's budget code as the filing prints it, kept with each parse.

Revision ID: 0005
Revises: 0004
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
ALTER TABLE disclosure.parse_run ADD COLUMN unit_code text;
COMMENT ON COLUMN disclosure.parse_run.unit_code IS
    'The unit''s budget code where the filing prints it (单位代码 on the cover, or beside its name in the self-evaluations).';
COMMENT ON COLUMN disclosure.parse_run.tables IS
    'Per table and part: status (present, empty, missing), pages, and amount_unit as its caption prints it (万元, 元).';
""")


def downgrade() -> None:
    op.execute("""
ALTER TABLE disclosure.parse_run DROP COLUMN unit_code;
COMMENT ON COLUMN disclosure.parse_run.tables IS 'Per table: status (present, empty, missing) and pages.';
""")
