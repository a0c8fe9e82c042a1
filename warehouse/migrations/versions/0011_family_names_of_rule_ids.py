"""Checker families named as their rule ids begin (issue #19): `perf.*` rules are family
`perf` (was `performance`), `required.*` are `required` (was `required_parts`), `xyear.*`
are `xyear` (was `cross_year`). Rule ids and alert keys are unchanged, so no alert is raised
twice; only the stored findings' family is rewritten, both ways.

Revision ID: 0011
Revises: 0010
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# (old family, new family): this migration's own copy, as history does not follow live code.
RENAMES = (("performance", "perf"), ("required_parts", "required"), ("cross_year", "xyear"))


def _rename(pairs) -> None:
    cases = " ".join(f"WHEN '{old}' THEN '{new}'" for old, new in pairs)
    olds = ", ".join(f"'{old}'" for old, _ in pairs)
    op.execute(f"UPDATE disclosure.finding SET family = CASE family {cases} END WHERE family IN ({olds})")


def upgrade() -> None:
    _rename(RENAMES)


def downgrade() -> None:
    _rename(tuple((new, old) for old, new in RENAMES))
