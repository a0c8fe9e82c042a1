"""Filings keyed by their detail URL without scheme or port, so a site that moves from http
to https keeps its filings. The key of existing rows is computed by this migration's own copy
of crawlers.urls.url_key as it was: a migration never changes with live code.

Revision ID: 0004
Revises: 0003
"""

from urllib.parse import urlsplit

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def url_key(url: str) -> str:
    """'https://Czj.Example.gov.cn:443/a/b.html?id=1#x' → '//czj.example.gov.cn/a/b.html?id=1#x'."""
    parts = urlsplit(url)
    key = f"//{(parts.hostname or '').lower()}{parts.path or '/'}"
    if parts.query:
        key += f"?{parts.query}"
    if parts.fragment:
        key += f"#{parts.fragment}"
    return key


def upgrade() -> None:
    op.execute("ALTER TABLE disclosure.filing ADD COLUMN detail_key text")
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, detail_url FROM disclosure.filing")).all()
    if rows:
        conn.execute(
            sa.text("UPDATE disclosure.filing SET detail_key = :key WHERE id = :id"),
            [{"id": row.id, "key": url_key(row.detail_url)} for row in rows],
        )
    op.execute("""
ALTER TABLE disclosure.filing ALTER COLUMN detail_key SET NOT NULL;
ALTER TABLE disclosure.filing DROP CONSTRAINT filing_site_id_detail_url_key;
ALTER TABLE disclosure.filing ADD CONSTRAINT filing_site_id_detail_key_key UNIQUE (site_id, detail_key);
COMMENT ON COLUMN disclosure.filing.detail_key IS
    'The detail URL without scheme or port (//host/path?query#fragment): what identifies the filing when a site moves between http and https.';
COMMENT ON COLUMN disclosure.filing.detail_url IS 'The detail page''s URL as last seen.';
""")


def downgrade() -> None:
    op.execute("""
ALTER TABLE disclosure.filing DROP CONSTRAINT filing_site_id_detail_key_key;
ALTER TABLE disclosure.filing ADD CONSTRAINT filing_site_id_detail_url_key UNIQUE (site_id, detail_url);
ALTER TABLE disclosure.filing DROP COLUMN detail_key;
""")
