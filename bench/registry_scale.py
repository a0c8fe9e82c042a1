"""Registry costs against its size: loading (read, validate) and matching crawled titles'
unit names to units, at 500, 5,000 and 20,000 units, with the growth exponent fitted to
them (1 is linear; the duplicate check by list.count made the load 2).

The registry is shaped like a province's: a province, cities and counties, each with the
same departments under its own name (so names repeat across jurisdictions only with the
jurisdiction's name in front, as they do), a third of them with a 中国共产党… name and its 中共
short form as alias. Titles matched are the units' printed names in the forms filings print
(full name, short form, full-width brackets, a line break), plus names no unit answers to."""

from __future__ import annotations

import gc
import math
import random
import tempfile
import time
from pathlib import Path

import yaml

DEPARTMENTS = (
    "财政局",
    "教育局",
    "卫生健康委员会",
    "人力资源和社会保障局",
    "住房和城乡建设局",
    "交通运输局",
    "农业农村局",
    "水务局",
    "文化和旅游局",
    "市场监督管理局",
    "应急管理局",
    "统计局",
    "审计局",
    "民政局",
    "司法局",
    "自然资源局",
    "生态环境局",
    "商务局",
    "退役军人事务局",
    "医疗保障局",
)
PARTY = ("委员会办公室", "委员会组织部", "委员会宣传部", "委员会统战部", "委员会政法委员会")


def registry_data(n_units: int) -> dict:
    """A province's registry holding n_units units (jurisdictions as many as they need)."""
    per = len(DEPARTMENTS) + len(PARTY) + 25  # departments, party offices, and numbered 中心/站/所
    n_jurisdictions = max(1, math.ceil(n_units / per))
    jurisdictions = [{"code": "p", "name": "模拟省", "level": "province"}]
    city = "p"
    for c in range(1, n_jurisdictions):
        if (c - 1) % 12 == 0:  # a city, then its eleven counties
            city = f"j{c}"
            jurisdictions.append({"code": city, "name": f"模拟{c}市", "level": "city", "parent": "p"})
        else:
            jurisdictions.append({"code": f"j{c}", "name": f"模拟{c}县", "level": "county", "parent": city})
    units = []
    for j in jurisdictions:
        place = j["name"]
        names = [(place + d, []) for d in DEPARTMENTS]
        names += [(f"中国共产党{place}{p}", [f"中共{place}{p.replace('委员会', '委', 1)}"]) for p in PARTY]
        names += [(f"{place}第{k}事业服务中心（{place}第{k}站）", [f"{place}第{k}事业服务中心"]) for k in range(25)]
        for k, (name, aliases) in enumerate(names):
            if len(units) == n_units:
                break
            entry = {"code": f"{j['code']}-u{k}", "jurisdiction": j["code"], "name": name, "first_year": 2015}
            if aliases:
                entry["aliases"] = aliases
            units.append(entry)
    sites = [
        {
            "key": f"site-{j['code']}",
            "jurisdiction": j["code"],
            "family": "trs_wcm",
            "start_urls": ["http://x.invalid/"],
        }
        for j in jurisdictions
    ]
    return {"jurisdictions": jurisdictions, "units": units, "sites": sites}


def printed_forms(data: dict, n: int, rng: random.Random) -> list[str]:
    """n unit names as titles print them: a registered name, a short form, full-width brackets,
    a line break inside; one in five names no registered unit."""
    units = data["units"]
    out = []
    for i in range(n):
        u = units[rng.randrange(len(units))]
        name = rng.choice([u["name"], *u.get("aliases", [])])
        form = i % 5
        if form == 1:
            name = name.replace("(", "（").replace(")", "）")
        elif form == 2:
            name = name[: len(name) // 2] + "\n" + name[len(name) // 2 :]
        elif form == 3:
            name = name.replace("中共", "中国共产党")
        elif form == 4:
            name = name[:-1]  # a truncated name: no unit, never guessed
        out.append(name)
    return out


def exponent(sizes: list[int], seconds: list[float]) -> float:
    """Least-squares slope of log(seconds) on log(size): cost ∝ size^exponent."""
    xs, ys = [math.log(s) for s in sizes], [math.log(max(t, 1e-9)) for t in seconds]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)


def bench_registry(sizes=(500, 5000, 20000), titles: int = 2000) -> dict:
    from registry.model import load_registry

    rng = random.Random(21)
    rows = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            data = registry_data(n)
            path = Path(tmp) / f"registry-{n}.yaml"
            path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
            gc.collect()  # the previous size's garbage is not charged to this one
            started, cpu = time.perf_counter(), time.process_time()
            registry = load_registry(path)
            load_s, load_cpu = time.perf_counter() - started, time.process_time() - cpu
            started = time.perf_counter()
            again = load_registry(path)  # the same process asks again (every task of a worker does)
            cached_s = time.perf_counter() - started
            cached = again.units is registry.units  # a copy for the caller, the units shared
            names = printed_forms(data, titles, rng)
            started, cpu = time.perf_counter(), time.process_time()
            matched = sum(registry.resolve_unit(name) is not None for name in names)
            match_s, match_cpu = time.perf_counter() - started, time.process_time() - cpu
            rows[n] = {
                "units": len(registry.units),
                "load_s": load_s,
                "load_cpu_s": load_cpu,
                "cached_s": cached_s if cached else None,
                "match_ms": match_s / len(names) * 1000,
                "match_cpu_ms": match_cpu / len(names) * 1000,
                "matched": matched,
                "titles": len(names),
            }
    sizes = list(rows)
    return {
        "rows": rows,
        "load_exponent": exponent(sizes, [rows[n]["load_s"] for n in sizes]),
        "load_cpu_exponent": exponent(sizes, [rows[n]["load_cpu_s"] for n in sizes]),
        "match_exponent": exponent(sizes, [rows[n]["match_ms"] for n in sizes]),
        "match_cpu_exponent": exponent(sizes, [rows[n]["match_cpu_ms"] for n in sizes]),
    }
