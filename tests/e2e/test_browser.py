"""Upload through a real browser, as a support leader would."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

CSV = (
    "conversation_id,customer_id,created_at,handled_by,issue_category\n"
    "c1,u1,2025-03-01T10:00:00Z,ai,Billing\n"
    "c2,u2,2025-03-01T11:00:00Z,human,<img src=x onerror=alert(1)>\n"
    "c3,u3,2025-03-01,ai\n"
)


def _upload(page, path) -> None:
    box = page.get_by_test_id("stFileUploader").filter(has_text="Export files")
    box.locator('input[type="file"]').set_input_files(str(path))


def _metric(page, label: str) -> str:
    box = page.locator('[data-testid="stMetric"]').filter(has_text=label)
    return box.locator('[data-testid="stMetricValue"]').inner_text()


def test_first_deep_link_shows_our_navigation_and_the_sample(server, browser):
    page = browser.new_page()
    page.goto(server + "/data")
    page.get_by_text("You are looking at sample data").wait_for(timeout=60_000)
    nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
    assert "Overview" in nav and "Data" in nav and "app" not in nav.split()
    page.close()


def test_two_browser_sessions_do_not_share_data(server, browser, tmp_path):
    """An upload in one session: its quality summary there, the sample untouched in the other."""
    f = tmp_path / "mine.csv"
    f.write_text(CSV)
    a = browser.new_context().new_page()
    b = browser.new_context().new_page()
    a.goto(server + "/data")
    b.goto(server + "/")
    a.get_by_text("What was loaded").wait_for(timeout=60_000)
    _upload(a, f)
    a.get_by_text("mine.csv: conversations").wait_for(timeout=60_000)
    assert (_metric(a, "Rows read"), _metric(a, "Rows loaded"), _metric(a, "Rows rejected")) == (
        "3",
        "2",
        "1",
    )  # c3 has 4 fields, not 5
    assert a.get_by_text("You are looking at sample data").count() == 0
    b.get_by_text("You are looking at sample data").wait_for(timeout=60_000)
    b.reload()
    b.get_by_text("You are looking at sample data").wait_for(timeout=60_000)
    b.get_by_text("From AI conversations to truly resolved").wait_for(timeout=60_000)
    assert b.get_by_text("Sample data: 19,265 conversations").count() == 1  # the sidebar badge
    assert b.get_by_text("mine.csv").count() == 0


def test_uploading_the_sample_files_reproduces_the_cli_counts(server, browser, tmp_path):
    import json
    from pathlib import Path

    from metrics.core import db as dbmod
    from metrics.core.settings import Settings
    from metrics.load import ingest
    from metrics.present.report import data_block

    sample = sorted((Path(__file__).resolve().parents[2] / "sample_data").glob("*.csv.gz"))
    db = dbmod.connect()  # what the CLI loads and counts (its data block), without the rest of its report
    ingest.load(db, [(p.name, p.read_bytes()) for p in sample], Settings())
    d = json.loads(json.dumps(data_block(db, Settings()), default=str))
    db.close()

    page = browser.new_context().new_page()
    page.goto(server + "/data")
    page.get_by_text("What was loaded").wait_for(timeout=60_000)
    box = page.get_by_test_id("stFileUploader").filter(has_text="Export files")
    box.locator('input[type="file"]').set_input_files([str(p) for p in sample])
    page.get_by_text("Your data:").wait_for(timeout=120_000)
    total = d["conversations"] + d["messages"] + d["accounts"]
    assert _metric(page, "Rows read") == f"{total:,}"
    assert _metric(page, "Rows rejected") == f"{d['rejected_rows']:,}"
    badge = f"Your data: {d['conversations']:,} conversations, {d['messages']:,} messages, {d['accounts']:,} accounts"
    assert page.get_by_text(badge).count() == 1


def _pick_topic(page, n: int) -> str:
    """Choose the n-th topic in the Topics page's rename box; returns its words as shown."""
    page.get_by_test_id("stMultiSelect").filter(has_text="Topics").click()
    if not page.get_by_role("option").count():  # a click after scrolling can focus without opening the list
        page.keyboard.press("ArrowDown")
    option = page.get_by_role("option").filter(has_not_text="Select all").nth(n)
    text = option.inner_text()
    option.click()
    page.keyboard.press("Escape")
    return text


