"""The app as a user meets it, through Streamlit's AppTest."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

UPLOAD = (
    "conversation_id,customer_id,created_at,handled_by,issue_category\n"
    "c1,u1,2025-03-01T10:00:00Z,ai,Billing\n"
    "c2,u2,2025-03-01T11:00:00Z,human,![x](https://attacker.example/p.png)\n"
    "c3,u3,not a date,ai,Billing\n"
)


APP = str(Path(__file__).resolve().parents[2] / "app.py")


def _app() -> AppTest:
    return AppTest.from_file(APP, default_timeout=120)


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_opens_on_sample_data_with_the_banner():
    at = _app().run()
    assert not at.exception
    assert at.info[0].value == "You are looking at sample data - upload your exports on the Data page"
    assert _metrics(at)["Truly resolved by the AI"].endswith("%")
    assert "19,265 conversations" in at.sidebar.caption[0].value


def test_a_closed_drill_down_sends_no_table():
    """The Overview's drill-down is built only when opened (a new browser session does not wait for the table and
    its code); its expander is there, closed, with no table under it."""
    at = _app().run()
    assert [e.label for e in at.expander if e.label.startswith("Drill down")] == [
        "Drill down: the conversations behind a number"
    ]
    assert not at.dataframe


def _upload(at: AppTest, name: str, text: str) -> AppTest:
    at.switch_page("pages/data.py").run()
    at.file_uploader(key="uploads").set_value((name, text.encode(), "text/csv")).run()
    return at


@pytest.fixture
def uploaded():
    return _upload(_app().run(), "mine.csv", UPLOAD)


def test_upload_replaces_the_sample_and_reports_quality(uploaded):
    at = uploaded
    assert not at.exception
    assert not at.info  # the sample banner is gone
    m = _metrics(at)
    assert (m["Rows read"], m["Rows loaded"], m["Rows rejected"]) == ("3", "2", "1")
    issues = at.dataframe[-1].value
    assert list(issues["reason"]) == ["not a date/time: not a date", "created_at is missing or unreadable"]
    at.switch_page("pages/overview.py").run()
    assert at.sidebar.caption[0].value.startswith("**Your data**: 2 conversations")


def test_a_second_session_never_sees_the_first_sessions_upload(uploaded):
    other = _app().run()
    assert "19,265 conversations" in other.sidebar.caption[0].value
    assert _metrics(uploaded)["Rows read"] == "3"


def test_data_page_renders_on_the_sample():
    at = _app().run()
    at.switch_page("pages/data.py").run()
    assert not at.exception
    assert _metrics(at)["Rows rejected"] == "0"
    assert at.subheader[0].value == "What was loaded"


def test_an_unusable_upload_says_why_in_one_sentence():
    at = _upload(_app().run(), "empty.csv", "")
    assert [e.value for e in at.error] == ["empty\\.csv is empty \\(0 bytes\\)\\."]


PAGES = [
    "pages/overview.py",
    "pages/insights.py",
    "pages/resolution.py",
    "pages/topics.py",
    "pages/audit.py",
    "pages/efficiency.py",
    "pages/experience.py",
    "pages/business.py",
    "pages/compare.py",
    "pages/plan.py",
    "pages/monitor.py",
    "pages/data.py",
    "pages/measure.py",
]
EMPTY = "conversation_id,customer_id,created_at,handled_by\nc1,,2024-01-01,ai\n"  # its only row is rejected
HUMAN_ONLY = "conversation_id,customer_id,created_at,handled_by\nc1,u1,2024-01-01,human\nc2,u2,2024-01-02,human\n"


def test_every_page_renders_on_the_sample():
    """Every page in one session, as a user clicking through (one app start instead of one per page)."""
    at = _app().run()
    for page in PAGES:
        at.switch_page(page).run()
        assert not at.exception, (page, at.exception)


@pytest.mark.parametrize("data", [EMPTY, HUMAN_ONLY], ids=["no-rows", "human-only"])
def test_every_page_renders_on_empty_or_partial_data(data):
    at = _upload(_app().run(), "x.csv", data)
    for page in PAGES:
        at.switch_page(page).run()
        assert not at.exception, (page, at.exception)


def test_changing_the_return_window_changes_the_numbers():
    at = _app().run()
    before = _metrics(at)["Resolved on first contact (AI)"]
    at.number_input(key="return_window_hours").set_value(24.0).run()
    assert not at.exception
    after = _metrics(at)["Resolved on first contact (AI)"]
    assert before != after
    assert float(after.rstrip("%")) > float(before.rstrip("%"))  # a shorter window finds fewer returns


def test_hours_and_thresholds_show_as_typed_and_money_with_two_decimals():
    """The return window shows "72", not "72.00" (printf %g); the licence cost keeps two decimals."""
    at = _app().run()
    assert at.number_input(key="return_window_hours").proto.format == "%g"
    at.switch_page("pages/business.py").run()
    assert at.number_input(key="cost-license_per_month").proto.format in ("", "%0.2f")
    assert at.number_input(key="cost-human_minutes_per_conversation").proto.format == "%g"  # minutes, not money


def _open(at: AppTest, group: str) -> AppTest:
    """Open a sidebar group whose inputs are drawn only while open (ui.sidebar.LAZY_GROUPS)."""
    at.session_state[f"sidebar-{group}"] = True
    return at.run()


def test_business_hours_setting_adds_business_time_cards():
    at = _app().run()
    at.switch_page("pages/efficiency.py").run()
    assert "First response in business hours, median (human)" not in _metrics(at)
    _open(at, "Escalation rules")
    at.text_input(key="business_hours").set_value("Mon-Fri 09:00-17:00 America/New_York").run()
    assert not at.exception
    m = _metrics(at)
    assert m["First response in business hours, median (human)"] != "no data"
    at.text_input(key="business_hours").set_value("Mon-Fri 9-5").run()
    assert at.sidebar.error[0].value.startswith("business\\_hours")


def test_a_settings_file_sets_settings_in_closed_groups_too():
    """The settings file (its inputs drawn while its group is open) sets a window and a closed group's setting;
    the closed group, opened later, shows the loaded value."""
    at = _app().run()
    at.session_state["sidebar-settings-file"] = True
    toml = b'return_window_hours = 24.0\nbusiness_hours = "Mon-Fri 09:00-17:00 UTC"\n'
    at.run().file_uploader(key="settings_file").set_value(("s.toml", toml, "application/toml")).run()
    assert not at.exception and at.number_input(key="return_window_hours").value == 24.0
    assert "First response in business hours, median (human)" in _metrics(at.switch_page("pages/efficiency.py").run())
    assert _open(at, "Escalation rules").text_input(key="business_hours").value == "Mon-Fri 09:00-17:00 UTC"


def test_experience_page_tells_the_samples_drop_off_story():
    at = _app().run()
    at.switch_page("pages/experience.py").run()
    assert not at.exception
    assert any("Refund request leave after the AI\\'s 3rd answer" in w.value for w in at.warning)
    assert at.info[-1].value.startswith("On the same kinds of issues\\, AI\\-handled customers were")
    at.text_input(key="transcript-id").set_value("C100000").run()
    assert len(at.dataframe[-1].value) > 0


def test_excel_summary_is_built_only_when_asked_for():
    def excel_buttons(at):
        return [b for b in at.get("download_button") if b.proto.label == "Download the Excel summary"]

    at = _app().run()
    assert not excel_buttons(at)
    at.button(key="excel_prepare").click().run()
    assert not at.exception
    assert len(excel_buttons(at)) == 1


def test_going_back_to_the_sample_asks_first(uploaded):
    at = uploaded
    at.button(key="back_to_sample").click().run()
    assert "Drop every uploaded file" in at.warning[0].value
    at.button(key="start_over_no").click().run()
    assert not at.info  # still the upload
    at.button(key="back_to_sample").click().run()
    at.button(key="start_over_yes").click().run()
    assert not at.exception
    assert at.info[0].value.startswith("You are looking at sample data")


def test_uploads_accumulate_across_page_visits_and_leave_only_when_removed():
    """Issue 17: a second upload after visiting another page replaced everything loaded before."""
    at = _upload(_app().run(), "conversations.csv", UPLOAD)
    at.switch_page("pages/overview.py").run()
    at.switch_page("pages/data.py").run()
    accounts = "account_id,segment,arr\nA1,smb,1200\n"
    at.file_uploader(key="uploads").set_value(("accounts.csv", accounts.encode(), "text/csv")).run()
    assert not at.exception
    s = at.session_state["support_session"]
    assert [n for n, _ in s.files] == ["conversations.csv", "accounts.csv"]
    assert at.sidebar.caption[0].value.startswith("**Your data**: 2 conversations, 0 messages, 1 account")
    at.button(key="remove-1").click().run()
    assert [n for n, _ in at.session_state["support_session"].files] == ["conversations.csv"]
    assert at.sidebar.caption[0].value.startswith("**Your data**: 2 conversations, 0 messages, 0 accounts")


def test_mapping_editor_remaps_a_file():
    text = "ticket,who,opened,bot_or_agent\n1,a,2025-01-01T10:00:00Z,ai\n2,b,2025-01-02T10:00:00Z,human\n"
    at = _upload(_app().run(), "odd.csv", text)
    assert any("do not look like conversations" in e.value for e in at.error)
    key = "map-odd.csv"
    for field, column in (
        ("conversation_id", "ticket"),
        ("customer_id", "who"),
        ("created_at", "opened"),
        ("handled_by", "bot_or_agent"),
    ):
        at.selectbox(key=f"{key}-conversations-{field}").set_value(column)
    at.button(key=f"FormSubmitter:{key}-Apply this mapping").click().run()
    assert not at.exception
    m = _metrics(at)
    assert (m["Rows read"], m["Rows loaded"], m["Rows rejected"]) == ("2", "2", "0")
    assert "2 conversations" in at.sidebar.caption[0].value


def test_changing_the_license_fee_changes_the_cost_cards():
    at = _app().run()
    at.switch_page("pages/business.py").run()
    assert not at.exception
    before = _metrics(at)["Cost per AI resolution"]
    assert before.endswith(" USD")  # SPEC 8: the currency is shown with every money figure
    assert any("example prices" in w.value for w in at.warning)  # nobody entered a price yet
    # said once above the cards, not again under each of the five cost and capacity cards
    assert not any("Example prices: enter yours" in c.value for c in at.caption)
    at.number_input(key="cost-license_per_month").set_value(10_000.0).run()
    after = _metrics(at)["Cost per AI resolution"]
    assert float(after[:-4].replace(",", "")) > float(before[:-4].replace(",", ""))
    at.text_input(key="cost-currency").set_value("eur").run()
    assert _metrics(at)["Cost per AI resolution"].endswith(" EUR")
    after = _metrics(at)["Cost per AI resolution"]
    at.switch_page("pages/overview.py").run()
    at.switch_page("pages/business.py").run()
    assert _metrics(at)["Cost per AI resolution"] == after  # the setting survives a page change


def test_compare_every_category_against_the_rest():
    at = _app().run()
    at.switch_page("pages/compare.py").run()
    assert not at.exception
    at.radio[0].set_value("Every value against the rest").run()
    assert not at.exception
    table = at.dataframe[0].value
    assert "q (BH)" in table.columns and len(table) >= 10


def test_monitor_lists_alerts_with_their_baseline():
    at = _app().run()
    at.switch_page("pages/monitor.py").run()
    assert not at.exception
    assert at.subheader[0].value.startswith("Alerts (")


def test_overview_names_the_samples_planted_weaknesses_as_what_to_fix_next():
    at = _app().run()
    texts = [m.value for m in at.markdown]
    ranked = [t for t in texts if t.startswith(tuple(f"**{k}. " for k in range(1, 6)))]
    assert len(ranked) == 5
    # titled by the problem, in numbers: Billing dispute is the planted weakest category
    assert ranked[0].replace("\\", "").startswith("**1. Billing dispute: the AI truly resolves 37% vs 64%")
    assert any(c.value.startswith("True resolution below the rest") for c in at.caption)
    findings = " ".join(texts)
    for planted in ("Billing dispute", "Bug report", "Order status"):
        assert planted in findings
    at.switch_page("pages/insights.py").run()
    assert not at.exception
    assert any("2nd answer" in t or "3rd answer" in t for t in (m.value for m in at.markdown))


def test_data_page_names_the_vendor_export_it_recognised():
    from tests.unit.test_vendors import GORGIAS

    at = _upload(_app().run(), "gorgias.csv", GORGIAS)
    assert not at.exception
    texts = [t.value for t in at.text]
    assert any(t.startswith("Recognised as: Gorgias tickets") for t in texts), texts
    assert at.selectbox(key="map-gorgias.csv-vendor").value == "gorgias"


def _heavy_upload() -> str:
    lines = [f"t{i},monitor@corp,2025-03-0{1 + i % 5}T10:00:00Z,human,solved,Billing" for i in range(100)]
    lines += [f"c{i},u{i},2025-03-02T10:00:00Z,human,solved,Billing" for i in range(50)]
    return "conversation_id,customer_id,created_at,handled_by,status,issue_category\n" + "\n".join(lines) + "\n"


def test_a_heavy_requester_is_named_and_left_out_in_one_click():
    at = _upload(_app().run(), "tickets.csv", _heavy_upload())
    at.switch_page("pages/overview.py").run()
    assert not at.exception

    def warnings() -> list[str]:  # the Markdown source is escaped (customer ids are user data)
        return [w.value.replace("\\", "").replace("\u2060", "") for w in at.warning]

    warned = [w for w in warnings() if "monitor@corp" in w]
    assert warned and "100 conversations (66.7% of all)" in warned[0]
    at.button(key="overview-exclude-heavy").click().run()
    assert not at.exception
    assert any("100 conversations of 1 excluded customer" in w for w in warnings())
    assert not any("likely an internal" in w for w in warnings())
    assert at.sidebar.text_input(key="excluded_customers").value == "monitor@corp"
    assert "50 counted (100 of excluded customers left out)" in at.caption[0].value
    at.button(key="overview-include-all").click().run()
    assert any("likely an internal" in w for w in warnings())


def test_a_side_table_next_to_tickets_is_shown_as_not_used():
    at = _app().run()
    at.switch_page("pages/data.py").run()
    group = "id,_fivetran_deleted,_fivetran_synced,created_at,name,updated_at,url\n1,f,2024-01-01,2024-01-01,Support,2024-01-01,u\n"
    at.file_uploader(key="uploads").set_value(
        [("tickets.csv", _heavy_upload().encode(), "text/csv"), ("group_data.csv", group.encode(), "text/csv")]
    ).run()
    assert not at.exception
    assert "Not used" in [h.value for h in at.subheader]
    table = next(d.value for d in at.dataframe if "Why" in d.value.columns)
    assert list(table["File"]) == ["group_data.csv"]
    assert "Zendesk group table" in table["Why"][0]
    assert not at.error


def test_a_load_that_fails_inside_the_app_keeps_the_previous_data_and_the_uploader(monkeypatch):
    """Issue 18: whatever goes wrong while loading, the session keeps a way forward."""
    from metrics.load import ingest

    real = ingest.load

    def failing(db, files, *a, **kw):
        if any(name == "boom.csv" for name, _ in files):
            raise RuntimeError("simulated bug")
        return real(db, files, *a, **kw)

    monkeypatch.setattr(ingest, "load", failing)
    at = _upload(_app().run(), "boom.csv", UPLOAD)
    assert not at.exception
    assert any(
        "boom.csv could not be loaded because of an error in the app" in e.value.replace("\\", "") for e in at.error
    )
    assert at.file_uploader(key="uploads") is not None
    assert "19,265 conversations" in at.sidebar.caption[0].value  # the sample is still loaded
    at.file_uploader(key="uploads").set_value(("mine.csv", UPLOAD.encode(), "text/csv")).run()
    assert _metrics(at)["Rows read"] == "3"


def test_crafted_url_parameters_never_break_a_page():
    """Issue 18: settings bound to the URL take only valid values; the rest are ignored, the page renders."""
    for key, value in [("return_window_hours", "abc"), ("peak_percentile", "-5"), ("alert_min_n", "[[[[1]]]]")]:
        at = _app()
        at.query_params[key] = value
        at.run()
        assert not at.exception and not at.error
        assert "19,265 conversations" in at.sidebar.caption[0].value


def test_a_refused_file_is_not_kept_in_the_session():
    """Issue 23: refused uploads kept their bytes in the session for its whole life."""
    at = _app().run()
    at.switch_page("pages/data.py").run()
    at.file_uploader(key="uploads").set_value(
        [("good.csv", UPLOAD.encode(), "text/csv"), ("empty.csv", b"", "text/csv")]
    ).run()
    assert not at.exception
    s = at.session_state["support_session"]
    assert [name for name, _ in s.files] == ["good.csv"]
    assert any("empty.csv is empty" in e.value.replace("\\", "") for e in at.error)
    at.switch_page("pages/overview.py").run()
    at.switch_page("pages/data.py").run()
    assert any("empty.csv is empty" in e.value.replace("\\", "") for e in at.error)  # still said after a rerun


def test_a_helpdesk_only_export_says_so_and_shows_the_human_baseline():
    """Issue 17: with no AI conversations every card said "no data" and the waterfall was an empty chart."""
    tickets = (
        "conversation_id,customer_id,created_at,ended_at,status,issue_category\n"
        "t1,u1,2025-03-01T10:00:00Z,2025-03-01T12:00:00Z,solved,Billing\n"
        "t2,u2,2025-03-02T10:00:00Z,2025-03-02T11:00:00Z,solved,Billing\n"
        "t3,u3,2025-03-20T10:00:00Z,,open,Login\n"
    )
    at = _upload(_app().run(), "tickets.csv", tickets)
    at.switch_page("pages/overview.py").run()
    assert not at.exception
    assert at.info[0].value.startswith("These files hold no AI conversations")
    m = _metrics(at)
    assert "Truly resolved by the AI" not in m
    assert m["Time to resolution, median (human)"] == "1.5 h"  # 2 h and 1 h
    assert not at.get("plotly_chart")  # no empty waterfall


def test_a_helpdesk_export_with_only_business_hours_first_replies_shows_those():
    """Real Zendesk files carry only the business-hours first reply: the card shows it, not "no data"."""
    tickets = (
        "conversation_id,customer_id,created_at,ended_at,status,issue_category,"
        "first_reply_time_in_minutes_within_business_hours\n"
        "t1,u1,2025-03-01T10:00:00Z,2025-03-01T12:00:00Z,solved,Billing,30\n"
        "t2,u2,2025-03-02T10:00:00Z,2025-03-02T11:00:00Z,solved,Billing,90\n"
    )
    at = _upload(_app().run(), "tickets.csv", tickets)
    at.switch_page("pages/overview.py").run()
    m = _metrics(at)
    assert "First response time, median (human)" not in m
    assert m["First response in business hours, median (human)"] == "60.0 min"  # 30 and 90 minutes


def test_how_we_measure_explains_every_metric_and_test_in_words():
    from metrics.compute import registry
    from metrics.present import methods

    at = _app().run()
    at.switch_page("pages/measure.py").run()
    text = " ".join(m.value for m in at.markdown)
    clean = text.replace("\\", "").replace("\u2060", "")
    for sp in registry.all_specs():
        if not sp.id.startswith(("peak_", "offpeak_")):
            assert f"**{sp.label}.**" in clean, sp.id
    for name, _ in methods.TESTS:
        assert f"**{name}.**" in clean
    assert "72 hours after one ends has come back" in clean  # the windows in force


def test_a_global_filter_applies_to_every_page_and_says_so():
    """Issue 17: the channel filter in the sidebar changes the Overview's numbers and is stated on every page."""
    at = _app().run()
    before = at.sidebar.caption[0].value
    n_all = [m for m in at.metric if m.label == "Truly resolved by the AI"][0].value
    _open(at, "Filters").multiselect(key="channels").set_value(["email"]).run()
    assert not at.exception
    banner = [i.value for i in at.info if "Filtered to conversations" in i.value]
    assert banner and "channel email" in banner[0]
    n_email = [m for m in at.metric if m.label == "Truly resolved by the AI"][0].value
    assert n_email != n_all
    assert at.sidebar.caption[0].value == before  # the data loaded is unchanged; only the view is filtered
    at.switch_page("pages/resolution.py").run()
    assert not at.exception and any("Filtered to conversations" in i.value for i in at.info)
    # closing the Filters group (its inputs are then not drawn) keeps the filter; opening it shows it again
    at.session_state["sidebar-Filters"] = False
    at.run()
    assert not at.multiselect and any("Filtered to conversations" in i.value for i in at.info)
    _open(at, "Filters")
    assert at.multiselect(key="channels").value == ["email"]


