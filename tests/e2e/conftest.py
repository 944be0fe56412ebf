"""A real Streamlit server and Debian's chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil

import pytest

from bench.serve import CHROMIUM, CHROMIUM_ARGS, app_server


@pytest.fixture(scope="module")
def served():
    """(url, server process) shared by the module's tests: one server start and one sample preparation."""
    with app_server() as (url, proc):
        yield url, proc


@pytest.fixture(scope="module")
def server(served):
    return served[0]


@pytest.fixture(scope="module")
def browser():
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.skip("Debian chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
        )
        yield b
        b.close()


@pytest.fixture(autouse=True)
def _close_pages(request):
    """Each test's pages closed when it ends: open tabs of earlier tests slowed later ones (20 s -> 57 s for the
    every-page walk at the end of the module)."""
    yield
    if "browser" in request.fixturenames:
        for context in list(request.getfixturevalue("browser").contexts):
            context.close()