def test_rename_and_merge_topics_then_download_the_excel_summary(server, browser, tmp_path):
    """Issue 20: rename a topic and merge two others on the Topics page; the new names are on the Resolution
    page and on the Excel summary's Topics sheet (downloaded and opened), and the merged size is the sum."""
    import openpyxl

    from bench.screens import _settled, visit_pages

    page = browser.new_context(accept_downloads=True).new_page()
    page.goto(server + "/topics")
    page.get_by_text("Rename or merge topics").wait_for(timeout=120_000)
    _settled(page)
    first = _pick_topic(page, 0)
    page.get_by_label("Name").fill("Locked out")
    page.get_by_role("button", name="Apply").click()
    page.get_by_text("Back to the names found").wait_for(timeout=60_000)
    _settled(page)
    second, third = _pick_topic(page, 1), _pick_topic(page, 1)  # a chosen topic leaves the list
    page.get_by_label("Name").fill("Orders and money")
    page.get_by_role("button", name="Apply").click()
    for _ in range(120):  # the topic table, once the run is over
        if "Orders and money" in _page_words(page):
            break
        page.wait_for_timeout(500)
    _settled(page)
    assert second not in _page_words(page)
    for _title, _text in visit_pages(page, ("Resolution",)):
        words = _page_words(page)
        assert "Locked out" in words and "Orders and money" in words and first not in words
    page.get_by_text("Prepare the Excel summary").click()
    try:
        page.get_by_text("Download the Excel summary").wait_for(timeout=120_000)
    except Exception:
        page.screenshot(path=str(tmp_path / "excel-timeout.png"))
        raise
    with page.expect_download(timeout=60_000) as info:
        page.get_by_text("Download the Excel summary").click()
    download = info.value
    assert download.suggested_filename == "ai-support-summary_2025-01-01_2025-12-31.xlsx"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[0] == "Summary"
    assert wb["Summary"]["A6"].value == "Deflected (no human involved)"
    first_table = itertools.takewhile(lambda r: r[0] is not None, wb["Topics"].iter_rows(min_row=3, values_only=True))
    topics = {r[0]: (r[1], r[5]) for r in first_table}
    assert topics["Locked out"][1] == first  # renamed: the name it was found under
    assert topics["Orders and money"][1] == f"{second} + {third}"
    # Issue 17: a negative duration must not be a time cell (Excel shows ##### for negative times)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, (int, float)) and c.value < 0:
                    assert "h]" not in c.number_format.split(";")[0] or ";" in c.number_format, (ws.title, c.coordinate)


def test_concurrent_users_each_see_only_their_own_numbers_and_downloads(served, browser, tmp_path):
    """Three users upload different files at the same time (bench/load_test.py with 3 users), on the module's
    server (other tests' sessions live there too, as on a real server)."""
    from bench.load_test import run

    url, proc = served
    out = run(url, proc.pid, browser, users=3, conversations=800, folder=tmp_path)
    assert out.isolation_ok
    assert out.rss_after_mb < 3000  # bounded: the sessions' databases and the sample


