"""Deterministic generator of a realistic support dataset: conversations, messages, accounts.

The story it tells (so every page has something true to show): 12 months of support,
an AI agent deployed in month 5, ten issue categories the AI handles with very
different success, failures that come back as returns and follow-up tickets, worse AI
quality at peak load, escalations with reasons and some QA tags, CSAT on part of the
rows, customer messages whose wording carries the sentiment, and accounts whose
renewals are associated with their AI experience.

    python -m sample_data.generate --conversations 20000 --out sample_data
"""

from __future__ import annotations

import argparse
import datetime as dt
import os

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

START = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
DAYS = 365
DEPLOY_DAY = 120  # 2025-05-01

# name, share of contacts, AI true-resolution probability, human handle minutes (mean)
CATEGORIES = [
    ("Password reset", 0.14, 0.86, 6),
    ("Order status", 0.15, 0.80, 7),
    ("Shipping delay", 0.11, 0.58, 11),
    ("Product question", 0.12, 0.70, 9),
    ("Refund request", 0.10, 0.42, 16),
    ("Account access", 0.08, 0.55, 12),
    ("Technical setup", 0.08, 0.47, 22),
    ("Billing dispute", 0.08, 0.28, 25),
    ("Cancellation", 0.07, 0.36, 14),
    ("Bug report", 0.05, 0.22, 28),
]
NULL_CATEGORY_SHARE = 0.03

