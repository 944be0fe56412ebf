"""How long a person waits in the browser (issue 19): a new session's Overview, a window change, a page switch,
Compare, a drill-down. Medians of `--runs` fresh sessions, in a real chromium on the bundled sample.

    python -m bench.browser_timing --runs 3

A step ends when the app's "running" indicator has gone and the step's own content is on the page. Not a test.
"""

from __future__ import annotations

import argparse
import statistics
import time

from bench.serve import CHROMIUM, CHROMIUM_ARGS, app_server

RUNNING = "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"


def _done(page, content: str | None = None) -> None:
    page.wait_for_timeout(100)  # the indicator shows only once a run is under way
    page.wait_for_function(RUNNING, timeout=120_000, polling=50)
    if content:  # a heading's exact words, else any text containing them
        main = page.locator('[data-testid="stMain"]')
        exact = main.get_by_role("heading", name=content, exact=True)
        (exact if exact.count() else main.get_by_text(content)).first.wait_for(timeout=60_000)


def _new_tab(context, url: str) -> float:
    """A new tab of a browser that has the app open already (its files cached): a new Streamlit session."""
    page = context.new_page()
    t = time.perf_counter()
    page.goto(url)
    page.get_by_text("Truly resolved by the AI").first.wait_for(timeout=120_000)
    out = time.perf_counter() - t
    page.close()
    return out


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
    steps = [
        ("window 72 h -> 24 h", lambda: page.get_by_role("button", name="24 h").click(), None),
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
    args = ap.parse_args()
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


if __name__ == "__main__":
    main()
