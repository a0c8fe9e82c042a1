"""One spider class per CMS family; the registry's `family` picks it."""

from crawlers.spiders.hanweb_jpage import HanwebJpageSpider
from crawlers.spiders.static_list import StaticListSpider
from crawlers.spiders.trs_wcm import TrsWcmSpider
from crawlers.spiders.unified_json import UnifiedJsonSpider

SPIDERS = {cls.family: cls for cls in (TrsWcmSpider, StaticListSpider, HanwebJpageSpider, UnifiedJsonSpider)}
