"""Concurrent users on loopback: each uploads its own export in a real browser at the same time.

    python -m bench.load_test --users 6 --conversations 20000

Every user gets a different file (its own number of conversations and one rejected row
carrying its name). The script uploads all files at once, then checks that each browser
shows exactly its own counts and that its downloaded rejected-rows CSV names only its own
file. It reports the time until every user saw their numbers and the server's memory
(RSS) before and after. Bounded: at most `--users` browser contexts and `--timeout`
seconds per wait. The browser test suite runs it with 3 users.
"""

from __future__ import annotations

import argparse
import csv
import io
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.serve import CHROMIUM, CHROMIUM_ARGS, app_server, rss_mb

HEADER = "conversation_id,customer_id,created_at,handled_by,issue_category,csat\n"


@dataclass
class Outcome:
    users: int
    conversations_each: list[int]
    seconds_to_all_numbers: float
    rss_before_mb: float
    rss_after_mb: float
    isolation_ok: bool


def user_file(folder: Path, i: int, n: int) -> tuple[Path, int]:
    """User i's export: n + 37 i conversations that load, plus one rejected row naming the user."""
    total = n + 37 * i
    lines = [HEADER]
    for k in range(total):
        day = 1 + k % 28
        who = "ai" if k % 3 else "human"
        lines.append(f"u{i}-c{k},cust{k % 997},2025-02-{day:02d}T{k % 24:02d}:00:00Z,{who},cat{k % 7},{1 + k % 5}\n")
    lines.append(f"user{i}-bad-row,,2025-02-01T10:00:00Z,ai,catX,3\n")  # no customer id: rejected
    path = folder / f"user{i}.csv"
    path.write_text("".join(lines))
    return path, total


def _metric(page, label: str) -> str:
    box = page.locator('[data-testid="stMetric"]').filter(has_text=label)
    return box.locator('[data-testid="stMetricValue"]').inner_text()


def run(url: str, pid: int, browser, users: int, conversations: int, folder: Path, timeout_s: float = 120) -> Outcome:
    ms = int(timeout_s * 1000)
    files = [user_file(folder, i, conversations) for i in range(users)]
    pages = [browser.new_context(accept_downloads=True).new_page() for _ in range(users)]
    for p in pages:
        p.goto(url + "/data")
    for p in pages:
        p.get_by_text("What was loaded").wait_for(timeout=ms)
    before = rss_mb(pid)
    start = time.monotonic()
    for p, (path, _) in zip(pages, files):  # all uploads in flight together
        box = p.get_by_test_id("stFileUploader").filter(has_text="Export files")
        box.locator('input[type="file"]').set_input_files(str(path))
    ok = True
    for p, (path, total) in zip(pages, files):
        p.get_by_text(f"{path.name}: conversations").wait_for(timeout=ms)
        ok &= _metric(p, "Rows loaded") == f"{total:,}" and _metric(p, "Rows rejected") == "1"
        ok &= p.get_by_text(f"Your data: {total:,} conversations").count() == 1
    elapsed = time.monotonic() - start
    for i, p in enumerate(pages):
        with p.expect_download(timeout=ms) as info:
            p.get_by_text("Download all issues (CSV)").click()
        rows = list(csv.DictReader(io.StringIO(Path(info.value.path()).read_text())))
        ok &= [r["file"] for r in rows] == [f"user{i}.csv"]
    after = rss_mb(pid)
    for p in pages:
        p.context.close()
    return Outcome(users, [t for _, t in files], elapsed, before, after, ok)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--users", type=int, default=4)
    ap.add_argument("--conversations", type=int, default=20_000)
    ap.add_argument("--timeout", type=float, default=300)
    a = ap.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp, app_server() as (url, proc), sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        idle = rss_mb(proc.pid)
        out = run(url, proc.pid, browser, a.users, a.conversations, Path(tmp), a.timeout)
        browser.close()
    print("| users | conversations each | all numbers shown after | server RSS idle / before / after | isolated |")
    print("|---|---|---|---|---|")
    print(
        f"| {out.users} | {min(out.conversations_each):,}-{max(out.conversations_each):,} | "
        f"{out.seconds_to_all_numbers:.1f} s | {idle:,.0f} / {out.rss_before_mb:,.0f} / {out.rss_after_mb:,.0f} MB | "
        f"{'yes' if out.isolation_ok else 'NO'} |"
    )


if __name__ == "__main__":
    main()
