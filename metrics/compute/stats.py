"""Inference over sufficient statistics (counts, sums). Degenerate inputs give a result with a note."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from scipy import stats as sps

Z95 = 1.959963984540054


def wilson(k: int, n: int, z: float = Z95) -> tuple[float | None, float | None]:
    """Wilson score interval for k successes in n trials; (None, None) when n = 0."""
    if not n:
        return None, None
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    lo = 0.0 if k == 0 else max(0.0, centre - half)
    hi = 1.0 if k == n else min(1.0, centre + half)
    return lo, hi


@dataclass(frozen=True)
class TestResult:
    test: str
    effect: float | None  # difference a - b
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    n_a: int
    n_b: int
    note: str = ""


def two_proportions(k_a: int, n_a: int, k_b: int, n_b: int) -> TestResult:
    """Two-sided two-proportion z test; Fisher's exact test when an expected cell count is below 5."""
    if not n_a or not n_b:
        return TestResult("none", None, None, None, None, n_a, n_b, "one side has no observations")
    p_a, p_b = k_a / n_a, k_b / n_b
    diff = p_a - p_b
    se_unpooled = math.sqrt(p_a * (1 - p_a) / n_a + p_b * (1 - p_b) / n_b)
    lo, hi = max(-1.0, diff - Z95 * se_unpooled), min(1.0, diff + Z95 * se_unpooled)
    pooled = (k_a + k_b) / (n_a + n_b)
    expected = [n * r for n in (n_a, n_b) for r in (pooled, 1 - pooled)]
    if min(expected) < 5:
        _, p = sps.fisher_exact([[k_a, n_a - k_a], [k_b, n_b - k_b]])
        return TestResult("fisher_exact", diff, lo, hi, float(p), n_a, n_b, "small expected counts")
    se = math.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
    if se == 0:
        return TestResult("two_proportion_z", diff, lo, hi, 1.0, n_a, n_b, "no variation on either side")
    z = diff / se
    return TestResult("two_proportion_z", diff, lo, hi, float(2 * sps.norm.sf(abs(z))), n_a, n_b)