def test_drill_down_download_has_every_conversation_behind_the_number(server, browser, tmp_path):
    """The table shows the first 1,000; the CSV, built only on click, has all of them."""
    import csv
    import re

    page = browser.new_context(accept_downloads=True).new_page()
    page.goto(server + "/")
    page.get_by_text("From AI conversations to truly resolved").wait_for(timeout=120_000)
    page.get_by_text("Drill down: the conversations behind a number").click()
    caption = page.get_by_text(re.compile(r"^[\d,]+ conversations\. Showing the first 1,000"))
    caption.wait_for(timeout=60_000)
    n = int(caption.inner_text().split(" ")[0].replace(",", ""))
    button = page.get_by_text("Download these conversations (CSV)")
    button.wait_for(timeout=60_000)
    for attempt in range(3):  # a click that lands while the page is still re-rendering is lost: click again
        try:
            with page.expect_download(timeout=40_000) as info:
                button.click()
            break
        except Exception:
            if attempt == 2:
                page.screenshot(path=str(tmp_path / "drill-download.png"))
                raise
    with open(info.value.path(), newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == n > 1000
    assert {r["handled_by"] for r in rows} == {"ai"}  # true resolution's population: AI conversations


def test_a_column_named_like_an_internal_one_then_a_good_file_in_the_same_session(server, browser, tmp_path):
    """Issue 18: such a file loads with one sentence, the uploader stays, and the next file loads as usual."""
    odd = tmp_path / "odd.csv"
    odd.write_text(
        "conversation_id,customer_id,created_at,handled_by,status,last_sent,__o0,ttr_bh_s\n"
        "c1,u1,2025-03-01T10:00:00Z,ai,closed,a,b,c\n"
    )
    good = tmp_path / "good.csv"
    good.write_text(CSV.replace("\nc", "\ng"))  # ids g1..g3
    page = browser.new_page()
    page.goto(server + "/data")
    page.get_by_text("What was loaded").wait_for(timeout=60_000)
    _upload(page, odd)
    page.get_by_text("odd.csv: conversations").wait_for(timeout=60_000)
    assert _metric(page, "Rows loaded") == "1"
    page.get_by_text("odd.csv: conversations").click()  # the file's panel holds its notes
    page.get_by_text("kept as 'last_sent (source)'").first.wait_for(timeout=30_000)
    _upload(page, good)
    page.get_by_text("good.csv: conversations").wait_for(timeout=60_000)
    # both files are in the uploader now: 1 + 3 rows read, 1 + 2 loaded (g3 has 4 fields, not 5)
    assert (_metric(page, "Rows read"), _metric(page, "Rows loaded")) == ("4", "3")
    page.close()


def test_user_text_never_becomes_a_link(server, browser, tmp_path):
    """Issue 23: www., http:// and e-mail text in user data was turned into clickable links by Markdown
    (escaping alone does not stop GitHub-flavoured autolinks). A heavy requester's id is shown in a warning."""
    rows = [f"c{i},boss@evil.example,2025-03-01T10:00:00Z,human,solved,www.evil.example" for i in range(100)]
    f = tmp_path / "links.csv"
    f.write_text("conversation_id,customer_id,created_at,handled_by,status,issue_category\n" + "\n".join(rows) + "\n")
    page = browser.new_page()
    page.goto(server + "/data")
    page.get_by_text("What was loaded").wait_for(timeout=60_000)
    _upload(page, f)
    page.get_by_text("likely an internal").first.wait_for(timeout=60_000)
    assert page.get_by_text("boss").count() >= 1
    assert page.locator('a[href*="evil"]').count() == 0
    page.close()


def test_uploads_in_two_steps_across_a_page_visit_keep_both_files(server, browser, tmp_path):
    """Issue 17: the uploader forgets its files when the page is left; the data in use must not."""
    conv = tmp_path / "conversations.csv"
    conv.write_text(CSV)
    accts = tmp_path / "accounts.csv"
    accts.write_text("account_id,segment,arr\nA1,smb,1200\nA2,mid,5000\n")
    page = browser.new_page()
    page.goto(server + "/data")
    page.get_by_text("What was loaded").wait_for(timeout=60_000)
    _upload(page, conv)
    page.get_by_text("conversations.csv: conversations").wait_for(timeout=60_000)
    page.get_by_test_id("stSidebarNav").get_by_text("Overview").click()
    page.get_by_role("heading", name="Overview").wait_for(timeout=60_000)
    page.get_by_test_id("stSidebarNav").get_by_text("Data", exact=True).click()
    page.get_by_text("What was loaded").wait_for(timeout=60_000)
    _upload(page, accts)
    page.get_by_text("accounts.csv: accounts").wait_for(timeout=60_000)
    assert page.get_by_text("conversations.csv: conversations").count() == 1  # still loaded
    assert "2 conversations, 0 messages, 2 accounts" in page.get_by_test_id("stSidebar").inner_text()
    page.close()


def test_a_malformed_mapping_file_is_one_sentence_and_the_data_stays(server, browser, tmp_path):
    """Issue 16: a mapping JSON that is not a mapping gave a traceback; now one sentence, and the loaded data stays."""
    f = tmp_path / "tickets.csv"
    f.write_text(CSV)
    bad = tmp_path / "column-mapping.json"
    bad.write_text('{"tickets.csv": {"table": 3}}')
    page = browser.new_page()
    page.goto(server + "/data")
    page.get_by_text("What was loaded").wait_for(timeout=60_000)
    _upload(page, f)
    page.get_by_text("tickets.csv: conversations").wait_for(timeout=60_000)
    page.get_by_test_id("stFileUploader").filter(has_text="Saved column mapping").locator(
        'input[type="file"]'
    ).set_input_files(str(bad))
    page.get_by_text("'table' must be text, not int").wait_for(timeout=60_000)
    assert page.get_by_text("Traceback").count() == 0
    assert page.get_by_text("tickets.csv: conversations").count() >= 1
    page.close()


ZENDESK = Path(__file__).resolve().parents[1] / "fixtures" / "vendor" / "zendesk_export" / "tickets.csv"
SNAKE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")  # linear: no nested repetition over a shared character
E_NOTATION = re.compile(r"\d\.?\d*e-\d")


def _page_words(page) -> str:
    """The page's visible text and its tables' cells, without the icon names (material icons are ligatures)."""
    text = page.locator('[data-testid="stMain"]').inner_text()
    tables = page.evaluate(
        '() => Array.from(document.querySelectorAll(\'[data-testid="stDataFrame"] table td, '
        "[data-testid=\"stDataFrame\"] table th')).map(c => c.innerText).join('\\n')"
    )
    icons = page.evaluate(
        "() => Array.from(document.querySelectorAll('[data-testid=\"stIconMaterial\"]')).map(e => e.innerText)"
    )
    for icon in set(icons) - {""}:
        text = text.replace(icon, " ")
    return text + "\n" + tables


def _empty_charts(page) -> int:
    """Plotly charts on the page with no value to draw in any trace."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('.js-plotly-plot')).filter(el => !(el.data || []).some(t =>
            ['y', 'z', 'median', 'values'].some(k => Array.isArray(t[k]) && t[k].flat().some(v => v !== null
            && v !== undefined && !Number.isNaN(v))))).length"""
    )


