"""Next weeks' workload and bill (issue 22): weekly volume per category with prediction intervals, times the AI's
share and its true-resolution rate, as human conversations, agent hours and AI fees.

Volume: an exponential smoothing model (statsmodels ETS: additive errors, additive damped trend) on the complete
weeks of each category (the first and last week of the data are left out when they are partial), with a 95%
prediction interval. Per week:
- AI conversations = volume x the AI's share (last RECENT complete weeks);
- human conversations = volume - AI conversations truly resolved = volume x (1 - share x r), with r the
  category's true-resolution rate over its matured AI conversations of the last RECENT weeks;
- agent hours = human conversations x human_minutes_per_conversation / 60;
- AI fees = AI conversations x ai_fee_per_conversation + AI conversations x r x ai_fee_per_resolution, plus the
  licence (license_per_month x 12 / 52) on the total only, when the AI answers at all.
A what-if moves r by some points or the volume by a percentage and recomputes the same arithmetic.
"""

from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from metrics.compute.aggregate import partial_weeks
from metrics.compute.signals import TABLE as SIGNALS
from metrics.core.db import Database, columns, rows
from metrics.core.settings import Settings

MIN_WEEKS = 10  # complete weeks of history needed for a forecast
RECENT = 8  # weeks the AI's share and its resolution rate are taken over
ALL = "all"


@dataclass(frozen=True)
class Week:
    week: dt.date
    segment: str
    volume: float
    volume_low: float
    volume_high: float
    ai_share: float
    resolution_rate: float
    human_conversations: float
    agent_hours: float
    ai_fees: float

    def to_json(self) -> dict:
        d = {k: getattr(self, k) for k in self.__dataclass_fields__}
        d["week"] = self.week.isoformat()
        return d


BY = ("category", "topic")  # the segments a forecast can be broken down by