def test_a_target_set_on_the_overview_is_met_or_not_on_its_card():
    """Issue 17: a 70% goal for true resolution (the sample has 61.9%) reads 'not met'; 60% reads 'met'."""
    at = _app().run()
    at.number_input(key="target-true_resolution_rate").set_value(70.0).run()
    assert not at.exception
    captions = [c.value for c in at.caption]
    assert any(c.startswith("Target 70.0%: not met") for c in captions), captions
    assert "true_resolution_rate=0.7" in at.session_state["support_session"].settings.targets
    at.number_input(key="target-true_resolution_rate").set_value(60.0).run()
    assert any(c.value.startswith("Target 60.0%: met") for c in at.caption)


def test_renaming_and_merging_topics_shows_on_other_pages():
    """Issue 20: rename one topic, then merge two others under one name, on the Topics page; the Resolution
    page's By topic table uses the names and the merged topic's size is the sum of the two."""
    at = _app().run()
    at.switch_page("pages/topics.py").run()
    assert not at.exception
    before = {r["Topic"]: r["Conversations"] for r in at.dataframe[0].value.to_dict("records")}
    first, second, third = list(before)[:3]
    at.multiselect(key="topics-picked").set_value([first])
    at.text_input(key="topics-new-name").set_value("Locked out")
    at.button(key="topics-apply").click().run()
    assert not at.exception
    at.multiselect(key="topics-picked").set_value([second, third])
    at.text_input(key="topics-new-name").set_value("Orders and money")
    at.button(key="topics-apply").click().run()
    after = {r["Topic"]: r["Conversations"] for r in at.dataframe[0].value.to_dict("records")}
    assert after["Locked out"] == before[first]
    assert after["Orders and money"] == before[second] + before[third]
    assert first not in after and second not in after and third not in after
    at.switch_page("pages/resolution.py").run()
    table = next(d.value for d in at.dataframe if "Topic" in d.value.columns)
    assert {"Locked out", "Orders and money"} <= set(table["Topic"])