OPENERS = {
    "Password reset": [
        "I can't log in, I forgot my password",
        "How do I reset my password?",
        "The password reset email never arrived",
    ],
    "Order status": [
        "Where is my order?",
        "Can you tell me the status of order {n}?",
        "I ordered last week and have no update",
    ],
    "Shipping delay": [
        "My package is late",
        "Delivery was supposed to be yesterday and nothing came",
        "Why is my shipment stuck in transit for a week?",
    ],
    "Product question": [
        "Does the Pro plan include exports?",
        "Is this model compatible with my device?",
        "What is the difference between the two plans?",
    ],
    "Refund request": [
        "I want a refund for order {n}",
        "How do I get my money back?",
        "I returned the item two weeks ago and still no refund",
    ],
    "Account access": [
        "My account is locked",
        "I can't access my account after the update",
        "Two-factor code is not working",
    ],
    "Technical setup": [
        "How do I connect the integration?",
        "The setup wizard fails at step 3",
        "I need help configuring single sign-on",
    ],
    "Billing dispute": [
        "You charged me twice this month, this is unacceptable",
        "I'm furious, there is a charge I never authorised",
        "My invoice is wrong and I want it fixed now",
    ],
    "Cancellation": [
        "I want to cancel my subscription",
        "How do I close my account?",
        "Please cancel my plan, it's too expensive",
    ],
    "Bug report": [
        "The app crashes every time I open settings",
        "Export button does nothing",
        "I found a bug: totals are wrong on the dashboard",
    ],
    None: ["Hi, I have a question", "Hello, I need some help", "Can someone help me?"],
}
AI_REPLIES = [
    "Thanks for reaching out: {step}.",
    "I can help with that: {step}.",
    "Here is what I found: {step}.",
    "Let me explain: {step}.",
]
# What the AI suggests and what an agent does, per category: a transcript reads as one conversation.
STEPS = {
    "Password reset": [
        "use Forgot password on the sign-in page and open the link within 30 minutes",
        "check your spam folder for the reset email, it comes from no-reply@example.com",
        "I sent a new reset link to the address on your account",
    ],
    "Order status": [
        "your order is packed and ships tomorrow; the tracking link follows by email",
        "go to Orders and select the order to see its tracking",
        "the order left our warehouse on Monday and is with the carrier",
    ],
    "Shipping delay": [
        "the carrier reports a delay in your area; the new delivery estimate is in your tracking link",
        "parcels stuck for more than 5 days are re-sent: reply 'resend' and I will arrange it",
        "the tracking shows the parcel at your local depot, delivery is planned for tomorrow",
    ],
    "Product question": [
        "the Pro plan includes CSV and Excel exports; the Basic plan does not",
        "the compatibility list is on the product page under Specifications",
        "the plans differ in seats and exports; the comparison table is on our pricing page",
    ],
    "Refund request": [
        "refunds are paid to the original card within 5 business days of the return arriving",
        "I started the refund for your order; you will get a confirmation email",
        "your return arrived on Friday; the refund is being processed",
    ],
    "Account access": [
        "the account unlocks 15 minutes after the last failed attempt; then sign in again",
        "sign out on every device, clear the cache and sign in again",
        "use a backup code from your security settings instead of the two-factor code",
    ],
    "Technical setup": [
        "open Settings, then Integrations, choose the app and paste the API key",
        "step 3 needs admin rights; ask your workspace admin to run it",
        "single sign-on is set up under Settings, Security; the guide is in our help center",
    ],
    "Billing dispute": [
        "I checked your account: the second charge is a pending authorisation and drops off within 3 days",
        "the invoice shows the annual plan; you can switch to monthly under Billing",
        "charges you do not recognise can be disputed under Billing, Payments",
    ],
    "Cancellation": [
        "you can cancel under Settings, Subscription, Cancel plan; you keep access until the period ends",
        "closing the account deletes your data after 30 days; export it first under Settings",
        "a cheaper plan is available under Billing if you would rather keep your account",
    ],
    "Bug report": [
        "update the app to the latest version; this crash is fixed there",
        "clear the cache and reload; if it still fails, send us a screenshot",
        "this is a known issue our team is fixing; the dashboard totals are correct in the export",
    ],
    None: [
        "our help center has guides for most questions",
        "tell me a little more and I will point you to the right place",
        "I checked your account and everything looks in order",
    ],
}
FIXES = {  # what an agent did
    "Password reset": "I've reset your password and sent you a new link.",
    "Order status": "I've checked with the warehouse: your order ships today.",
    "Shipping delay": "I've asked the carrier to re-deliver and added express shipping at no cost.",
    "Product question": "The Pro plan includes exports; I've added a trial to your account.",
    "Refund request": "I've issued the refund; it reaches your card within 5 business days.",
    "Account access": "I've unlocked your account and reset two-factor authentication.",
    "Technical setup": "I've finished the integration setup on our side; it is connected now.",
    "Billing dispute": "I've refunded the duplicate charge and applied a credit to your account.",
    "Cancellation": "I've cancelled your subscription; you keep access until the end of the period.",
    "Bug report": "I've passed this to our engineers and applied a workaround to your account.",
    None: "I've looked into this and sorted it out on our side.",
}
CUSTOMER_NEUTRAL = [
    "Ok, let me try that",
    "I did that already, what next?",
    "Where do I find that?",
    "Can you explain that again?",
    "Which menu is that in?",
]
CUSTOMER_THANKS = [
    "Thanks, that worked!",
    "Great, it's solved. Thank you so much!",
    "Perfect, all good now, thanks",
    "That fixed it, awesome, thank you",
]
CUSTOMER_NEGATIVE = [
    "This is useless, you are not helping at all",
    "That doesn't work and I'm really annoyed",
    "Terrible, I still have the same problem",
    "This is a waste of my time, nothing works",
]
CUSTOMER_FLAT = ["ok", "I see", "Fine, I will check later"]
HUMAN_REPLIES = [
    "Hi, this is {agent} from support. Let me look into this for you.",
    "Thanks for your patience, I'm checking this now.",
]
HANDOFF = "Let me connect you with a member of our team."
ESC_REASONS = [
    "customer asked for a human",
    "could not answer",
    "billing dispute",
    "possible fraud",
    "legal question",
    "complaint",
    "technical issue",
]
AGENTS = ["Ana", "Ben", "Chloe", "Dev", "Eli", "Fay"]


def _pick(rng: np.random.Generator, options: list, size: int) -> np.ndarray:
    return np.asarray(options, dtype=object)[rng.integers(0, len(options), size)]