def _history(db: Database, by: str = "category") -> pd.DataFrame:
    """Complete weeks x segment (all and each value of `by`): conversations."""
    drop = set(partial_weeks(db))
    found = rows(
        db.con,
        f"""SELECT week, CASE WHEN grouping({by}) = 1 THEN $all ELSE coalesce({by}, '(none)') END, count(*)
            FROM {SIGNALS} GROUP BY GROUPING SETS ((week), (week, {by})) ORDER BY 1""",
        {"all": ALL},
    )
    df = pd.DataFrame(found, columns=["week", "segment", "n"])
    df = df[~df["week"].astype(str).isin(drop)]
    table = df.pivot_table(index="week", columns="segment", values="n", fill_value=0).sort_index()
    if len(table):  # a week without any conversation is a week of 0, not a missing one
        every = [
            table.index[0] + dt.timedelta(weeks=k) for k in range((table.index[-1] - table.index[0]).days // 7 + 1)
        ]
        table = table.reindex(every, fill_value=0)
    return table


def _rates(db: Database, since: dt.date | None, by: str = "category") -> dict[str, tuple[float, float]]:
    """segment -> (the AI's share of conversations, its true-resolution rate) since that week."""
    found = rows(
        db.con,
        f"""SELECT CASE WHEN grouping({by}) = 1 THEN $all ELSE coalesce({by}, '(none)') END,
                   count(*) FILTER (WHERE is_ai) / count(*),
                   count(*) FILTER (WHERE is_ai AND matured AND truly_resolved)
                   / nullif(count(*) FILTER (WHERE is_ai AND matured), 0)
            FROM {SIGNALS} WHERE $since IS NULL OR week >= CAST($since AS DATE)
            GROUP BY GROUPING SETS ((), ({by}))""",
        {"all": ALL, "since": since},
    )
    return {seg: (float(share or 0.0), float(r or 0.0)) for seg, share, r in found}


def volume(history: pd.Series, horizon: int) -> pd.DataFrame:
    """mean, pi_lower, pi_upper (never below 0) for the next `horizon` weeks."""
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel  # loaded only when there is a forecast to make

    y = pd.Series(np.asarray(history, dtype=float))
    with warnings.catch_warnings():  # convergence chatter on short, flat series
        warnings.simplefilter("ignore")
        fit = ETSModel(y, error="add", trend="add", damped_trend=True).fit(disp=False)
        frame = fit.get_prediction(start=len(y), end=len(y) + horizon - 1).summary_frame(alpha=0.05)
    return frame[["mean", "pi_lower", "pi_upper"]].clip(lower=0.0).reset_index(drop=True)


def _week(s: Settings, week: dt.date, segment: str, v: float, low: float, high: float, share: float, r: float) -> Week:
    v, low, high = float(v), float(low), float(high)
    ai = v * share
    human = v - ai * r
    fees = ai * s.ai_fee_per_conversation + ai * r * s.ai_fee_per_resolution
    if segment == ALL and share > 0:  # no licence to forecast where no AI answers
        fees += s.license_per_month * 12 / 52
    return Week(week, segment, v, low, high, share, r, human, human * s.human_minutes_per_conversation / 60, fees)


def forecast(db: Database, s: Settings, horizon: int = 8, by: str = "category") -> list[Week]:
    """The next `horizon` weeks for all conversations and each value of `by` (category or topic) with MIN_WEEKS
    complete weeks."""
    if by not in BY or by not in columns(db.con, SIGNALS):
        return []
    if not rows(db.con, f"SELECT count({by}) FROM {SIGNALS}")[0][0]:  # no topics found in this data
        return []
    hist = _history(db, by)
    if len(hist) < MIN_WEEKS:
        return []
    weeks = list(hist.index)
    rates = _rates(db, weeks[-RECENT], by)
    out = []
    for segment in [ALL, *sorted(c for c in hist.columns if c != ALL)]:
        series = hist[segment]
        if segment != ALL and (series > 0).sum() < MIN_WEEKS:
            continue
        pred = volume(series, horizon)
        share, r = rates.get(segment, (0.0, 0.0))
        for h, row in pred.iterrows():
            week = weeks[-1] + dt.timedelta(weeks=h + 1)
            out.append(_week(s, week, segment, row["mean"], row["pi_lower"], row["pi_upper"], share, r))
    return out


def what_if(
    weeks: list[Week], s: Settings, segment: str, resolution_points: float = 0.0, volume_pct: float = 0.0
) -> list[Week]:
    """The same weeks with one segment's true resolution moved by some points and its volume by a percentage
    (ALL: every segment); the total is the sum of what it covers only when it is recomputed itself."""
    out = []
    for w in weeks:
        if segment in (ALL, w.segment):
            f = 1 + volume_pct / 100
            r = min(1.0, max(0.0, w.resolution_rate + resolution_points / 100))
            w = _week(s, w.week, w.segment, w.volume * f, w.volume_low * f, w.volume_high * f, w.ai_share, r)
        out.append(w)
    return out


def band(w: Week, s: Settings) -> tuple[Week, Week]:
    """The same week at the low and the high end of its volume's 95% range (people reached, hours, fees)."""
    if not w.volume:
        return w, w
    low, high = (what_if([w], s, w.segment, 0.0, 100 * (v / w.volume - 1))[0] for v in (w.volume_low, w.volume_high))
    return low, high


def fte_week_hours(s: Settings) -> float:
    """A full-time agent's hours a week: fte_hours_per_month spread over 52 / 12 weeks."""
    return s.fte_hours_per_month * 12 / 52


def fte(hours_a_week: float, s: Settings) -> float:
    """Agent hours a week as full-time people."""
    return hours_a_week / fte_week_hours(s)


def backtest(db: Database, s: Settings, held: int = 8) -> dict | None:
    """Hold out the last `held` complete weeks of all conversations, forecast them from the weeks before: the
    share of weeks inside the 95% interval and the mean absolute percentage error."""
    hist = _history(db)
    if len(hist) < MIN_WEEKS + held:
        return None
    series = hist[ALL]
    pred = volume(series.iloc[:-held], held)
    actual = series.iloc[-held:].to_numpy(dtype=float)
    inside = (actual >= pred["pi_lower"].to_numpy()) & (actual <= pred["pi_upper"].to_numpy())
    mape = float(np.mean(np.abs(pred["mean"].to_numpy() - actual) / np.maximum(actual, 1.0)))
    return {"weeks": held, "interval_coverage": float(inside.mean()), "mean_absolute_percentage_error": mape}
