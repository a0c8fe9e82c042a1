"""Boxes on the page and the review queue (issue #22): every cell, claim and evaluation field
keeps where it is printed; a person's confirmed or corrected value is stored as a review of
the file version, outlives every re-parse and wins over the parse in the views and validation.

Revision ID: 0013
Revises: 0012
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

BOX_COMMENT = (
    "PDF points, origin at the top-left corner of the page as displayed (after /Rotate), y down; "
    "the page is the row''s page. NULL where the reader does not place text (spreadsheets, HTML, DOCX)."
)

CELL_SERIES_0002 = """
CREATE OR REPLACE VIEW disclosure.cell_series AS
SELECT j.code AS jurisdiction, u.code AS unit_code, u.name AS unit_name, f.fiscal_year, f.kind,
       c.table_code, c.row_key, c.col, c.value, c.row_label, c.page, f.id AS filing_id, cp.source_url
FROM disclosure.current_parse cp
JOIN disclosure.filing f ON f.id = cp.filing_id AND f.status = 'present'
JOIN disclosure.unit u ON u.id = f.unit_id
JOIN disclosure.jurisdiction j ON j.id = u.jurisdiction_id
JOIN disclosure.cell c ON c.parse_run_id = cp.id;
"""


def upgrade() -> None:
    op.execute(f"""
ALTER TABLE disclosure.cell
    ADD COLUMN box_x0 real, ADD COLUMN box_top real, ADD COLUMN box_x1 real, ADD COLUMN box_bottom real,
    ADD COLUMN ocr_score real;
COMMENT ON COLUMN disclosure.cell.box_x0 IS 'Left edge of the printed cell: {BOX_COMMENT}';
COMMENT ON COLUMN disclosure.cell.box_top IS 'Top edge of the printed cell (see box_x0).';
COMMENT ON COLUMN disclosure.cell.box_x1 IS 'Right edge of the printed cell (see box_x0).';
COMMENT ON COLUMN disclosure.cell.box_bottom IS 'Bottom edge of the printed cell (see box_x0).';
COMMENT ON COLUMN disclosure.cell.ocr_score IS
    'Read by OCR: the recogniser''s lowest confidence (0-1) among the pieces of the value; NULL for a text layer.';

ALTER TABLE disclosure.narrative_claim
    ADD COLUMN box_x0 real, ADD COLUMN box_top real, ADD COLUMN box_x1 real, ADD COLUMN box_bottom real;
COMMENT ON COLUMN disclosure.narrative_claim.box_x0 IS
    'Left edge of the line printing the claimed figure: {BOX_COMMENT}';
COMMENT ON COLUMN disclosure.narrative_claim.box_top IS 'Top edge of that line (see box_x0).';
COMMENT ON COLUMN disclosure.narrative_claim.box_x1 IS 'Right edge of that line (see box_x0).';
COMMENT ON COLUMN disclosure.narrative_claim.box_bottom IS 'Bottom edge of that line (see box_x0).';

ALTER TABLE disclosure.evaluation ADD COLUMN boxes jsonb NOT NULL DEFAULT '{{}}'::jsonb;
COMMENT ON COLUMN disclosure.evaluation.boxes IS
    'Where each field is printed: {{"total_score": [page, x0, top, x1, bottom], "grade": …, "project_name": …, '
    '"budget_line:N" (the Nth budget line, as the performance rules number them), "indicator:N" (the 得分 of the Nth indicator): …}} in PDF points from the top-left of the displayed page; {{}} when unknown.';

CREATE TABLE disclosure.cell_review (
    id               bigserial PRIMARY KEY,
    archived_file_id bigint NOT NULL REFERENCES disclosure.archived_file(id) ON DELETE CASCADE,
    table_code       text NOT NULL,
    row_key          text NOT NULL,
    col              smallint NOT NULL,
    action           text NOT NULL CHECK (action IN ('confirmed', 'corrected')),
    old_value        numeric,
    new_value        numeric NOT NULL,
    reviewer         text NOT NULL CHECK (reviewer <> ''),
    reviewed_at      timestamptz NOT NULL DEFAULT now(),
    note             text
);
CREATE INDEX cell_review_cell ON disclosure.cell_review (archived_file_id, table_code, row_key, col, reviewed_at DESC);
COMMENT ON TABLE disclosure.cell_review IS
    'A person''s reading of a cell of one archived file version: confirmed as parsed or corrected. Keyed by the file '
    'version and the cell''s key, not by a parse, so a re-parse never loses it; the newest review of a cell wins.';