def _times(rng: np.random.Generator, n: int) -> np.ndarray:
    """Start times with growth, weekly and daily rhythm, and a few spike days (peak load)."""
    days = np.arange(DAYS)
    weekday = (days + START.weekday()) % 7
    weight = (1 + days / DAYS) * np.where(weekday >= 5, 0.55, 1.0)
    spikes = np.random.default_rng(7).choice(days, 14, replace=False)
    weight[spikes] *= 2.6
    day = rng.choice(days, n, p=weight / weight.sum())
    hour_w = np.array([1, 1, 1, 1, 1, 2, 3, 5, 8, 10, 11, 11, 10, 10, 10, 9, 8, 6, 5, 4, 3, 2, 2, 1], float)
    hour = rng.choice(24, n, p=hour_w / hour_w.sum())
    secs = day * 86400 + hour * 3600 + rng.integers(0, 3600, n)
    return np.sort(secs), np.isin(day, spikes) & (hour >= 9) & (hour <= 17)


def generate(
    n_conversations: int = 20_000, seed: int = 42, with_sentiment: bool = False, extra_exchanges: int = 0
) -> dict[str, pa.Table]:
    """Build the three tables in memory (pyarrow); `extra_exchanges` adds clarifying turns to every conversation."""
    rng = np.random.default_rng(seed)
    n_primary = int(n_conversations * 0.86)
    n_customers = max(50, n_conversations // 4)
    n_accounts = max(20, n_customers // 25)
    names = [c[0] for c in CATEGORIES] + [None]
    probs = np.array([c[1] for c in CATEGORIES]) * (1 - NULL_CATEGORY_SHARE)
    probs = np.append(probs, NULL_CATEGORY_SHARE)
    p_ai = {c[0]: c[2] for c in CATEGORIES}
    p_ai[None] = 0.5

    start_s, busy = _times(rng, n_primary)
    cat_idx = rng.choice(len(names), n_primary, p=probs / probs.sum())
    customer = rng.integers(0, n_customers, n_primary)
    channel = rng.choice(np.array(["chat", "email", "voice"], dtype=object), n_primary, p=[0.62, 0.3, 0.08])
    after = start_s >= DEPLOY_DAY * 86400
    months_live = np.clip((start_s / 86400 - DEPLOY_DAY) / 30, 0, None)
    is_ai = after & (channel != "voice") & (rng.random(n_primary) < np.minimum(0.55 + 0.03 * months_live, 0.78))

    # AI outcome: success probability by category, worse at peak load, improving after launch.
    # Load = AI conversations started in the 15 minutes before; the busiest 12% are "busy".
    ai_starts = start_s[is_ai]
    recent = np.searchsorted(ai_starts, start_s, side="right") - np.searchsorted(ai_starts, start_s - 900, side="left")
    busy = is_ai & (recent >= np.quantile(recent[is_ai], 0.88)) if is_ai.any() else busy
    base = np.array([p_ai[names[i]] for i in cat_idx])
    p_success = np.clip(base - 0.18 * busy + 0.012 * months_live, 0.02, 0.97)
    success = rng.random(n_primary) < p_success
    fail_mode = rng.choice(
        np.array(["escalated", "silent", "returned", "follow_up", "negative"], dtype=object),
        n_primary,
        p=[0.42, 0.2, 0.16, 0.12, 0.10],
    )
    outcome = np.where(is_ai, np.where(success, "resolved", fail_mode), "human").astype(object)

    dur_ai = rng.integers(180, 1500, n_primary)
    dur_human = np.where(
        channel == "email", rng.integers(3600, 2 * 86400, n_primary), rng.integers(600, 2700, n_primary)
    )
    duration = np.where(is_ai, dur_ai + np.where(outcome == "escalated", dur_human // 2, 0), dur_human)
    human_ok = rng.random(n_primary) < np.array([0.93 - 0.15 * (p_ai[names[i]] < 0.4) for i in cat_idx])

    # Secondary contacts: returns (same customer and topic) and follow-up tickets (human).
    sec_from = np.flatnonzero(
        (outcome == "returned")
        | (outcome == "follow_up")
        | ((outcome == "silent") & (rng.random(n_primary) < 0.5))
        | ((outcome == "negative") & (rng.random(n_primary) < 0.3))
        | ((outcome == "human") & ~human_ok & (rng.random(n_primary) < 0.6))
    )
    late = np.flatnonzero((outcome == "resolved") & (rng.random(n_primary) < 0.06))  # unrelated later contacts
    src = np.concatenate([sec_from, late])
    n_sec = len(src)
    gap_h = np.where(
        np.arange(n_sec) < len(sec_from),
        np.where(outcome[src] == "follow_up", rng.uniform(0.5, 20, n_sec), rng.uniform(1, 60, n_sec)),
        rng.uniform(30, 240, n_sec),
    )
    sec_start = start_s[src] + duration[src] + (gap_h * 3600).astype(np.int64)
    sec_ai = (outcome[src] != "follow_up") & (sec_start >= DEPLOY_DAY * 86400) & (rng.random(n_sec) < 0.4)
    sec_cat = np.where(
        (outcome[src] == "follow_up") & (rng.random(n_sec) < 0.3),
        rng.choice(len(names), n_sec, p=probs / probs.sum()),
        cat_idx[src],
    )
    sec_success = rng.random(n_sec) < 0.7
    sec_outcome = np.where(sec_ai, np.where(sec_success, "resolved", "escalated"), "human").astype(object)
    sec_duration = np.where(sec_ai, rng.integers(90, 900, n_sec), rng.integers(600, 2700, n_sec))

    # Concatenate primaries and secondaries, then keep what falls inside the year.
    t0 = np.concatenate([start_s, sec_start])
    keep = t0 < DAYS * 86400
    order = np.argsort(t0[keep], kind="stable")

    def cat(a, b):
        return np.concatenate([a, b])[keep][order]

    t0 = t0[keep][order]
    cats = cat(cat_idx, sec_cat)
    cust = cat(customer, customer[src])
    chan = cat(channel, np.where(channel[src] == "voice", "email", channel[src]))
    outc = cat(outcome, sec_outcome)
    dur = cat(duration, sec_duration)
    hok = cat(human_ok, rng.random(n_sec) < 0.9)
    busy_all = cat(busy, np.zeros(n_sec, bool))
    n = len(t0)
    ai = outc != "human"
    escalated = outc == "escalated"
    ids = np.array([f"C{100000 + i}" for i in range(n)], dtype=object)

    # Status as the helpdesk would record it (the AI marks its failures "resolved" too).
    status = np.full(n, "resolved", dtype=object)
    status[outc == "silent"] = np.where(rng.random((outc == "silent").sum()) < 0.5, "abandoned", "closed")
    status[escalated] = np.where(rng.random(escalated.sum()) < 0.92, "solved", "open")
    hum = outc == "human"
    status[hum] = np.where(hok[hum], "solved", np.where(rng.random(hum.sum()) < 0.5, "open", "abandoned"))

    # CSAT (1-5) on part of the rows, lower where the outcome was worse.
    r = rng.random(n)
    csat = np.full(n, np.nan)
    good = outc == "resolved"
    bad = np.isin(outc, ["silent", "returned", "follow_up", "negative"])
    csat[good & (r < 0.34)] = rng.choice([5, 4, 3], (good & (r < 0.34)).sum(), p=[0.62, 0.3, 0.08])
    csat[bad & (r < 0.28)] = rng.choice([1, 2, 3, 4], (bad & (r < 0.28)).sum(), p=[0.45, 0.3, 0.17, 0.08])
    csat[escalated & (r < 0.4)] = rng.choice([2, 3, 4, 5], (escalated & (r < 0.4)).sum(), p=[0.2, 0.25, 0.3, 0.25])
    hc = hum & (r < 0.36)
    csat[hc] = np.where(hok[hc], rng.choice([5, 4, 3], hc.sum(), p=[0.55, 0.33, 0.12]), rng.choice([1, 2, 3], hc.sum()))

    # Human handle time by category (lognormal), missing on 8% of rows.
    mean_min = np.array([([c[3] for c in CATEGORIES] + [12])[i] for i in cats], float)
    handle = np.round(mean_min * rng.lognormal(0, 0.45, n) * np.where(escalated, 0.7, 1.0), 1)
    handle[~(hum | escalated) | (rng.random(n) < 0.08)] = np.nan

    reason = np.full(n, None, dtype=object)
    hard = np.isin(
        cats, [i for i, nm in enumerate(names) if nm in ("Billing dispute", "Refund request", "Cancellation")]
    )
    reason[escalated] = _pick(rng, ESC_REASONS, escalated.sum())
    reason[escalated & hard & (rng.random(n) < 0.5)] = "billing dispute"
    tagged = escalated & (rng.random(n) < 0.25)
    appropriate = np.full(n, None, dtype=object)
    appropriate[tagged] = np.where(
        np.isin(reason[tagged], ["billing dispute", "possible fraud", "legal question", "complaint"]) | hard[tagged],
        rng.random(tagged.sum()) < 0.9,
        rng.random(tagged.sum()) < 0.35,
    )
    # Planted: the AI hands Order status conversations over whenever a customer asks for a person,
    # and QA says it should not have (humans close these in one touch).
    order = cats == names.index("Order status")
    reason[escalated & order] = "customer asked for a human"
    appropriate[tagged & order] = False

    accounts_of_customer = rng.integers(0, n_accounts, n_customers)
    has_account = rng.random(n_customers) < 0.85
    acct = np.where(
        has_account[cust], np.char.add("A", (1000 + accounts_of_customer[cust]).astype(str)).astype(object), None
    )

    epoch0 = np.datetime64("2025-01-01T00:00:00")
    created_ts = epoch0 + t0.astype("timedelta64[s]")
    ended_ts = created_ts + dur.astype("timedelta64[s]")
    esc_ts = np.where(escalated, created_ts + (dur // 3).astype("timedelta64[s]"), np.datetime64("NaT"))

    conversations = pa.table(
        {
            "conversation_id": ids,
            "customer_id": np.array([f"cust{c:06d}@example.com" for c in cust], dtype=object),
            "account_id": acct,
            "created_at": pa.array(created_ts, pa.timestamp("s", tz="UTC")),
            "ended_at": pa.array(ended_ts, pa.timestamp("s", tz="UTC")),
            "handled_by": np.where(ai, "ai", "human").astype(object),
            "escalated": pa.array(np.where(ai, escalated, False)),
            "escalated_at": pa.array(esc_ts, pa.timestamp("s", tz="UTC")),
            "escalation_reason": reason,
            "escalation_appropriate": pa.array(appropriate, pa.bool_()),
            "issue_category": np.asarray(names, dtype=object)[cats],
            "channel": chan,
            "status": status,
            "csat": pa.array(csat, pa.float64(), from_pandas=True),
            "handle_minutes": pa.array(handle, pa.float64(), from_pandas=True),
            "priority": np.where(rng.random(n) < 0.15, "high", "normal").astype(object),
            # the AI vendor's own verdict, as in Intercom's "Fin AI Agent resolution state": resolved whenever no
            # human took over and the ticket was closed, whatever happened afterwards
            "ai_resolved": pa.array(
                np.where(ai, ~escalated & np.isin(status, ["resolved", "closed"]), None), pa.bool_()
            ),
        }
    )
    messages = _messages(rng, ids, created_ts, dur, outc, cats, names, busy_all, with_sentiment, extra_exchanges)
    accounts = _accounts(rng, n_accounts, acct, ai, outc, created_ts)
    return {"conversations": conversations, "messages": messages, "accounts": accounts}


CLARIFY = "Could you tell me a bit more, for example the order or account number?"
DETAIL = "Sure, it is the one from last week, number {n}."


def _human(k: int, turns: int, agent: str, category: str | None) -> str:
    """An agent's k-th message of `turns`: a greeting, then the fix for the category (last or only)."""
    if k == turns - 1:
        return FIXES[category]
    return HUMAN_REPLIES[k % 2].replace("{agent}", agent)


def _messages(rng, ids, created_ts, dur, outc, cats, names, busy, with_sentiment, extra_exchanges=0) -> pa.Table:
    n = len(ids)
    ai_turns = np.where(outc == "resolved", rng.integers(1, 3, n), rng.integers(1, 5, n))
    # Refund requests drop off after the AI's 3rd answer far more often than elsewhere.
    refund = np.asarray([names[c] == "Refund request" for c in cats])
    ai_turns = np.where((outc == "silent") & refund & (rng.random(n) < 0.6), 3, ai_turns)
    human_turns = rng.integers(1, 4, n)
    conv_col, t_col, author_col, text_col, sent_col = [], [], [], [], []
    r = rng.random((n, 4))
    for i in range(n):
        o = outc[i]
        name = names[cats[i]]
        seq: list[tuple[str, str, float]] = []
        opener = OPENERS[name][int(r[i, 0] * 3)].replace("{n}", str(40000 + i % 9999))
        seq.append(("customer", opener, -0.6 if name == "Billing dispute" else -0.1))
        for _ in range(extra_exchanges):  # a clarifying question and the customer's detail
            seq.append(("human" if o == "human" else "ai", CLARIFY, 0.1))
            seq.append(("customer", DETAIL.replace("{n}", str(40000 + i % 9999)), 0.0))
        if o == "human":
            for k in range(human_turns[i]):
                seq.append(("human", _human(k, human_turns[i], AGENTS[i % 6], name), 0.3))
                if k < human_turns[i] - 1:
                    seq.append(("customer", CUSTOMER_NEUTRAL[(i + k) % 5], 0.0))
            seq.append(
                (
                    "customer",
                    CUSTOMER_THANKS[i % 4] if r[i, 1] < 0.8 else CUSTOMER_NEGATIVE[i % 4],
                    0.7 if r[i, 1] < 0.8 else -0.6,
                )
            )
        else:
            for k in range(ai_turns[i]):
                step = STEPS[name][(i + k) % 3]
                seq.append(("ai", AI_REPLIES[(i + k) % 4].replace("{step}", step), 0.2))
                if k < ai_turns[i] - 1:
                    seq.append(("customer", CUSTOMER_NEUTRAL[(i + k) % 5], -0.05))
            if o == "resolved":
                seq.append(("customer", CUSTOMER_THANKS[i % 4], 0.75))
            elif o == "negative":
                seq.append(("customer", CUSTOMER_NEGATIVE[i % 4], -0.7))
            elif o in ("returned", "follow_up"):
                seq.append(("customer", CUSTOMER_FLAT[i % 3], 0.0))
            elif o == "escalated":
                seq.append(("customer", "I want to talk to a person", -0.3))
                seq.append(("ai", HANDOFF, 0.0))
                for k in range(human_turns[i]):
                    seq.append(("human", _human(k, human_turns[i], AGENTS[i % 6], name), 0.3))
                seq.append(
                    (
                        "customer",
                        CUSTOMER_THANKS[i % 4] if r[i, 2] < 0.7 else CUSTOMER_FLAT[i % 3],
                        0.7 if r[i, 2] < 0.7 else 0.0,
                    )
                )
            # silent: the AI has the last word
        m = len(seq)
        offsets = np.sort(rng.integers(0, max(int(dur[i]), 1), m))
        offsets[0] = 0
        if o != "human" and m > 1:
            offsets[1] = min(offsets[1], 2 + int(r[i, 3] * 20))  # the AI answers within seconds
        for (author, text, s), off in zip(seq, offsets):
            conv_col.append(ids[i])
            t_col.append(created_ts[i] + np.timedelta64(int(off), "s"))
            author_col.append(author)
            text_col.append(text)
            sent_col.append(s)
    cols = {
        "conversation_id": pa.array(conv_col, pa.string()),
        "sent_at": pa.array(np.array(t_col, dtype="datetime64[s]"), pa.timestamp("s", tz="UTC")),
        "author_type": pa.array(author_col, pa.string()),
        "text": pa.array(text_col, pa.string()),
    }
    if with_sentiment:
        cols["sentiment"] = pa.array(np.round(np.array(sent_col) + rng.normal(0, 0.05, len(sent_col)), 3).clip(-1, 1))
    return pa.table(cols)


def _accounts(rng, n_accounts, acct, ai, outc, created_ts) -> pa.Table:
    ids = np.array([f"A{1000 + i}" for i in range(n_accounts)], dtype=object)
    seg = rng.choice(np.array(["SMB", "Mid-market", "Enterprise"], dtype=object), n_accounts, p=[0.6, 0.3, 0.1])
    arr = np.round(
        np.where(seg == "SMB", 6000, np.where(seg == "Mid-market", 40000, 180000)) * rng.lognormal(0, 0.4, n_accounts),
        -2,
    )
    renewal_day = rng.integers(60, DAYS + 120, n_accounts)
    renewal = np.datetime64("2025-01-01") + renewal_day.astype("timedelta64[D]")
    # Poor AI experience: failed AI conversations in the 180 days before renewal.
    failed = ai & (outc != "resolved")
    index = {a: i for i, a in enumerate(ids)}
    bad_count = np.zeros(n_accounts, int)
    days = (created_ts - np.datetime64("2025-01-01T00:00:00")).astype("timedelta64[D]").astype(int)
    for a, d, f in zip(acct, days, failed):
        if f and a is not None:
            j = index[a]
            if renewal_day[j] - 180 <= d < renewal_day[j]:
                bad_count[j] += 1
    p_renew = np.clip(0.92 - 0.05 * np.minimum(bad_count, 6), 0.45, 0.95)
    renewed = rng.random(n_accounts) < p_renew
    known = renewal_day < DAYS
    health = np.clip(np.round(75 - 6 * np.minimum(bad_count, 6) + rng.normal(0, 10, n_accounts)), 0, 100)
    return pa.table(
        {
            "account_id": ids,
            "segment": seg,
            "arr": arr,
            "renewal_date": pa.array(renewal, pa.date32()),
            "renewed": pa.array(np.where(known, renewed, None), pa.bool_()),
            "churned": pa.array(np.where(known, ~renewed, None), pa.bool_()),
            "expansion_arr": np.where(known & renewed & (rng.random(n_accounts) < 0.3), np.round(arr * 0.2, -2), 0.0),
            "health_score": health,
        }
    )


def write(tables: dict[str, pa.Table], out_dir: str, compression: str = "gzip") -> list[str]:
    """Write each table as CSV (gzip-compressed by default); returns the paths."""
    os.makedirs(out_dir, exist_ok=True)
    paths = []
    for name, table in tables.items():
        ext = ".csv.gz" if compression == "gzip" else ".csv"
        path = os.path.join(out_dir, name + ext)
        opts = pacsv.WriteOptions(include_header=True)
        # Timestamps as ISO 8601 with Z, as most exports write them.
        cols = []
        for f, col in zip(table.schema, table.columns):
            if pa.types.is_timestamp(f.type):
                col = pa.compute.strftime(col, format="%Y-%m-%dT%H:%M:%SZ")
            cols.append(col)
        table = pa.table(cols, names=table.column_names)
        if compression == "gzip":
            with pa.CompressedOutputStream(path, "gzip") as fh:
                pacsv.write_csv(table, fh, opts)
        else:
            pacsv.write_csv(table, path, opts)
        paths.append(path)
    return paths


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--conversations", type=int, default=20_000)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    p.add_argument("--sentiment", action="store_true", help="add a numeric sentiment column to messages")
    p.add_argument("--plain", action="store_true", help="write uncompressed CSV")
    a = p.parse_args()
    paths = write(generate(a.conversations, a.seed, a.sentiment), a.out, "none" if a.plain else "gzip")
    for path in paths:
        print(path, os.path.getsize(path))


if __name__ == "__main__":
    main()
