"""Cross-document findings (family across_documents: a final account against its budget, a
budget's 上年 columns against last year's final account) with a link to each document's
archived copy at its page.

The finding is stored on one document's parse; its evidence names the documents it compares:
`evidence.documents`, by role ({"final": {...}, "budget": {...}}, as validation/store.py writes
it) or as a list, each with archived_file_id or storage_key, source_url, kind, fiscal_year and
pages. Where a finding carries neither, the counterpart is the same unit's and year's other
document (budget ↔ final account, same 部门/单位 scope), cited at the pages of the tables its
evidence names.
"""

from __future__ import annotations

import re

from sqlalchemy import Connection, text

ACROSS_FAMILY = "across_documents"
# What each cross-document rule checks, by the last part of its id (across_documents.three_public_cars);
# others keep reporting.finding_titles' title.
THREE_PUBLIC_ITEMS = {
    "three_public_total": "“三公”经费预算数合计",
    "three_public_abroad": "因公出国（境）费预算数",
    "three_public_cars": "公务用车购置及运行维护费预算数",
    "three_public_car_purchase": "公务用车购置费预算数",
    "three_public_car_running": "公务用车运行维护费预算数",
    "three_public_reception": "公务接待费预算数",
}
ACROSS_TITLES = {
    "evaluation_initial_budget": "绩效自评表的年初预算数 = 当年预算所列该项目金额",
    "narrative_initial_budget": "情况说明中的“年初预算为…” = 当年预算所列",
}


def across_title(rule_id: str) -> str | None:
    """The Chinese title of a cross-document rule: the final account's 三公 预算数 against the
    year's budget, a budget's 上年 columns (prior_…) against last year's final account."""
    name = rule_id.rsplit(".", 1)[-1]
    if name.startswith("prior_") and name[6:] in THREE_PUBLIC_ITEMS:
        return f"预算所列上年{THREE_PUBLIC_ITEMS[name[6:]]} = 上年决算所列"
    if name in THREE_PUBLIC_ITEMS:
        return f"决算所列{THREE_PUBLIC_ITEMS[name]} = 当年预算公开所列"
    return ACROSS_TITLES.get(name)


TABLE_IN_LABEL = re.compile(r"\b([0-9B][0-9A-Z])\[")  # "预算 B9[合计].20" → B9

