"""Regenerate the committed fixture JSON from the seeds in replica/seed_texts (deterministic)."""

from __future__ import annotations

from pathlib import Path

from disclosure.settings import PROJECT_ROOT
from replica.seeds import read_performance_seed, read_seed
from replica.transcribe import transcribe

# The four seeds (../shared/seeds) are kept in the repository too (replica/seed_texts), so that a fresh clone can
# rebuild its fixtures; tests/test_seed_000.py checks the copies against the originals.
SEEDS_DIR = Path(__file__).with_name("seed_texts")
SHARED_SEEDS_DIR = PROJECT_ROOT.parent / "shared" / "seeds"
# Seeds whose tables are tab-separated text; 000 is an OCR text of a scan, transcribed on top
# of seed 001's forms (so it is built after them).
TABULAR_SEEDS = ("001", "002")
# Seed 003 is a 绩效情况说明 (no tables): its own fixture name keeps it out of the final-accounts set.
PERFORMANCE_SEEDS = ("003",)


def build_fixtures(seeds_dir: Path = SEEDS_DIR, out_dir: Path | None = None) -> list[Path]:
    out_dir = out_dir or Path(__file__).with_name("fixtures")
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for seed in TABULAR_SEEDS:
        (path,) = seeds_dir.glob(f"{seed}_*.txt")
        target = out_dir / f"seed_{seed}.json"
        target.write_text(read_seed(path).to_json() + "\n", encoding="utf-8")
        written.append(target)
    target = out_dir / "transcribed_000.json"  # seed 000: an OCR text, transcribed (replica.transcribe)
    target.write_text(transcribe(seeds_dir, out_dir).to_json() + "\n", encoding="utf-8")
    written.append(target)
    for seed in PERFORMANCE_SEEDS:
        (path,) = seeds_dir.glob(f"{seed}_*.txt")
        target = out_dir / f"performance_{seed}.json"
        target.write_text(read_performance_seed(path).to_json() + "\n", encoding="utf-8")
        written.append(target)
    return written
