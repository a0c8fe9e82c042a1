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


@pytest.mark.parametrize(
    "printed",
    [
        "中共忻州市委办公室",
        "中国共产党忻州市委员会办公室",
        "中国共产党忻州市\n委员会办公室",
    ],
)
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


@pytest.mark.parametrize(
    "data, message",
    [
        ({"jurisdictions": [{"code": "a", "name": "甲", "level": "town"}]}, "jurisdictions[0] (a): level"),
        ({"jurisdictions": [{"code": "a", "name": "甲"}]}, "jurisdictions[0]: missing level"),
        (
            {
                "jurisdictions": [{"code": "a", "name": "甲", "level": "city"}],
                "sites": [{"key": "s", "jurisdiction": "a", "family": "wordpress", "start_urls": ["u"]}],
            },
            "sites[0] (s): family",
        ),
        (
            {
                "jurisdictions": [{"code": "a", "name": "甲", "level": "city"}],
                "units": [{"code": "u", "jurisdiction": "b", "name": "乙"}],
            },
            "units[0] (u): unknown jurisdiction 'b'",
        ),
    ],
)
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


# ---- hostile registry values (issue #17) -------------------------------------------------
def _one_site(**site) -> dict:
    return {
        "jurisdictions": [{"code": "dt", "name": "大同市", "level": "city"}],
        "sites": [
            {
                "key": "dt-czj",
                "jurisdiction": "dt",
                "family": "static_list",
                "start_urls": ["http://127.0.0.1/list.html"],
                **site,
            }
        ],
    }


@pytest.mark.parametrize("key", ["..", "a/b", "../../etc", "Datong", "dt czj", "-x", "dt_czj", "a\0b"])
def test_site_keys_that_could_become_paths_are_refused(key):
    with pytest.raises(RegistryError, match=r"regs/r.yaml: sites\[0\] \(.*\): key: .* is not a site key"):
        parse_registry(_one_site(key=key), "regs/r.yaml")


@pytest.mark.parametrize(
    "data, message",
    [
        (
            _one_site(start_urls="http://127.0.0.1/list.html"),
            "sites[0] (dt-czj): start_urls: Input should be a valid list (got 'http://127.0.0.1/list.html')",
        ),
        (_one_site(verified="maybe"), "sites[0] (dt-czj): verified: Input should be a valid boolean"),
        (
            _one_site(limits={"max_list_pages": "many"}),
            "sites[0] (dt-czj): limits.max_list_pages: Input should be a valid integer",
        ),
        (_one_site(limits={"max_pages": 5}), "sites[0] (dt-czj): limits.max_pages: Extra inputs are not permitted"),
        (_one_site(stat_urls=["x"]), "sites[0] (dt-czj): stat_urls: Extra inputs are not permitted"),
        (
            {
                "jurisdictions": [
                    {
                        "code": "dt",
                        "name": "大同市",
                        "level": "city",
                        "deadlines": [{"kind": "单位决算", "year": "abc", "due_on": "2025-09-30"}],
                    }
                ]
            },
            "jurisdictions[0] (dt) deadlines[0]: year: Input should be a valid integer (got 'abc')",
        ),
        (
            {
                "jurisdictions": [{"code": "dt", "name": "大同市", "level": "city"}],
                "units": [{"code": "u", "jurisdiction": "dt", "name": "乙", "first_year": "2019abc"}],
            },
            "units[0] (u): first_year: Input should be a valid integer (got '2019abc')",
        ),
        (
            {
                "jurisdictions": [{"code": "dt", "name": "大同市", "level": "city"}],
                "units": [{"code": "u", "jurisdiction": "dt", "name": "乙", "aliases": "甲"}],
            },
            "units[0] (u): aliases: Input should be a valid list (got '甲')",
        ),
        (
            {
                "jurisdictions": [{"code": "dt", "name": "大同市", "level": "city"}],
                "units": [{"code": "u", "jurisdiction": "dt", "name": "乙", "budget_code": 13315}],
            },
            "units[0] (u): budget_code: Input should be a valid string (got 13315)",
        ),
        (
            {"jurisdictions": [{"code": "dt", "name": "大同市", "level": "city", "publishes": "决算"}]},
            "jurisdictions[0] (dt): publishes: Input should be a valid list (got '决算')",
        ),
        ({"jurisdictions": {"code": "dt"}}, "regs/r.yaml: jurisdictions must be a list of entries, not dict"),
        ({"jurisdictions": ["dt"]}, "jurisdictions[0]: must be a mapping, not str"),
    ],
)
def test_values_of_the_wrong_type_name_the_entry(data, message):
    with pytest.raises(RegistryError) as err:
        parse_registry(data, "regs/r.yaml")
    assert message in str(err.value) and str(err.value).startswith("regs/r.yaml: ")


