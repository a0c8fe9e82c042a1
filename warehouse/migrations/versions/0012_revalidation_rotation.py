"""A night that fits in a night (issue #21): archived files asked for on a rotation, list
entries that say when to ask at once, and crawls cut by their time limit kept as incomplete.

- archived_file.checked_at: when the site last answered for this file (a version or 304);
  each file is asked for every K nights (DISCLOSURE_REVALIDATE_EVERY), spread by its URL.
  Until now every known file was asked for every night, so existing rows start from their
  site's last crawl (or their fetch, for a site never crawled since).
- filing.list_entry: a fingerprint of the list entry the filing was recorded from (title,
  date, the files a platform's row names); a different entry is read again at once.
- filing.attachment_urls: the attachments the detail page listed, so a crawl cut short
  before fetching them all fetches the rest the next night without reading the page again.
- crawl_run.status 'incomplete': stopped by the time limit and nothing else; nothing is
  withdrawn after it, and the next night goes on.

Revision ID: 0012
Revises: 0011
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
ALTER TABLE disclosure.archived_file ADD COLUMN checked_at timestamptz;
UPDATE disclosure.archived_file af
SET checked_at = GREATEST(af.fetched_at, (SELECT max(cr.started_at) FROM disclosure.crawl_run cr
                                          WHERE cr.site_id = f.site_id))
FROM disclosure.filing f WHERE f.id = af.filing_id;
COMMENT ON COLUMN disclosure.archived_file.checked_at IS
    'When the site last answered for this URL (this version fetched, or 304 Not Modified): the rotation asks for each file every DISCLOSURE_REVALIDATE_EVERY nights.';

ALTER TABLE disclosure.filing ADD COLUMN list_entry text, ADD COLUMN attachment_urls text[];
COMMENT ON COLUMN disclosure.filing.list_entry IS
    'Fingerprint of the list entry the filing was last recorded from (title, date, a platform row''s files): a changed entry is read again at once.';
COMMENT ON COLUMN disclosure.filing.attachment_urls IS
    'The attachments its detail page (or platform row) listed when last read: ones not yet archived are fetched on the next night.';

ALTER TABLE disclosure.crawl_run DROP CONSTRAINT crawl_run_status_check;
ALTER TABLE disclosure.crawl_run ADD CONSTRAINT crawl_run_status_check
    CHECK (status IN ('running', 'ok', 'incomplete', 'failed'));
""")


def downgrade() -> None:
    op.execute("""
UPDATE disclosure.crawl_run SET status = 'failed' WHERE status = 'incomplete';
ALTER TABLE disclosure.crawl_run DROP CONSTRAINT crawl_run_status_check;
ALTER TABLE disclosure.crawl_run ADD CONSTRAINT crawl_run_status_check
    CHECK (status IN ('running', 'ok', 'failed'));
ALTER TABLE disclosure.filing DROP COLUMN list_entry, DROP COLUMN attachment_urls;
ALTER TABLE disclosure.archived_file DROP COLUMN checked_at;
""")