def test_labelling_a_sample_gives_the_agreement_numbers():
    """Issue 21: draw ten conversations, label each as the signal would except the first; the numbers match
    audit.evaluate on the same labels, and the saved CSV holds the ten."""
    from metrics.compute import audit

    at = _app().run()
    at.switch_page("pages/audit.py").run()
    assert not at.exception
    at.number_input(key="audit-n").set_value(10).run()
    at.button(key="audit-draw").click().run()
    s = at.session_state["support_session"]
    assert len(s.audit_queue) == 10
    truth = dict(s.db.con.execute("SELECT conversation_id, truly_resolved FROM signals").fetchall())
    for n, cid in enumerate(s.audit_queue):
        agree = truth[cid] if n else not truth[cid]
        at.button(key="label-resolved" if agree else "label-not").click().run()
    assert not at.exception
    assert s.labels.keys() == set(s.audit_queue)
    expected = audit.evaluate(s.db, s.labels)
    shown = {m.label: m.value for m in at.metric}
    assert shown["Conversations labelled"] == "10"
    assert shown["Agreement beyond chance"] == f"{expected.kappa:.2f}"
    assert shown["Truly resolved, corrected"] == f"{expected.corrected_true_resolution_rate:.1%}"
    assert expected.confusion["resolved_resolved"] + expected.confusion["not_not"] == 9