def test_a_key_named_twice_in_one_mapping_is_refused(tmp_path: Path):
    bad = tmp_path / "r.yaml"
    bad.write_text(
        "jurisdictions:\n  - code: dt\n    name: 大同市\n    level: city\n    level: county\n", encoding="utf-8"
    )
    with pytest.raises(
        RegistryError,
        match=r"r.yaml: not valid YAML: line 5: the key 'level' is given twice in one mapping \(first on line 4\)$",
    ):
        load_registry(bad)


def test_per_site_crawl_limits_are_passed_through():
    reg = parse_registry(_one_site(limits={"max_list_pages": 20, "max_records": 500}), "r.yaml")
    assert reg.sites[0].limits == {"max_list_pages": 20, "max_records": 500}
    assert parse_registry(_one_site(), "r.yaml").sites[0].limits == {}


def test_no_archive_path_climbs_out_of_the_archive(tmp_path: Path):
    from archive.store import store_named

    warc = tmp_path / "crawl.warc.gz"
    warc.write_bytes(b"WARC")
    for key in ("warc/../../outside.warc.gz", "warc/a/../../x", "/etc/x", "warc//x", "warc/a\0b/x"):
        with pytest.raises(ValueError, match="not a plain name"):
            store_named(tmp_path / "archive", key, warc)
    assert store_named(tmp_path / "archive", "warc/dt-czj/20261201T000000Z.warc.gz", warc)
    assert not (tmp_path / "outside.warc.gz").exists()


# ---- costs that grow with the registry (issue #21) ----------------------------------------
def _scan(reg, name, names_of=None):
    """The match as it was defined before the index: every unit whose names hold the name."""
    if not name:
        return None
    wanted = normalise_name(name)
    matches = [u for u, names in (names_of or [(u, u.names()) for u in reg.units]) if wanted in names]
    return matches[0] if len(matches) == 1 else None


def _province_with_shared_names() -> dict:
    """Two counties whose 财政局 both answer to the bare 财政局, a unit whose alias is another's
    name, and names one character apart: the cases an index must answer as the scan did."""
    return {
        "jurisdictions": [
            {"code": "dt", "name": "大同市", "level": "city"},
            {"code": "yz", "name": "大同市云州区", "level": "county", "parent": "dt"},
            {"code": "pc", "name": "大同市平城区", "level": "county", "parent": "dt"},
        ],
        "units": [
            {
                "code": "yz-czj",
                "jurisdiction": "yz",
                "name": "大同市云州区财政局",
                "aliases": ["财政局", "云州区财政局"],
            },
            {"code": "pc-czj", "jurisdiction": "pc", "name": "大同市平城区财政局", "aliases": ["财政局"]},
            {"code": "dt-czj", "jurisdiction": "dt", "name": "大同市财政局"},
            {"code": "dt-czj2", "jurisdiction": "dt", "name": "大同市财政局国库支付中心", "aliases": ["大同市财政局"]},
            {
                "code": "dt-swbgs",
                "jurisdiction": "dt",
                "name": "中国共产党大同市委员会办公室",
                "aliases": ["中共大同市委办公室"],
            },
            {"code": "dt-jyj", "jurisdiction": "dt", "name": "大同市教育局"},
            {"code": "dt-jyjj", "jurisdiction": "dt", "name": "大同市教育局机关"},
        ],
    }


