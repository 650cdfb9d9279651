"""Bill text: versions parsed per second; what-changed diffs against a naive one in the same run.

The five real GovInfo BILLS XML bodies (H.R. 1500's ih, rh, eh, rfs and H.R. 6972's ih, 60-97 KB)
are parsed --repeat times; the two diffs of the largest versions (eh -> rfs: same words, ih -> eh:
ten sections added, one moved, most reworded) are timed through `models.billtext.diff_sections`
(sections aligned, then word marks for the reworded ones), and against the naive baseline: one
word-level difflib over the two versions' whole plain text, no sections.
The last line printed is one JSON object with the figures.

    python -m bench.billtext_bench [--repeat 50] [--diff-repeat 20] [--baseline-repeat 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from difflib import SequenceMatcher
from functools import partial
from pathlib import Path
from typing import Any

from crawlers.spiders.us.bill_text_xml import parse_bill_text
from models.billtext import Section, TextVersionRecord, diff_sections, plain_text

ROOT = Path(__file__).resolve().parent.parent
BODIES = ROOT / "cassettes/us-govinfo-billstatus/bodies"
VERSIONS = ("116hr1500ih", "116hr1500rh", "116hr1500eh", "116hr1500rfs", "115hr6972ih")
PAIRS = (("eh", "rfs"), ("ih", "eh"))


def read_bodies() -> dict[str, bytes]:
    return {name: (BODIES / f"BILLS-{name}.xml").read_bytes() for name in VERSIONS}


def parse(name: str, body: bytes) -> TextVersionRecord:
    url = f"https://www.govinfo.gov/content/pkg/BILLS-{name}/xml/BILLS-{name}.xml"
    return parse_bill_text(body, url=url, source="us-govinfo-billstatus", bill_external_id=name)


def naive_diff(old: list[Section], new: list[Section]) -> list[Any]:
    """The baseline: one word-level difflib over the whole texts, as a reader of two plain
    texts would diff them."""
    a, b = plain_text(old).split(), plain_text(new).split()
    return SequenceMatcher(None, a, b, autojunk=False).get_opcodes()


def median_ms(work: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def measure(repeat: int, diff_repeat: int, baseline_repeat: int) -> dict[str, Any]:
    bodies = read_bodies()
    start = time.perf_counter()
    for _ in range(repeat):
        records = {name: parse(name, body) for name, body in bodies.items()}
    parse_s = time.perf_counter() - start
    sections = {name.removeprefix("116hr1500"): r.sections for name, r in records.items()}
    figures: dict[str, Any] = {
        "versions": len(bodies),
        "bytes": sum(map(len, bodies.values())),
        "repeat": repeat,
        "versions_per_s": round(len(bodies) * repeat / parse_s, 1),
    }
    for old, new in PAIRS:
        pair = f"{old}_{new}"
        diff = diff_sections(sections[old], sections[new])
        print(f"{old} -> {new}: {diff.sentence()}")
        ours = median_ms(partial(diff_sections, sections[old], sections[new]), diff_repeat)
        naive = median_ms(partial(naive_diff, sections[old], sections[new]), baseline_repeat)
        figures[f"diff_{pair}_ms"] = round(ours, 2)
        figures[f"naive_{pair}_ms"] = round(naive, 2)
        figures[f"speedup_{pair}_vs_naive"] = round(naive / ours, 1)
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=50, help="parses of the five versions")
    parser.add_argument("--diff-repeat", type=int, default=20, help="timed runs per diff")
    parser.add_argument("--baseline-repeat", type=int, default=3, help="timed naive runs")
    args = parser.parse_args(argv)
    figures = measure(args.repeat, args.diff_repeat, args.baseline_repeat)
    print(
        f"{figures['versions_per_s']:,} versions/s parsed"
        f" ({figures['bytes']:,} bytes x {args.repeat})"
    )
    for old, new in PAIRS:
        pair = f"{old}_{new}"
        print(
            f"{old} -> {new}: {figures[f'diff_{pair}_ms']} ms by section,"
            f" naive {figures[f'naive_{pair}_ms']} ms: {figures[f'speedup_{pair}_vs_naive']}x"
        )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
