"""First schema: registry, archive, parses, cells, findings, alerts, crawl runs.

Every table has a natural unique key so that loading the same thing twice changes
nothing (INSERT … ON CONFLICT DO NOTHING / DO UPDATE in the loaders).

Revision ID: 0001
Revises:
"""

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE TABLE disclosure.jurisdiction (
    id          bigserial PRIMARY KEY,
    code        text NOT NULL UNIQUE,
    name        text NOT NULL,
    level       text NOT NULL CHECK (level IN ('province', 'city', 'county')),
    parent_id   bigint REFERENCES disclosure.jurisdiction(id)
);
COMMENT ON TABLE disclosure.jurisdiction IS 'Province, city or county/district that publishes filings.';

CREATE TABLE disclosure.unit (
    id              bigserial PRIMARY KEY,
    jurisdiction_id bigint NOT NULL REFERENCES disclosure.jurisdiction(id),
    code            text NOT NULL,
    name            text NOT NULL,
    budget_code     text,
    kind            text NOT NULL DEFAULT 'unit' CHECK (kind IN ('department', 'unit')),
    parent_code     text,
    first_year      int,
    last_year       int,
    UNIQUE (jurisdiction_id, code)
);
COMMENT ON TABLE disclosure.unit IS 'A registered department (部门) or budget unit (预算单位).';
COMMENT ON COLUMN disclosure.unit.code IS 'Stable registry key of the unit inside its jurisdiction.';

CREATE TABLE disclosure.unit_alias (
    unit_id     bigint NOT NULL REFERENCES disclosure.unit(id) ON DELETE CASCADE,
    alias       text NOT NULL,
    PRIMARY KEY (unit_id, alias)
);
COMMENT ON COLUMN disclosure.unit_alias.alias IS 'Normalised name (NFKC, no spaces, 中共 short forms) that resolves to the unit.';

CREATE TABLE disclosure.site (
    id              bigserial PRIMARY KEY,
    key             text NOT NULL UNIQUE,
    jurisdiction_id bigint NOT NULL REFERENCES disclosure.jurisdiction(id),
    family          text NOT NULL,
    start_urls      text[] NOT NULL,
    config          jsonb NOT NULL DEFAULT '{}'::jsonb
);
COMMENT ON TABLE disclosure.site IS 'A disclosure website and the CMS family its spider speaks.';

CREATE TABLE disclosure.crawl_run (
    id          bigserial PRIMARY KEY,
    site_id     bigint NOT NULL REFERENCES disclosure.site(id),
    started_at  timestamptz NOT NULL,
    finished_at timestamptz,
    status      text NOT NULL CHECK (status IN ('running', 'ok', 'failed')),
    stats       jsonb NOT NULL DEFAULT '{}'::jsonb,
    error       text
);
COMMENT ON TABLE disclosure.crawl_run IS 'One crawl of one site: pages, filings found/new/changed, errors, finish reason.';

CREATE TABLE disclosure.filing (
    id              bigserial PRIMARY KEY,
    site_id         bigint NOT NULL REFERENCES disclosure.site(id),
    detail_url      text NOT NULL,
    title           text NOT NULL,
    unit_id         bigint REFERENCES disclosure.unit(id),
    fiscal_year     int,
    kind            text,
    published_on    date,
    status          text NOT NULL DEFAULT 'present' CHECK (status IN ('present', 'withdrawn')),
    first_seen_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at    timestamptz NOT NULL DEFAULT now(),
    withdrawn_at    timestamptz,
    UNIQUE (site_id, detail_url)
);
COMMENT ON TABLE disclosure.filing IS 'A published notice (detail page) for one unit, year and kind; unit NULL = not identified.';
CREATE INDEX filing_unit_year ON disclosure.filing (unit_id, fiscal_year, kind);