def cmh(tables: list[tuple[int, int, int, int]]) -> TestResult:
    """Cochran-Mantel-Haenszel test of no association across strata of 2x2 tables (a, b, c, d).

    Each table is (group A successes, group A failures, group B successes, group B failures).
    The effect is the Mantel-Haenszel pooled odds ratio; strata without both groups are skipped.
    """
    import numpy as np
    from statsmodels.stats.contingency_tables import StratifiedTable

    usable = [t for t in tables if (t[0] + t[1]) > 0 and (t[2] + t[3]) > 0 and (t[0] + t[2]) > 0 and (t[1] + t[3]) > 0]
    n_a = sum(t[0] + t[1] for t in usable)
    n_b = sum(t[2] + t[3] for t in usable)
    if not usable:
        return TestResult("cmh", None, None, None, None, n_a, n_b, "no stratum has both groups and both outcomes")
    st = StratifiedTable([np.array([[a, b], [c, d]], dtype=float) for a, b, c, d in usable])
    res = st.test_null_odds(correction=True)
    ratio = float(st.oddsratio_pooled)
    if not math.isfinite(ratio) or ratio == 0:  # a side with no successes or no failures at all
        return TestResult(
            "cmh",
            None if not math.isfinite(ratio) else ratio,
            None,
            None,
            float(res.pvalue),
            n_a,
            n_b,
            "pooled odds ratio at 0 or infinity: no interval",
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        lo, hi = st.oddsratio_pooled_confint()
    return TestResult("cmh", ratio, float(lo), float(hi), float(res.pvalue), n_a, n_b)


def bh_qvalues(pvalues: list[float]) -> list[float]:
    """Benjamini-Hochberg adjusted p-values (q-values), in the input order."""
    if not pvalues:
        return []
    from scipy.stats import false_discovery_control

    return [float(x) for x in false_discovery_control(pvalues, method="bh")]


def mann_whitney(a: list[float], b: list[float]) -> TestResult:
    """Two-sided Mann-Whitney U; the effect is the difference of medians (a - b)."""
    import statistics

    if len(a) < 1 or len(b) < 1:
        return TestResult("mann_whitney_u", None, None, None, None, len(a), len(b), "one side has no values")
    effect = statistics.median(a) - statistics.median(b)
    if len(set(a) | set(b)) == 1:
        return TestResult("mann_whitney_u", effect, None, None, 1.0, len(a), len(b), "all values are equal")
    p = float(sps.mannwhitneyu(a, b, alternative="two-sided").pvalue)
    return TestResult("mann_whitney_u", effect, None, None, p, len(a), len(b))


def worse_than_the_rest(
    cells: Iterable[tuple[Any, int, int, int, int]], worse: str, min_n: int, alpha: float
) -> list[tuple[Any, float, float]]:
    """Cells (key, k, n, k_other, n_other) whose rate is significantly `higher` / `lower` than the other's.

    Two-proportion z-test per cell (cells with fewer than `min_n` on either side are not tested),
    Benjamini-Hochberg across the tested cells; returns (key, p, q) for those with q < alpha.
    """
    tested = []
    for key, k, n, ko, no in cells:
        if n < min_n or no < min_n:
            continue
        t = two_proportions(k, n, ko, no)
        if t.p_value is not None:
            tested.append((key, k / n, ko / no, t.p_value))
    qs = bh_qvalues([p for *_, p in tested])
    return [
        (key, p, q)
        for (key, rate, other, p), q in zip(tested, qs)
        if q < alpha and (rate < other if worse == "lower" else rate > other)
    ]


def mann_whitney_p(n1: int, n2: int, rank_sum_1: float, tie_term: float) -> float | None:
    """Two-sided Mann-Whitney p from rank sums (normal approximation with tie and continuity
    corrections: scipy's `asymptotic` method), so the ranks can be computed in SQL."""
    n = n1 + n2
    if n1 < 1 or n2 < 1 or n < 2:
        return None
    u1 = rank_sum_1 - n1 * (n1 + 1) / 2
    u = max(u1, n1 * n2 - u1)
    var = n1 * n2 / 12 * ((n + 1) - tie_term / (n * (n - 1)))
    if var <= 0:
        return 1.0
    z = (u - n1 * n2 / 2 - 0.5) / math.sqrt(var)
    return float(min(1.0, 2 * sps.norm.sf(z)))


def welch(a: list[float], b: list[float]) -> TestResult:
    """Welch's t test for a difference of means (a - b), with its 95% interval."""
    n_a, n_b = len(a), len(b)
    if n_a < 2 or n_b < 2:
        return TestResult("welch_t", None, None, None, None, n_a, n_b, "each side needs at least two values")
    ma, mb = sum(a) / n_a, sum(b) / n_b
    va = sum((x - ma) ** 2 for x in a) / (n_a - 1)
    vb = sum((x - mb) ** 2 for x in b) / (n_b - 1)
    se = math.sqrt(va / n_a + vb / n_b)
    diff = ma - mb
    if se == 0:
        return TestResult("welch_t", diff, diff, diff, 1.0 if diff == 0 else 0.0, n_a, n_b, "no variation")
    df = (va / n_a + vb / n_b) ** 2 / ((va / n_a) ** 2 / (n_a - 1) + (vb / n_b) ** 2 / (n_b - 1))
    t = diff / se
    q = sps.t.ppf(0.975, df)
    return TestResult("welch_t", diff, diff - q * se, diff + q * se, float(2 * sps.t.sf(abs(t), df)), n_a, n_b)


def chi_square(table: list[list[int]]) -> TestResult:
    """Chi-square test of independence for a contingency table (rows = groups)."""
    import numpy as np

    arr = np.array(table, dtype=float)
    arr = arr[:, arr.sum(axis=0) > 0]
    arr = arr[arr.sum(axis=1) > 0]
    if arr.shape[0] < 2 or arr.shape[1] < 2:
        return TestResult("chi_square", None, None, None, None, int(arr.sum()), 0, "not enough groups or outcomes")
    stat, p, _, _ = sps.chi2_contingency(arr)
    return TestResult("chi_square", float(stat), None, None, float(p), int(arr.sum()), 0)