QUERY = """
SELECT j.code AS jurisdiction, u.code AS unit_code, u.name AS unit_name, f.fiscal_year, f.kind, fd.rule_id,
       fd.subject, fd.status, fd.severity, fd.expected, fd.actual, fd.difference, fd.evidence,
       cp.source_url, af.storage_key, af.media_type, cp.tables,
       docs.documents,
       other.kind AS other_kind, other.source_url AS other_source_url, other.storage_key AS other_storage_key,
       other.media_type AS other_media_type, other.tables AS other_tables
FROM disclosure.current_parse cp
JOIN disclosure.finding fd ON fd.parse_run_id = cp.id AND fd.family = :family
JOIN disclosure.filing f ON f.id = cp.filing_id
JOIN disclosure.archived_file af ON af.id = cp.archived_file_id
LEFT JOIN disclosure.unit u ON u.id = f.unit_id
LEFT JOIN disclosure.jurisdiction j ON j.id = u.jurisdiction_id
LEFT JOIN LATERAL (
    SELECT jsonb_agg(jsonb_build_object(
               'kind', COALESCE(e.doc->>'kind', df.kind, e.role),
               'fiscal_year', COALESCE((e.doc->>'fiscal_year')::int, df.fiscal_year),
               'pages', CASE WHEN jsonb_typeof(e.doc->'pages') = 'array' THEN e.doc->'pages'
                             WHEN e.doc ? 'page' THEN jsonb_build_array(e.doc->'page') ELSE '[]'::jsonb END,
               'storage_key', da.storage_key, 'media_type', da.media_type,
               'source_url', COALESCE(da.source_url, e.doc->>'source_url')) ORDER BY e.ord) AS documents
    FROM (  -- by role (the final account first), or a list in its order
        SELECT r.value AS doc, r.key AS role, CASE r.key WHEN 'final' THEN 1 WHEN 'budget' THEN 2 ELSE 3 END AS ord
        FROM jsonb_each(CASE WHEN jsonb_typeof(fd.evidence->'documents') = 'object'
                             THEN fd.evidence->'documents' ELSE '{}'::jsonb END) AS r
        UNION ALL
        SELECT l.doc, NULL, 3 + l.n
        FROM jsonb_array_elements(CASE WHEN jsonb_typeof(fd.evidence->'documents') = 'array'
                                       THEN fd.evidence->'documents' ELSE '[]'::jsonb END) WITH ORDINALITY AS l(doc, n)
    ) e
    LEFT JOIN LATERAL (
        SELECT a.* FROM disclosure.archived_file a
        WHERE a.id = CASE WHEN e.doc->>'archived_file_id' ~ '^[0-9]+$' THEN (e.doc->>'archived_file_id')::bigint END
           OR a.storage_key = e.doc->>'storage_key'
        ORDER BY a.fetched_at DESC LIMIT 1) da ON true
    LEFT JOIN disclosure.filing df ON df.id = da.filing_id
) docs ON true
LEFT JOIN LATERAL (
    SELECT o.kind, ocp.source_url, oaf.storage_key, oaf.media_type, ocp.tables
    FROM disclosure.filing o
    JOIN disclosure.current_parse ocp ON ocp.filing_id = o.id
    JOIN disclosure.archived_file oaf ON oaf.id = ocp.archived_file_id
    WHERE o.unit_id = f.unit_id AND o.fiscal_year = f.fiscal_year AND o.status = 'present'
      AND left(o.kind, 2) = left(f.kind, 2) AND right(o.kind, 2) <> right(f.kind, 2)
    ORDER BY oaf.fetched_at DESC LIMIT 1
) other ON docs.documents IS NULL
ORDER BY fd.status, u.code, f.fiscal_year, fd.rule_id, fd.subject
"""


def load_across_findings(conn: Connection) -> list[dict]:
    return [dict(r._mapping) for r in conn.execute(text(QUERY), {"family": ACROSS_FAMILY})]


def _cited_tables(evidence: dict | None) -> set[str]:
    cells = (evidence or {}).get("cells") or {}
    labels = cells.keys() if isinstance(cells, dict) else [str(cells)]
    return {m.group(1) for label in labels for m in TABLE_IN_LABEL.finditer(str(label))}


def _pages_of(tables: dict | None, codes: set[str]) -> list[int]:
    return sorted({p for code in codes for p in ((tables or {}).get(code) or {}).get("pages") or []})


def cited_documents(finding: dict) -> list[dict]:
    """The documents a finding compares, each {kind, storage_key, media_type, source_url, pages}:
    from its evidence, or else its own document and the counterpart by unit, year and scope."""
    if finding.get("documents"):
        return [dict(d) for d in finding["documents"]]
    tables = _cited_tables(finding.get("evidence"))
    own_pages = (finding.get("evidence") or {}).get("pages") or _pages_of(finding.get("tables"), tables)
    documents = [
        {
            "kind": finding["kind"],
            "fiscal_year": finding["fiscal_year"],
            "storage_key": finding["storage_key"],
            "media_type": finding["media_type"],
            "source_url": finding["source_url"],
            "pages": list(own_pages),
        }
    ]
    if finding.get("other_storage_key"):
        documents.append(
            {
                "kind": finding["other_kind"],
                "fiscal_year": finding["fiscal_year"],
                "storage_key": finding["other_storage_key"],
                "media_type": finding["other_media_type"],
                "source_url": finding["other_source_url"],
                "pages": _pages_of(finding.get("other_tables"), tables),
            }
        )
    return documents