def test_a_change_is_logged_and_the_forecast_answers_a_what_if():
    """Issue 22: add a change on the Changes page; its effects are listed in words; moving the volume slider
    by +20% moves the forecast by 20% (the same arithmetic as forecast.what_if)."""
    import datetime as dt

    from metrics.compute import forecast

    at = _app().run()
    at.switch_page("pages/plan.py").run()
    assert not at.exception
    at.date_input(key="change-date").set_value(dt.date(2025, 7, 1))
    at.multiselect(key="change-categories").set_value(["Billing dispute"])
    at.text_input(key="change-description").set_value("new billing article")
    at.button(key="change-add").click().run()
    assert not at.exception
    s = at.session_state["support_session"]
    assert s.settings.changes == ("2025-07-01|Billing dispute|article|new billing article",)
    said = list(at.dataframe[1].value["In plain words"])  # the launch (1 May 2025) first: FCR and returns
    assert [v[:34] for v in said[:2]] == ["After the AI launch on 1 May 2025,"] * 2
    assert len(said) == 7 and all(v.startswith("After new billing article on 1 Jul 2025") for v in said[2:])
    base = forecast.forecast(s.db, s.settings, 8)[0]
    at.slider(key="whatif-volume").set_value(20).run()
    first = at.dataframe[-1].value.iloc[0]
    assert first["Conversations"].startswith(f"{base.volume * 1.2:,.0f} (")
