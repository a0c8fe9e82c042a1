"""Alert delivery recorded per channel: with one good and one failing channel, the good one
gets each alert once and the failing one gets it when it recovers (issue #17).

Revision ID: 0008
Revises: 0005
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
CREATE TABLE disclosure.alert_delivery (
    alert_id     bigint NOT NULL REFERENCES disclosure.alert(id) ON DELETE CASCADE,
    channel      text NOT NULL,
    delivered_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (alert_id, channel)
);
COMMENT ON TABLE disclosure.alert_delivery IS
    'Which channel has received which alert: an alert goes to each channel once; alert.sent_at is set when every channel configured at the time has it.';
COMMENT ON COLUMN disclosure.alert_delivery.channel IS
    'The channel: its Apprise scheme and a hash of its URL (a URL may hold a token or password, so it is never stored).';
""")


def downgrade() -> None:
    op.execute("DROP TABLE disclosure.alert_delivery")
