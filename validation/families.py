"""The checker families, in the order their outcomes are reported: what `validate_filing`
runs and what the rule catalogue documents (docs/rules.md, `disclosure rules`). A new family
is a module with a `FAMILY` (validation.core.CheckerFamily) added here."""

from __future__ import annotations

from validation import across_documents, budget, careful, cross_year, narrative, performance, required, tables
from validation.core import CheckerFamily

FAMILIES: tuple[CheckerFamily, ...] = (
    tables.FAMILY,
    narrative.FAMILY,
    performance.FAMILY,
    required.FAMILY,
    cross_year.FAMILY,
    budget.FAMILY,
    across_documents.FAMILY,  # documented here; the store's validation pairs the two documents
    careful.FAMILY,
)
