"""Where each file version's HTTP exchange sits in the crawl's WARC file.

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
ALTER TABLE disclosure.archived_file
    ADD COLUMN warc_path text,
    ADD COLUMN warc_offset bigint,
    ADD COLUMN warc_record_id text;
COMMENT ON COLUMN disclosure.archived_file.warc_path IS
    'Archive key of the crawl''s WARC file (warc/<site>/<time>.warc.gz) holding this response.';
COMMENT ON COLUMN disclosure.archived_file.warc_offset IS
    'Byte offset of the response record in that (per-record gzipped) WARC: seek there and read one record.';
ALTER TABLE disclosure.crawl_run ADD COLUMN warc_path text;
COMMENT ON COLUMN disclosure.crawl_run.warc_path IS 'Every response of this crawl, replayable with pywb.';
""")


def downgrade() -> None:
    op.execute("""
ALTER TABLE disclosure.crawl_run DROP COLUMN warc_path;
ALTER TABLE disclosure.archived_file DROP COLUMN warc_path, DROP COLUMN warc_offset, DROP COLUMN warc_record_id;
""")
