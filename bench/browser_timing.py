"""How long a person waits in the browser (issue 19): a new session's Overview, a window change, a page switch,
Compare, a drill-down. Medians of `--runs` fresh sessions, in a real chromium on the bundled sample.

    python -m bench.browser_timing --runs 3
    python -m bench.browser_timing --runs 1 --data conversations.csv.gz messages.csv.gz accounts.csv.gz

With `--data` the files are uploaded on the Data page of a new session (gzip them to stay under the upload
limit), then the first Overview and the same steps are timed; the server's RSS is printed too.

A step ends when the app's script run is over (its script state and "running" indicator) and the step's own
content is on the page. Not a test.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from bench.serve import CHROMIUM, CHROMIUM_ARGS, app_server, rss_mb

# The run is over: the app's own script state (set as soon as a rerun is asked for; the status widget shows only
# after about 200 ms, so waiting for it alone ended a step before a slow page had finished).
RUNNING = (
    "() => { const a = document.querySelector('[data-testid=\"stApp\"]');"
    " return !!a && a.dataset.testScriptState === 'notRunning'"
    " && !document.querySelector('[data-testid=\"stStatusWidget\"]'); }"
)


def _done(page, content: str | None = None) -> None:
    page.wait_for_timeout(100)  # the indicator shows only once a run is under way
    page.wait_for_function(RUNNING, timeout=120_000, polling=50)
    if content:  # a heading's exact words, else any text containing them
        main = page.locator('[data-testid="stMain"]')
        exact = main.get_by_role("heading", name=content, exact=True)
        (exact if exact.count() else main.get_by_text(content).filter(visible=True)).first.wait_for(timeout=60_000)


def _new_tab(context, url: str) -> float:
    """A new tab of a browser that has the app open already (its files cached): a new Streamlit session."""
    page = context.new_page()
    t = time.perf_counter()
    page.goto(url)
    page.get_by_text("Truly resolved by the AI").first.wait_for(timeout=120_000)
    out = time.perf_counter() - t
    page.close()
    return out


def _steps(page, out: dict[str, float]) -> None:
    """The steps a person takes after the Overview, each timed until its own content is on the page."""
    steps = [
        ("window 72 h -> 24 h", lambda: page.get_by_role("button", name="24 h").click(), "Truly resolved by the AI"),
        (
            "switch page (Resolution)",
            lambda: page.get_by_test_id("stSidebarNav").get_by_text("Resolution", exact=True).click(),
            "By category",
        ),
        (
            "drill-down opened",
            lambda: page.get_by_text("Drill down: the conversations behind a number").first.click(),
            "Choose a row to read the conversation",
        ),
        (
            "Compare: every value against the rest",
            lambda: (
                page.get_by_test_id("stSidebarNav").get_by_text("Compare", exact=True).click(),
                _done(page, "Every value against the rest"),
                page.get_by_text("Every value against the rest").click(),
            ),
            "Clear difference",
        ),
    ]
    for name, act, content in steps:
        t = time.perf_counter()
        act()
        _done(page, content)
        out[name] = time.perf_counter() - t
        _no_error(page, name)


def _no_error(page, step: str) -> None:
    """A step that ends on an error page is a failure, not a time."""
    if page.get_by_text("This app has encountered an error").count() or page.get_by_test_id("stException").count():
        raise RuntimeError(f"the app showed an error after the step '{step}'")


def one_session(browser, url: str) -> dict[str, float]:
    """A first visit (a browser profile of its own, nothing cached), then the steps a person takes."""
    page = browser.new_context(viewport={"width": 1440, "height": 900}).new_page()
    out = {}
    t = time.perf_counter()
    page.goto(url)
    page.get_by_text("Truly resolved by the AI").first.wait_for(timeout=120_000)  # the headline cards
    out["new session, first visit: Overview numbers"] = time.perf_counter() - t
    page.get_by_text("From AI conversations to truly resolved").wait_for(timeout=120_000)  # the waterfall drawn
    out["new session, first visit: Overview drawn"] = time.perf_counter() - t
    _steps(page, out)
    page.context.close()
    return out


def data_session(browser, url: str, paths: list[str]) -> dict[str, float]:
    """Your own files (`--data`): uploaded on the Data page, then the Overview and the same steps."""
    page = browser.new_context(viewport={"width": 1440, "height": 900}).new_page()
    out = {}
    page.goto(url + "/data")
    page.get_by_text("What was loaded").wait_for(timeout=120_000)
    t = time.perf_counter()
    box = page.get_by_test_id("stFileUploader").filter(has_text="Export files")
    box.locator('input[type="file"]').set_input_files(paths)
    page.get_by_text("Your data:").first.wait_for(timeout=1_800_000)
    _done(page)
    out["upload and load (Data page)"] = time.perf_counter() - t
    _no_error(page, "upload")
    print(page.get_by_text("Your data:").first.inner_text())  # what was loaded, as the sidebar says it
    t = time.perf_counter()
    page.get_by_test_id("stSidebarNav").get_by_text("Overview", exact=True).click()
    _done(page, "Truly resolved by the AI")
    out["first Overview (signals, topics, insights)"] = time.perf_counter() - t
    _no_error(page, "first Overview")
    _steps(page, out)
    page.context.close()
    return out


def _floor_session(browser, url: str) -> float:
    page = browser.new_context(viewport={"width": 1440, "height": 900}).new_page()
    t = time.perf_counter()
    page.goto(url)
    page.get_by_text("Truly resolved by the AI").first.wait_for(timeout=120_000)
    out = time.perf_counter() - t
    page.context.close()
    return out


def main() -> None:
    from playwright.sync_api import sync_playwright

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--data", nargs="+", help="time these files instead of the sample (upload, then the steps)")
    args = ap.parse_args()
    if args.data:
        _time_data(args)
        return
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        with app_server("bench/hello_app.py") as (url, _proc):  # Streamlit's own cost of a new session
            _floor_session(browser, url)
            floor = statistics.median(_floor_session(browser, url) for _ in range(args.runs))
        with app_server() as (url, _proc):
            first = one_session(browser, url)  # the process's first session also prepares the shared sample
            runs = [one_session(browser, url) for _ in range(args.runs)]
            tabs = browser.new_context(viewport={"width": 1440, "height": 900})
            _new_tab(tabs, url)
            for r in runs:
                r["new tab: Overview numbers"] = _new_tab(tabs, url)
            tabs.close()
        browser.close()
    print(
        f"first session of the server process: Overview drawn in {first['new session, first visit: Overview drawn']:.2f} s"
    )
    print(f"floor: a new session of a one-number Streamlit page (bench/hello_app.py) shows it in {floor:.2f} s")
    print("| step (bundled sample) | median | target |")
    print("|---|---|---|")
    for name in runs[0]:
        target = "3 s" if name.startswith("new ") else "1 s"
        print(f"| {name} | {statistics.median(r[name] for r in runs):.2f} s | {target} |")


def _time_data(args) -> None:
    from playwright.sync_api import sync_playwright

    paths = [os.path.abspath(p) for p in args.data]
    big = max(os.path.getsize(p) for p in paths) // 1_000_000 + 10  # the server accepts files this large
    with sync_playwright() as pw, app_server(extra=["--server.maxUploadSize", str(big)]) as (url, proc):
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        runs, peak = [], 0.0
        for _ in range(args.runs):
            runs.append(data_session(browser, url, paths))
            peak = max(peak, rss_mb(proc.pid))
        browser.close()
    size = sum(os.path.getsize(p) for p in paths) / 1e6
    print(f"files: {', '.join(os.path.basename(p) for p in paths)} ({size:,.0f} MB); server RSS after: {peak:,.0f} MB")
    print(f"| step ({len(runs)} session{'s' if len(runs) > 1 else ''}, median) | time | target |")
    print("|---|---|---|")
    for name in runs[0]:
        target = "2 s" if name in _STEP_NAMES else "-"
        print(f"| {name} | {statistics.median(r[name] for r in runs):.2f} s | {target} |")


_STEP_NAMES = (
    "window 72 h -> 24 h",
    "switch page (Resolution)",
    "drill-down opened",
    "Compare: every value against the rest",
)


if __name__ == "__main__":
    main()