@pytest.mark.parametrize(
    "printed, expected",
    [
        ("财政局", None),  # two counties' bureaus answer to it: never guessed
        ("大同市财政局", None),  # one unit's name, another's alias: ambiguous, as before
        ("大同市云州区财政局", "yz-czj"),
        ("云州区 财政局", "yz-czj"),
        ("大同市平城区财政局", "pc-czj"),
        ("中国共产党大同市委员会办公室", "dt-swbgs"),
        ("中共大同市委员会办公室", "dt-swbgs"),  # normalised: 中国共产党 → 中共
        ("中共大同市委办公室", "dt-swbgs"),
        ("大同市教育局", "dt-jyj"),
        ("大同市教育局机关", "dt-jyjj"),
        ("大同市教育", None),  # near names are not matched
        ("大同市教育局机", None),
        ("", None),
        (None, None),
    ],
)
def test_the_unit_index_answers_as_the_scan_of_every_unit(printed, expected):
    reg = parse_registry(_province_with_shared_names(), "r.yaml")
    unit = reg.resolve_unit(printed)
    assert (unit.code if unit else None) == expected
    assert unit == _scan(reg, printed)


def test_the_unit_index_answers_as_the_scan_on_a_province_of_names():
    import random

    from bench.registry_scale import printed_forms, registry_data

    data = registry_data(3000)
    reg = parse_registry(data, "province.yaml")
    names = printed_forms(data, 1000, random.Random(7)) + [u.name for u in reg.units[:200]]
    answers = [reg.resolve_unit(n) for n in names]
    names_of = [(u, u.names()) for u in reg.units]
    assert answers == [_scan(reg, n, names_of) for n in names]
    assert 0.6 < sum(a is not None for a in answers) / len(answers) < 0.95  # both matches and misses tested
    # by code and by jurisdiction
    assert reg.unit("j2", "j2-u1") is next(u for u in reg.units if (u.jurisdiction, u.code) == ("j2", "j2-u1"))
    assert reg.unit("j2", "nope") is None
    assert reg.units_of("j2") == tuple(u for u in reg.units if u.jurisdiction == "j2")
    assert reg.units_of("nowhere") == ()


def test_duplicate_unit_and_site_keys_are_all_named():
    data = _province_with_shared_names()
    data["units"] += [dict(data["units"][0]), dict(data["units"][2]), dict(data["units"][2])]
    with pytest.raises(RegistryError) as err:
        parse_registry(data, "r.yaml")
    assert str(err.value) == "r.yaml: duplicate unit keys [\"('dt', 'dt-czj')\", \"('yz', 'yz-czj')\"]"
    data = _one_site()
    data["sites"].append(dict(data["sites"][0]))
    with pytest.raises(RegistryError, match=r"r.yaml: duplicate site keys \['dt-czj'\]"):
        parse_registry(data, "r.yaml")
    # the same code under two jurisdictions is two units
    data = _province_with_shared_names()
    data["units"].append({"code": "yz-czj", "jurisdiction": "pc", "name": "大同市平城区财政局机关"})
    assert len(parse_registry(data, "r.yaml").units) == 8


def test_the_registry_is_read_once_until_its_file_changes(tmp_path: Path):
    import os

    path = tmp_path / "r.yaml"
    path.write_text(REPLICA.read_text(encoding="utf-8"), encoding="utf-8")
    first = load_registry(path, {"replica": "http://a"})
    again = load_registry(path, {"replica": "http://a"})
    assert again.units is first.units  # not read again
    other = load_registry(path, {"replica": "http://b"})  # other substitutions: other URLs
    assert other.sites[0].start_urls[0].startswith("http://b/")
    # a caller adjusting its sites' limits or config does not change the next caller's
    again.site("replica-datong-trs").limits.update(max_list_pages=5)
    again.site("replica-datong-trs").config["allowed_origins"] = ["https://x"]
    fresh = load_registry(path, {"replica": "http://a"})
    assert (
        fresh.site("replica-datong-trs").limits == {}
        and "allowed_origins" not in fresh.site("replica-datong-trs").config
    )
    # an edited file is read again, even within the same second and at the same size
    stat = path.stat()
    path.write_text(path.read_text(encoding="utf-8").replace("忻州市财政局", "忻州市财务局"), encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1))
    edited = load_registry(path, {"replica": "http://a"})
    assert edited.units is not first.units
    assert edited.resolve_unit("忻州市财务局").code == "xz-czj" and edited.resolve_unit("忻州市财政局") is None
    # a file that became invalid is an error, not the old registry
    path.write_text("jurisdictions: [unclosed", encoding="utf-8")
    with pytest.raises(RegistryError, match="not valid YAML"):
        load_registry(path, {"replica": "http://a"})
