from pathlib import Path

import pytest

from disclosure.settings import PROJECT_ROOT
from registry.model import RegistryError, load_registry, parse_registry
from registry.names import normalise_name

REPLICA = PROJECT_ROOT / "registry" / "replica.yaml"


def test_replica_registry_loads_with_substituted_urls():
    reg = load_registry(REPLICA, {"replica": "http://127.0.0.1:9"})
    assert {s.family for s in reg.sites} == {"trs_wcm", "static_list", "hanweb_jpage", "unified_json"}
    assert all(u.startswith("http://127.0.0.1:9/") for s in reg.sites for u in s.start_urls)


@pytest.mark.parametrize("printed", [
    "中共忻州市委办公室",
    "中国共产党忻州市委员会办公室",
    "中国共产党忻州市\n委员会办公室",
])
def test_unit_names_resolve_through_normalisation_and_aliases(printed):
    reg = load_registry(REPLICA, {"replica": "x"})
    assert reg.resolve_unit(printed).code == "xz-swbgs"


def test_brackets_of_either_width_resolve():
    reg = load_registry(REPLICA, {"replica": "x"})
    assert reg.resolve_unit("大同市公共资源交易中心(大同市政府采购中心)").code == "dt-ggzy"
    assert normalise_name("（甲）") == normalise_name("(甲)")


def test_unknown_unit_is_not_guessed():
    reg = load_registry(REPLICA, {"replica": "x"})
    assert reg.resolve_unit("大同市公共资源交易") is None


@pytest.mark.parametrize("data, message", [
    ({"jurisdictions": [{"code": "a", "name": "甲", "level": "town"}]}, "jurisdictions[0] (a): level"),
    ({"jurisdictions": [{"code": "a", "name": "甲"}]}, "jurisdictions[0]: missing level"),
    ({"jurisdictions": [{"code": "a", "name": "甲", "level": "city"}],
      "sites": [{"key": "s", "jurisdiction": "a", "family": "wordpress", "start_urls": ["u"]}]}, "sites[0] (s): family"),
    ({"jurisdictions": [{"code": "a", "name": "甲", "level": "city"}],
      "units": [{"code": "u", "jurisdiction": "b", "name": "乙"}]}, "units[0] (u): unknown jurisdiction 'b'"),
])
def test_invalid_registry_names_file_and_entry(data, message):
    with pytest.raises(RegistryError) as err:
        parse_registry(data, "regs/bad.yaml")
    assert str(err.value).startswith("regs/bad.yaml: ") and message in str(err.value)


def test_unreadable_registry_file_is_a_clear_error(tmp_path: Path):
    bad = tmp_path / "r.yaml"
    bad.write_text("jurisdictions: [unclosed", encoding="utf-8")
    with pytest.raises(RegistryError, match="r.yaml: not valid YAML"):
        load_registry(bad)


def test_the_shanxi_registry_of_real_sites_validates_and_says_it_is_unverified():
    reg = load_registry(PROJECT_ROOT / "registry" / "shanxi.yaml")
    assert {j.code for j in reg.jurisdictions if j.level == "county"} >= {"xinzhou-baode", "datong-yunzhou"}
    assert reg.sites and not [s.key for s in reg.sites if s.verified]
    # The units of the seeds resolve, whatever form of their name a title prints.
    assert reg.resolve_unit("中共大同市云州区委员会办公室").code == "yz-qwbgs"
    assert reg.resolve_unit("大同市人民政府办公室").code == "dt-zfbgs"
    assert reg.resolve_unit("中共忻州市委办公室").code == "xz-swbgs"


def test_every_registry_family_has_a_spider():
    from crawlers.spiders import SPIDERS
    from registry.model import FAMILIES

    assert set(SPIDERS) == FAMILIES
