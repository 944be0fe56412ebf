"""Every page as a person sees it: screenshots and page text, on the sample or on uploaded files.

    python -m bench.screens --out /tmp/screens [--width 390] [--dark] [FILE ...]

Serves the app, opens it in chromium (Debian's, at /usr/bin/chromium), uploads the files if any, then visits
each page through the sidebar (one browser session, as a user would) and writes `<page>.png` and `<page>.txt`.
The browser tests use `visit_pages` to read every page's text.
"""

from __future__ import annotations

import argparse
import pathlib
from collections.abc import Iterator

from bench.serve import CHROMIUM, CHROMIUM_ARGS, app_server

PAGES = (
    "Overview",
    "What to fix next",
    "Resolution",
    "Efficiency",
    "Experience",
    "Business impact",
    "Topics",
    "Check the resolution",
    "Compare",
    "Changes and next weeks",
    "Monitor",
    "Data",
    "How we measure",
)


def _settled(page, timeout: int = 120_000) -> None:
    """Wait until the script run is over (no running indicator) and the page has a title."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout)
    page.wait_for_timeout(150)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout, polling=200
    )
    page.locator("h1").first.wait_for(timeout=timeout)


def upload(page, files: list[str], label: str = "Export files") -> None:
    page.get_by_test_id("stSidebarNav").get_by_text("Data", exact=True).click()
    _settled(page)
    box = page.get_by_test_id("stFileUploader").filter(has_text=label)
    box.locator('input[type="file"]').set_input_files(files)
    page.get_by_text("Files in use").wait_for(timeout=120_000)  # shown once the uploads are loaded
    _settled(page)


PATHS = dict(
    zip(
        PAGES,
        (
            "overview",
            "insights",
            "resolution",
            "efficiency",
            "experience",
            "business",
            "topics",
            "check-resolution",
            "compare",
            "changes",
            "monitor",
            "data",
            "how-we-measure",
        ),
    )
)


def visit_pages(page, pages: tuple[str, ...] = PAGES, base: str = "") -> Iterator[tuple[str, str]]:
    """(page title, its visible text) for each page, reached by the sidebar navigation (one session), or by
    address when `base` is given (a phone-sized window hides the sidebar; each address opens a new session)."""
    for title in pages:
        for attempt in range(3):  # a click that lands while the previous run is still drawing can be lost
            if base:
                page.goto(f"{base}/{PATHS[title]}")
            else:
                page.get_by_test_id("stSidebarNav").get_by_text(title, exact=True).click()
            try:
                if not base and title != PAGES[0]:  # a lost click leaves the address as it was: retry soon
                    page.wait_for_url(f"**/{PATHS[title]}*", timeout=5_000)
                _settled(page, timeout=40_000)
                break
            except Exception:
                if attempt == 2:
                    raise
        page.wait_for_timeout(250)  # charts draw after the script run
        _settled(page)
        yield title, page.locator('[data-testid="stMain"]').inner_text()


def main() -> None:
    from playwright.sync_api import sync_playwright

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="*")
    ap.add_argument("--out", default="/tmp/screens")
    ap.add_argument("--width", type=int, default=1440)
    ap.add_argument("--dark", action="store_true")
    args = ap.parse_args()
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with app_server() as (url, _proc), sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        ctx = browser.new_context(
            viewport={"width": args.width, "height": 900}, color_scheme="dark" if args.dark else "light"
        )
        page = ctx.new_page()
        page.goto(url)
        _settled(page)
        if args.files:
            upload(page, [str(pathlib.Path(f).resolve()) for f in args.files])
        narrow = args.width < 700 and not args.files  # uploads live in one session: keep it
        for title, text in visit_pages(page, base=url if narrow else ""):
            name = title.lower().replace(" ", "_")
            page.screenshot(path=str(out / f"{name}.png"), full_page=True)
            (out / f"{name}.txt").write_text(text)
            print(out / f"{name}.png")
        browser.close()


if __name__ == "__main__":
    main()
