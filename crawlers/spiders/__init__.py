"""One spider class per CMS family; the registry's `family` picks it."""
from crawlers.spiders.static_list import StaticListSpider
from crawlers.spiders.trs_wcm import TrsWcmSpider

SPIDERS = {cls.family: cls for cls in (TrsWcmSpider, StaticListSpider)}