CREATE TABLE disclosure.archived_file (
    id              bigserial PRIMARY KEY,
    filing_id       bigint NOT NULL REFERENCES disclosure.filing(id),
    sha256          char(64) NOT NULL,
    source_url      text NOT NULL,
    final_url       text NOT NULL,
    link_text       text,
    fetched_at      timestamptz NOT NULL,
    http_status     int NOT NULL,
    http_headers    jsonb NOT NULL DEFAULT '{}'::jsonb,
    storage_key     text NOT NULL,
    size_bytes      bigint NOT NULL,
    media_type      text NOT NULL,
    UNIQUE (filing_id, source_url, sha256)
);
COMMENT ON TABLE disclosure.archived_file IS 'Every version of every fetched file, content-addressed by sha256; never deleted.';
COMMENT ON COLUMN disclosure.archived_file.media_type IS 'Type sniffed from the bytes (magic), not the server''s Content-Type.';

CREATE TABLE disclosure.parse_run (
    id               bigserial PRIMARY KEY,
    archived_file_id bigint NOT NULL REFERENCES disclosure.archived_file(id),
    parser_version   text NOT NULL,
    status           text NOT NULL CHECK (status IN ('ok', 'failed')),
    error            text,
    unit_name        text,
    fiscal_year      int,
    kind             text,
    tables           jsonb NOT NULL DEFAULT '{}'::jsonb,
    parsed_at        timestamptz NOT NULL DEFAULT now(),
    duration_ms      int,
    validated_at     timestamptz,
    UNIQUE (archived_file_id, parser_version)
);
COMMENT ON TABLE disclosure.parse_run IS 'One parse of one archived file by one parser version; failures are kept with their error.';

CREATE TABLE disclosure.cell (
    parse_run_id    bigint NOT NULL REFERENCES disclosure.parse_run(id) ON DELETE CASCADE,
    table_code      char(2) NOT NULL,
    row_key         text NOT NULL,
    col             smallint NOT NULL,
    value           numeric NOT NULL,
    row_label       text,
    page            int,
    PRIMARY KEY (parse_run_id, table_code, row_key, col)
);
COMMENT ON TABLE disclosure.cell IS 'Canonical cells (table, row key, 栏次) as printed, exact decimals; blank and —— are absent.';

CREATE TABLE disclosure.finding (
    id              bigserial PRIMARY KEY,
    parse_run_id    bigint NOT NULL REFERENCES disclosure.parse_run(id) ON DELETE CASCADE,
    rule_id         text NOT NULL,
    subject         text NOT NULL DEFAULT '',
    family          text NOT NULL,
    status          text NOT NULL CHECK (status IN ('failed', 'rounding', 'not_evaluated')),
    expected        numeric,
    actual          numeric,
    difference      numeric,
    tolerance       numeric,
    evidence        jsonb NOT NULL DEFAULT '{}'::jsonb,
    found_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (parse_run_id, rule_id, subject)
);
COMMENT ON TABLE disclosure.finding IS 'Outcome of a rule that did not plainly pass: failed, passed only within rounding, or not evaluated.';

CREATE TABLE disclosure.alert (
    id          bigserial PRIMARY KEY,
    dedupe_key  text NOT NULL UNIQUE,
    kind        text NOT NULL,
    subject     text NOT NULL,
    payload     jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at  timestamptz NOT NULL DEFAULT now(),
    sent_at     timestamptz,
    channel     text
);
COMMENT ON TABLE disclosure.alert IS 'Every alert raised; dedupe_key makes a second run raise nothing new.';

CREATE VIEW disclosure.current_parse AS
SELECT DISTINCT ON (af.filing_id) pr.*, af.filing_id
FROM disclosure.parse_run pr
JOIN disclosure.archived_file af ON af.id = pr.archived_file_id
ORDER BY af.filing_id, af.fetched_at DESC, pr.parsed_at DESC;
COMMENT ON VIEW disclosure.current_parse IS 'The newest parse of the newest file version of each filing.';
"""

DOWNGRADE = """
DROP VIEW IF EXISTS disclosure.current_parse;
DROP TABLE IF EXISTS disclosure.alert, disclosure.finding, disclosure.cell, disclosure.parse_run,
    disclosure.archived_file, disclosure.filing, disclosure.crawl_run, disclosure.site,
    disclosure.unit_alias, disclosure.unit, disclosure.jurisdiction;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