COMMENT ON COLUMN disclosure.cell_review.old_value IS 'The value the parse held when the person looked.';
COMMENT ON COLUMN disclosure.cell_review.new_value IS 'The value the person read on the page (= old_value when confirmed).';

CREATE VIEW disclosure.latest_review AS
SELECT DISTINCT ON (archived_file_id, table_code, row_key, col) *
FROM disclosure.cell_review
ORDER BY archived_file_id, table_code, row_key, col, reviewed_at DESC, id DESC;
COMMENT ON VIEW disclosure.latest_review IS 'The newest review of every reviewed cell of every file version.';

CREATE VIEW disclosure.reviewed_cell AS
SELECT c.parse_run_id, c.table_code, c.row_key, c.col, COALESCE(r.new_value, c.value) AS value,
       c.value AS parsed_value, c.row_label, c.page, c.box_x0, c.box_top, c.box_x1, c.box_bottom, c.ocr_score,
       r.action AS review, r.reviewer, r.reviewed_at, pr.archived_file_id
FROM disclosure.cell c
JOIN disclosure.parse_run pr ON pr.id = c.parse_run_id
LEFT JOIN disclosure.latest_review r ON r.archived_file_id = pr.archived_file_id AND r.table_code = c.table_code
     AND r.row_key = c.row_key AND r.col = c.col;
COMMENT ON VIEW disclosure.reviewed_cell IS
    'Every parsed cell with its newest review applied: value is the reviewed value where a person read it '
    '(parsed_value what the parser read); what validation checks.';

CREATE OR REPLACE VIEW disclosure.cell_series AS
SELECT j.code AS jurisdiction, u.code AS unit_code, u.name AS unit_name, f.fiscal_year, f.kind,
       c.table_code, c.row_key, c.col, c.value, c.row_label, c.page, f.id AS filing_id, cp.source_url,
       c.box_x0, c.box_top, c.box_x1, c.box_bottom, c.ocr_score, c.review, c.parsed_value
FROM disclosure.current_parse cp
JOIN disclosure.filing f ON f.id = cp.filing_id AND f.status = 'present'
JOIN disclosure.unit u ON u.id = f.unit_id
JOIN disclosure.jurisdiction j ON j.id = u.jurisdiction_id
JOIN disclosure.reviewed_cell c ON c.parse_run_id = cp.id;
COMMENT ON VIEW disclosure.cell_series IS
    'Every current cell with its unit and year (a reviewed value where a person read it): filter unit_code, '
    'table_code, row_key, col for a longitudinal series.';
""")


def downgrade() -> None:
    op.execute("DROP VIEW disclosure.jurisdiction_totals, disclosure.cell_series")  # both made again as 0002 had them
    op.execute(CELL_SERIES_0002)
    op.execute("""
CREATE VIEW disclosure.jurisdiction_totals AS
SELECT jurisdiction, fiscal_year, kind, count(DISTINCT filing_id) AS filings,
       sum(value) FILTER (WHERE table_code = '01' AND row_key = '27' AND col = 1) AS income_total,
       sum(value) FILTER (WHERE table_code = '01' AND row_key = '58' AND col = 2) AS expenditure_total,
       sum(value) FILTER (WHERE table_code = '03' AND row_key = '合计' AND col = 2) AS basic_expenditure,
       sum(value) FILTER (WHERE table_code = '03' AND row_key = '合计' AND col = 3) AS project_expenditure
FROM disclosure.cell_series
GROUP BY jurisdiction, fiscal_year, kind;
COMMENT ON VIEW disclosure.jurisdiction_totals IS '本年收入合计, 本年支出合计, 基本/项目支出 summed per jurisdiction, year and kind (万元).';
""")
    op.execute("""
DROP VIEW disclosure.reviewed_cell;
DROP VIEW disclosure.latest_review;
DROP TABLE disclosure.cell_review;
ALTER TABLE disclosure.evaluation DROP COLUMN boxes;
ALTER TABLE disclosure.narrative_claim DROP COLUMN box_x0, DROP COLUMN box_top, DROP COLUMN box_x1,
    DROP COLUMN box_bottom;
ALTER TABLE disclosure.cell DROP COLUMN box_x0, DROP COLUMN box_top, DROP COLUMN box_x1, DROP COLUMN box_bottom,
    DROP COLUMN ocr_score;
""")
