"""What a change caused (issue 22): a change log, and each change's effect on the headline rates.

A change has a date, the categories it touched (none = all), a kind and a description; the AI launch
(`deployment_date`) is the first. For each change and metric:
- **interrupted time series** (its) when it touched everything: weighted least squares on the daily values
  (weights = the day's conversations) with a level, a trend, a level change and a trend change at the date and
  day-of-week terms; Newey-West (HAC, 7 lags) errors. The effect is the level change.
- **difference-in-differences** (did) when it touched some categories: the daily values of the touched and the
  untouched categories, with group, period and day-of-week terms; the effect is touched x after, HAC errors.
  A pre-trend check (do the two groups already drift apart before?) and a placebo date (the middle of the
  period before) come with it.
The verdict is too_early when either side has fewer than MIN_DAYS days with data, effect when the 95% interval
excludes zero, no_effect otherwise.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass

import numpy as np
import pandas as pd

from metrics.compute import business, checks, registry
from metrics.compute.signals import TABLE as SIGNALS
from metrics.core.db import Database, rows
from metrics.core.errors import IngestError
from metrics.core.settings import Settings

MIN_DAYS = 14  # days with data needed on each side of a change
MAX_CHANGES = 100  # each change is a few model fits per metric: a log longer than this is refused
WINDOW_DAYS = 90  # days used on each side
ALPHA = 0.05
METRICS = ("true_resolution_rate", "return_rate_ai", "escalation_rate", "csat_mean_ai", "cost_per_resolution_ai")
# The launch changes who answers, so it is measured on what exists before and after it: every conversation (so is
# any change in a helpdesk export without AI conversations).
LAUNCH_METRICS = ("fcr_rate", "return_rate")
_POINTS = {"rate"}  # effects of rates are shown in percentage points


@dataclass(frozen=True)
class Change:
    date: dt.date
    categories: tuple[str, ...]
    kind: str
    description: str

    def to_setting(self) -> str:
        return f"{self.date.isoformat()}|{';'.join(self.categories)}|{self.kind}|{self.description}"


def parse(items: tuple[str, ...] | list[str]) -> list[Change]:
    """The `changes` setting: date|categories (;-separated, empty = all)|kind|description."""
    out = []
    for item in items:
        date, _, rest = item.partition("|")
        cats, _, rest = rest.partition("|")
        kind, _, description = rest.partition("|")
        out.append(
            Change(
                dt.date.fromisoformat(date.strip()),
                tuple(c.strip() for c in cats.split(";") if c.strip()),
                kind.strip() or "change",
                description.strip(),
            )
        )
    return out


def log(s: Settings, launch: dt.date | None = None) -> list[Change]:
    """The change log: the AI launch first (the deployment date setting, else `launch`: the first AI
    conversation's day), then the changes by date."""
    when = dt.date.fromisoformat(s.deployment_date) if s.deployment_date else launch
    out = [Change(when, (), "launch", "the AI launch")] if when else []
    return out + sorted(parse(s.changes), key=lambda c: c.date)


def read_csv(name: str, data: bytes) -> list[Change]:
    """A change log file (columns date, categories, kind, description); IngestError naming the row and column."""
    reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig", errors="replace")))
    heads = {(h or "").strip().lower(): h for h in reader.fieldnames or []}
    if "date" not in heads:
        raise IngestError(f"{name} needs a date column (and categories, kind, description).")
    out = []
    for n, row in enumerate(reader, start=2):
        if len(out) == MAX_CHANGES:
            raise IngestError(f"{name} has more than {MAX_CHANGES} changes; keep the ones worth checking.")
        raw = (row.get(heads["date"]) or "").strip()
        try:
            date = dt.date.fromisoformat(raw[:10])
        except ValueError:
            raise IngestError(f"{name}, row {n}, column date: {raw[:30]!r} is not a date (YYYY-MM-DD).") from None

        def get(col: str, row: dict = row) -> str:
            return (row.get(heads[col]) or "").strip().replace("|", "/") if col in heads else ""

        cats = tuple(c.strip() for c in get("categories").split(";") if c.strip())
        out.append(Change(date, cats, get("kind") or "change", get("description")))
    return out


def _daily(db: Database, s: Settings, mid: str, touched: tuple[str, ...]) -> pd.DataFrame:
    """day, group (1 = touched categories, 0 = the others; all 1 without categories), value, n."""
    group = "CAST(list_contains($cats, category) AS INTEGER)" if touched else "1"
    params = {"cats": list(touched)} if touched else {}
    if mid == "cost_per_resolution_ai":
        fee_c, fee_r = s.ai_fee_per_conversation, s.ai_fee_per_resolution
        lic = s.license_per_month * 12 / 365
        sql = f"""SELECT day, {group} AS grp, count(*) AS n, count(*) FILTER (WHERE truly_resolved) AS k
                  FROM {SIGNALS} WHERE is_ai AND matured GROUP BY 1, 2 ORDER BY 1, 2"""
        df = pd.DataFrame(rows(db.con, sql, params), columns=["day", "grp", "n", "k"])
        df = df[df["k"] > 0]
        # the license is shared by the day's conversations of both groups in proportion
        per_day = df.groupby("day")["n"].transform("sum")
        df["value"] = (df["n"] * fee_c + df["k"] * fee_r + lic * df["n"] / per_day) / df["k"]
        return df[["day", "grp", "value", "n"]]
    spec = registry.get(mid)
    pop = spec.sql(spec.population, s)
    value = (
        f"avg(CASE WHEN {spec.sql(spec.condition, s)} THEN 1.0 ELSE 0.0 END)"
        if spec.kind == "rate"
        else f"avg({spec.value})"
    )
    n = "count(*)" if spec.kind == "rate" else f"count({spec.value})"
    sql = f"""SELECT day, {group} AS grp, {value} AS value, {n} AS n FROM {SIGNALS} WHERE {pop}
              GROUP BY 1, 2 HAVING {n} > 0 ORDER BY 1, 2"""
    return pd.DataFrame(rows(db.con, sql, params), columns=["day", "grp", "value", "n"])


def _design(df: pd.DataFrame, date: dt.date, did: bool) -> pd.DataFrame:
    t = np.array([(d - date).days for d in df["day"]], dtype=float)
    post = (t >= 0).astype(float)
    x = pd.DataFrame({"const": 1.0, "t": t, "post": post}, index=df.index)
    dow = pd.get_dummies(pd.Series([d.weekday() for d in df["day"]], index=df.index), prefix="dow", drop_first=True)
    if did:
        x["touched"] = df["grp"].astype(float)
        x["effect"] = x["touched"] * post
    else:
        x["t_after"] = t * post
        x["effect"] = post
        x = x.drop(columns=["post"])
    return pd.concat([x, dow.astype(float)], axis=1)


def _fit(df: pd.DataFrame, date: dt.date, did: bool):
    import statsmodels.api as sm  # loaded only when there is a change to check

    x = _design(df, date, did)
    x = x.loc[:, (x != 0).any(axis=0)]  # a weekday never seen gives an empty column
    model = sm.WLS(df["value"].astype(float), x, weights=df["n"].astype(float))
    return model.fit(cov_type="HAC", cov_kwds={"maxlags": 7})


@dataclass(frozen=True)
class Effect:
    change: str
    date: dt.date
    metric: str
    method: str  # its | did
    effect: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    verdict: str  # effect | no_effect | too_early
    sentence: str
    pretrend_p_value: float | None = None
    placebo_p_value: float | None = None

    def to_json(self) -> dict:
        d = {k: getattr(self, k) for k in self.__dataclass_fields__}
        d["date"] = self.date.isoformat()
        return d


def _words(mid: str, v: float) -> str:
    spec = registry.get(mid)
    if spec.unit == "rate":
        return f"{abs(v) * 100:.1f} points"
    if spec.unit == "currency":
        return f"{abs(v):,.2f}"
    return f"{abs(v):.2f}"


def effect_of(db: Database, s: Settings, change: Change, mid: str) -> Effect:
    """The change's effect on one metric (its or did), with its verdict and sentence."""
    did = bool(change.categories)
    label = registry.get(mid).label
    label = label[0].lower() + label[1:]
    name = change.description or change.kind
    when = f"{change.date:%-d %b %Y}"
    df = _daily(db, s, mid, change.categories)
    lo, hi = change.date - dt.timedelta(days=WINDOW_DAYS), change.date + dt.timedelta(days=WINDOW_DAYS)
    df = df[(df["day"] >= lo) & (df["day"] < hi)].reset_index(drop=True)
    before = df[df["day"] < change.date]["day"].nunique()
    after = df[df["day"] >= change.date]["day"].nunique()
    groups_ok = not did or df["grp"].nunique() == 2
    method = "did" if did else "its"
    if before < MIN_DAYS or after < MIN_DAYS or not groups_ok:
        why = (
            "no untouched categories to compare with"
            if not groups_ok
            else f"{before} days with data before and {after} after; {MIN_DAYS} of each are needed"
        )
        return Effect(name, change.date, mid, method, None, None, None, None, "too_early",
                      f"After {name} on {when}: too early to tell for {label} ({why}).")  # fmt: skip
    fit = _fit(df, change.date, did)
    est = float(fit.params["effect"])
    low, high = (float(v) for v in fit.conf_int(ALPHA).loc["effect"])
    p = float(fit.pvalues["effect"])
    verdict = "effect" if (low > 0 or high < 0) else "no_effect"
    where = f" on {', '.join(change.categories)}" if did else ""
    than = " more than on the other categories" if did and est > 0 else " more than the other categories" if did else ""
    ci = (
        f"95% CI {low * 100:.1f} to {high * 100:.1f}"
        if registry.get(mid).unit == "rate"
        else f"95% CI {low:.2f} to {high:.2f}"
    )
    if verdict == "effect":
        sentence = (
            f"After {name} on {when}, {label}{where} {'rose' if est > 0 else 'fell'} {_words(mid, est)} ({ci}){than}."
        )
    else:
        sentence = f"After {name} on {when}, no clear change in {label}{where} ({'+' if est >= 0 else '-'}{_words(mid, est)}, {ci})."
    pre_p = placebo_p = None
    if did:
        pre = df[df["day"] < change.date].reset_index(drop=True)
        if pre["day"].nunique() >= 2 * MIN_DAYS:
            mid_date = sorted(pre["day"].unique())[pre["day"].nunique() // 2]
            placebo_p = float(_fit(pre, mid_date, True).pvalues["effect"])
            t = np.array([(d - change.date).days for d in pre["day"]], dtype=float)
            xp = pd.DataFrame({"const": 1.0, "t": t, "touched": pre["grp"].astype(float)})
            xp["touched_t"] = xp["touched"] * t
            import statsmodels.api as sm

            pre_fit = sm.WLS(pre["value"].astype(float), xp, weights=pre["n"].astype(float)).fit(
                cov_type="HAC", cov_kwds={"maxlags": 7}
            )
            pre_p = float(pre_fit.pvalues["touched_t"])
    return Effect(name, change.date, mid, method, est, low, high, p, verdict, sentence, pre_p, placebo_p)


def effects(db: Database, s: Settings, metrics: tuple[str, ...] = METRICS) -> list[Effect]:
    """Every change of the log against every metric the data has; remembered per data and settings."""
    key = ("change_effects", s, metrics)
    if key not in db.memo:
        found = log(s, business.deployment_date(db, s))
        ai = checks.has_ai(db)  # without AI conversations a change can only show in every conversation's rates
        db.memo[key] = [
            effect_of(db, s, c, m) for c in found for m in (LAUNCH_METRICS if c.kind == "launch" or not ai else metrics)
        ]
    return db.memo[key]