def test_every_page_reads_as_words_on_the_sample(server, browser):
    """Issue 17: no "None", no snake_case identifier and no 1e-05 style number on any page a leader reads.
    Issue 23: and no page fetches anything from outside the server (the page icon came from a font CDN once)."""
    from bench.screens import _settled, visit_pages

    page = browser.new_page()
    outside = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith((server, "data:", "blob:")) else None)
    page.goto(server + "/")
    _settled(page)
    found = {}
    for title, _text in visit_pages(page):
        words = _page_words(page)
        bad = sorted(set(SNAKE.findall(words)) | set(E_NOTATION.findall(words)))
        bad += ["None"] * bool(re.search(r"\bNone\b", words))
        if bad:
            found[title] = bad
        assert _empty_charts(page) == 0, title
    page.close()
    assert found == {}
    assert outside == []


def test_a_helpdesk_only_export_says_so_on_every_page_and_draws_no_empty_chart(server, browser):
    """Issue 17: a real-shaped Zendesk export (no AI column): the banner on every page, no empty chart, no
    all-clear that only means there was nothing to look at."""
    from bench.screens import upload, visit_pages

    page = browser.new_page()
    page.goto(server + "/")
    upload(page, [str(ZENDESK)])
    for title, text in visit_pages(page):
        assert "These files hold no AI conversations" in text, title
        assert _empty_charts(page) == 0, title
        assert "No day stands out" not in text and "No significant improvement" not in text, title
    page.close()


def _audit_numbers(page) -> tuple[str, str, str]:
    from bench.screens import _settled

    page.get_by_text("How far the signal agrees with you").wait_for(timeout=60_000)
    _settled(page)  # a rerun keeps the previous run's elements on the page until it is over
    return tuple(
        page.locator('[data-testid="stMetric"]')
        .filter(has_text=label)
        .first.locator('[data-testid="stMetricValue"]')
        .inner_text()
        for label in ("Conversations labelled", "Agreement beyond chance", "Truly resolved, corrected")
    )


def _open_check(page, server: str) -> None:
    from bench.screens import _settled, visit_pages

    page.goto(server + "/")
    _settled(page)
    for _ in visit_pages(page, ("Check the resolution",)):
        pass
    page.get_by_text("Draw a sample to read").wait_for(timeout=60_000)


def test_label_ten_conversations_save_the_labels_and_load_them_in_a_new_session(server, browser, tmp_path):
    """Issue 21: label ten conversations on Check the resolution, save the labels, open a new session, load
    them: the same agreement numbers."""
    from bench.screens import _settled

    first = browser.new_context(accept_downloads=True).new_page()
    _open_check(first, server)
    first.get_by_label("Conversations to read").fill("10")
    first.get_by_label("Conversations to read").press("Enter")
    _settled(first)
    first.get_by_role("button", name="Draw a sample to read").click()
    for n in range(10):
        first.get_by_text(f"{n} of 10 read").wait_for(timeout=60_000)
        _settled(first)
        first.get_by_role("button", name="Resolved" if n % 3 else "Not resolved", exact=True).click()
    first.get_by_text("Every conversation of the sample is labelled").wait_for(timeout=60_000)
    before = _audit_numbers(first)
    assert before[0] == "10"
    with first.expect_download(timeout=60_000) as info:
        first.get_by_text("Save the labels (CSV)").click()
    path = tmp_path / "labels.csv"
    info.value.save_as(path)
    assert len(path.read_text().splitlines()) == 11

    second = browser.new_page()
    _open_check(second, server)
    box = second.get_by_test_id("stFileUploader").filter(has_text="Load labels saved earlier")
    box.locator('input[type="file"]').set_input_files(str(path))
    assert _audit_numbers(second) == before
