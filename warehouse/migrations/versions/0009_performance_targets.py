"""A budget's performance targets (绩效目标表) stored, and joined to the self-evaluations
(绩效自评) of the same unit's final account for the same year (issue #18); narrative claims may
be of kind initial_budget (a final account's 年初预算 sentence, restating a budget cell).

`disclosure.project_key` is this migration's own copy of the project-name normalisation
(`validation.across_documents.project_key`; tests/test_targets.py checks they agree).

Revision ID: 0009
Revises: 0008
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(r"""
CREATE TABLE disclosure.performance_target (
    parse_run_id    bigint NOT NULL REFERENCES disclosure.parse_run(id) ON DELETE CASCADE,
    seq             int NOT NULL,
    project         text NOT NULL,
    level1          text,
    level2          text,
    level3          text NOT NULL,
    target_value    text NOT NULL,
    page            int,
    PRIMARY KEY (parse_run_id, seq)
);
COMMENT ON TABLE disclosure.performance_target IS
    'Indicators of a budget''s 绩效目标表 (project or 部门整体 cards) as printed, one row per 三级指标.';
COMMENT ON COLUMN disclosure.performance_target.seq IS 'Order of the indicator in the document (1, 2, …).';
COMMENT ON COLUMN disclosure.performance_target.project IS '项目名称 as the card prints it.';
COMMENT ON COLUMN disclosure.performance_target.level1 IS '一级指标 (产出指标, 效益指标, 满意度指标, 成本指标).';
COMMENT ON COLUMN disclosure.performance_target.level2 IS '二级指标 (数量指标, 质量指标, 时效指标, 社会效益指标…).';
COMMENT ON COLUMN disclosure.performance_target.level3 IS '三级指标: the indicator itself.';
COMMENT ON COLUMN disclosure.performance_target.target_value IS '指标值 as printed (≥96%, ≤10分钟, =1套), not a number.';
COMMENT ON COLUMN disclosure.performance_target.page IS 'Page of the document the indicator is printed on.';

-- A project's name without what differs between a budget and a final account's 绩效自评表:
-- blanks, quotes and brackets, a short code prefix (J, QT, Z) and a trailing 项目.
CREATE FUNCTION disclosure.project_key(name text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT regexp_replace(regexp_replace(regexp_replace(regexp_replace(coalesce(name, ''),
        '\s+', '', 'g'),
        '[“”"''‘’《》()（）【】\[\]、·]', '', 'g'),
        '^(?:[A-Za-z]{1,3}|[0-9])(?=[一-鿿])', ''),
        '项目$', '')
$$;
COMMENT ON FUNCTION disclosure.project_key(text) IS
    'A project name normalised for joining a budget''s project (targets, 项目支出表) to a final account''s 绩效自评.';

CREATE VIEW disclosure.evaluation_target AS
WITH evaluated AS (
    SELECT f.unit_id, f.fiscal_year, f.kind, cp.filing_id, cp.id AS parse_run_id, cp.source_url, ev.seq,
           ev.project_name, ev.page, disclosure.project_key(ev.project_name) AS project_key
    FROM disclosure.evaluation ev
    JOIN disclosure.current_parse cp ON cp.id = ev.parse_run_id
    JOIN disclosure.filing f ON f.id = cp.filing_id
    WHERE ev.scope = 'project' AND f.unit_id IS NOT NULL AND f.kind NOT LIKE '%预算'),
targeted AS (
    SELECT f.unit_id, f.fiscal_year, f.kind, cp.filing_id, cp.id AS parse_run_id, cp.source_url, t.seq,
           t.project, t.level1, t.level2, t.level3, t.target_value, t.page,
           disclosure.project_key(t.project) AS project_key
    FROM disclosure.performance_target t
    JOIN disclosure.current_parse cp ON cp.id = t.parse_run_id
    JOIN disclosure.filing f ON f.id = cp.filing_id
    WHERE f.unit_id IS NOT NULL AND f.kind LIKE '%预算')
SELECT e.unit_id, e.fiscal_year, e.project_key,
       e.filing_id AS evaluation_filing_id, e.kind AS evaluation_kind, e.source_url AS evaluation_url,
       e.seq AS evaluation_seq, e.project_name AS evaluation_project, e.page AS evaluation_page,
       ind.line AS indicator_line, ind.description AS indicator_as_evaluated, ind.score AS indicator_score,
       t.filing_id AS budget_filing_id, t.kind AS budget_kind, t.source_url AS budget_url,
       t.seq AS target_seq, t.project AS target_project, t.level1, t.level2, t.level3, t.target_value,
       t.page AS target_page
FROM evaluated e
JOIN targeted t ON t.unit_id = e.unit_id AND t.fiscal_year = e.fiscal_year AND t.project_key = e.project_key
LEFT JOIN LATERAL (
    SELECT ei.line, ei.description, ei.score FROM disclosure.evaluation_indicator ei
    WHERE ei.parse_run_id = e.parse_run_id AND ei.seq = e.seq
      AND t.level3 = ANY (string_to_array(ei.description, ' / '))
    ORDER BY ei.line LIMIT 1) ind ON true;
COMMENT ON VIEW disclosure.evaluation_target IS
    'Each target a budget set (绩效目标表) beside the 绩效自评 of the same unit, year and project (name normalised by '
    'project_key) in its final account or 绩效说明; the evaluation''s indicator of the same 三级指标 where it prints one.';
-- The narrative's "…支出年初预算X万元" sentences, restating a cell of the same year's budget
-- (validation.across_documents: rule across_documents.narrative_initial_budget).
ALTER TABLE disclosure.narrative_claim DROP CONSTRAINT narrative_claim_claim_kind_check,
    ADD CONSTRAINT narrative_claim_claim_kind_check
        CHECK (claim_kind IN ('amount', 'percent', 'change', 'count', 'initial_budget'));
COMMENT ON COLUMN disclosure.narrative_claim.claim_kind IS
    'amount, percent, change (against last year), count, or initial_budget (年初预算: restates a cell of the budget).';
COMMENT ON COLUMN disclosure.evaluation_target.indicator_as_evaluated IS
    'The evaluation''s indicator row (levels, 指标值, 实际完成值 joined by " / ") whose texts name the target''s 三级指标; '
    'NULL when none does.';
""")


def downgrade() -> None:
    op.execute("""
DELETE FROM disclosure.narrative_claim WHERE claim_kind = 'initial_budget';
ALTER TABLE disclosure.narrative_claim DROP CONSTRAINT narrative_claim_claim_kind_check,
    ADD CONSTRAINT narrative_claim_claim_kind_check CHECK (claim_kind IN ('amount', 'percent', 'change', 'count'));
COMMENT ON COLUMN disclosure.narrative_claim.claim_kind IS NULL;
DROP VIEW disclosure.evaluation_target;
DROP FUNCTION disclosure.project_key(text);
DROP TABLE disclosure.performance_target;
""")
