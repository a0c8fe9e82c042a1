"""The CMS families a site can be registered with: each is one spider (crawlers.spiders)."""

from __future__ import annotations

TRS_WCM = "trs_wcm"
STATIC_LIST = "static_list"
HANWEB_JPAGE = "hanweb_jpage"
UNIFIED_JSON = "unified_json"
FAMILIES = frozenset({TRS_WCM, STATIC_LIST, HANWEB_JPAGE, UNIFIED_JSON})
