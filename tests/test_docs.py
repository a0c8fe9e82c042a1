"""The generated docs are current, and every SQL example in the user guide runs."""

import re

import pytest
from sqlalchemy import create_engine, text

from disclosure.settings import PROJECT_ROOT

DOCS = PROJECT_ROOT / "docs"


def test_rule_catalogue_doc_is_current():
    from validation.documentation import catalogue_rows, rules_markdown

    assert (DOCS / "rules.md").read_text(encoding="utf-8") == rules_markdown() + "\n", "run `disclosure docs`"
    assert f"{len(catalogue_rows())} rules." in rules_markdown()


def test_schema_doc_is_current(migrated_url):
    from warehouse.schema_doc import schema_markdown

    engine = create_engine(migrated_url)
    with engine.connect() as conn:
        assert (DOCS / "schema.md").read_text(encoding="utf-8") == schema_markdown(conn), "run `disclosure docs`"
    engine.dispose()


def _sql_examples() -> list[str]:
    guide = (DOCS / "user-guide.md").read_text(encoding="utf-8")
    return re.findall(r"```sql\n(.*?)```", guide, re.S)


@pytest.mark.parametrize("index", range(len(_sql_examples())))
def test_user_guide_sql_examples_run(migrated_url, index):
    engine = create_engine(migrated_url)
    with engine.connect() as conn:
        conn.execute(text(_sql_examples()[index]))
    engine.dispose()


def test_readme_starts_with_the_two_commands():
    lines = [ln for ln in (PROJECT_ROOT / "README.md").read_text(encoding="utf-8").splitlines() if ln.strip()]
    assert lines[1] == "```" and lines[2].startswith("make demo") and lines[3].startswith("make test")
