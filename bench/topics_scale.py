"""Topic discovery at scale (issue 20): time and peak memory of grouping N first messages.

The texts are the bundled sample's first customer messages, each varied the way real messages vary (an order
number, a few words of its own, a typo-like word drop), drawn with a fixed seed up to N:

    python -m bench.topics_scale --n 1000000
"""

from __future__ import annotations

import argparse
import gzip
import resource
import time
from pathlib import Path

import numpy as np

from metrics.compute import topics

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data" / "messages.csv.gz"
EXTRA = "please today again still urgent thanks hello asap now yesterday week morning help".split()


def texts(n: int, seed: int = 0) -> list[str]:
    import csv
    import io

    with gzip.open(SAMPLE, "rt", encoding="utf-8") as f:
        seen, firsts = set(), []
        for row in csv.DictReader(io.StringIO(f.read())):
            if row["author_type"] == "customer" and row["conversation_id"] not in seen:
                seen.add(row["conversation_id"])
                firsts.append(row["text"])
    rng = np.random.default_rng(seed)
    base = rng.integers(0, len(firsts), n)
    extra = rng.integers(0, len(EXTRA), (n, 2))
    numbers = rng.integers(10_000, 99_999, n)
    out = []
    for i in range(n):
        words = firsts[base[i]].split()
        if len(words) > 3 and numbers[i] % 3 == 0:
            words.pop(int(numbers[i]) % len(words))  # a word left out
        out.append(f"{' '.join(words)} {EXTRA[extra[i, 0]]} {EXTRA[extra[i, 1]]} #{numbers[i]}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=1_000_000)
    args = ap.parse_args()
    t0 = time.perf_counter()
    docs = texts(args.n)
    made = time.perf_counter() - t0
    t0 = time.perf_counter()
    labels, found = topics.discover(docs)
    took = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{args.n:,} texts (made in {made:.1f} s): {len(found)} topics in {took:.1f} s; peak RSS {rss:,.0f} MB")
    for t in found[:8]:
        print(f"  {t.conversations:>9,}  {t.name}")


if __name__ == "__main__":
    main()
