"""Every metric the product computes, in the order of the README and the app.

The declarations are plain data in `metrics.compute.catalog` (one module per family); this module
collects them once, adds the peak / off-peak variants of the quality-under-load metrics, and
answers lookups by id. Every id is documented in the README (a test checks it).
"""

from __future__ import annotations

from metrics.compute.catalog import business, durable, efficiency, experience, resolution
from metrics.compute.spec import MetricSpec, variant
from metrics.core.settings import Settings

# The headline numbers of the Overview (and of the benchmark's settings-change step).
HEADLINE = (
    "true_resolution_rate",
    "deflection_rate",
    "containment_rate",
    "fcr_rate_ai",
    "escalation_rate",
    "ttfr_median_s_ai",
    "csat_mean_ai",
    "fcr_rate_human",
)

# The Overview's headline numbers when the data holds no AI conversation: the human baseline.
HUMAN_HEADLINE = (
    "fcr_rate_human",
    "return_rate_human",
    "ttfr_median_s_human",
    "ttr_median_s_human",
    "one_touch_rate_human",
    "csat_mean_human",
    "csat_satisfied_rate_human",
    "csat_response_rate_human",
)

# Where the calendar time is unknown but the helpdesk's business-hours time is there, show that one instead.
BUSINESS_HOURS_FALLBACK = {
    "ttfr_median_s_human": "ttfr_business_median_s_human",
    "ttr_median_s_human": "ttr_business_median_s_human",
}

FAMILY_ORDER = ("Resolution quality", "Efficiency", "Customer experience", "Business impact")
_FAMILIES = (resolution, durable, efficiency, experience, business)  # the order of the README and the app
# Quality under load (SPEC 4): these are also computed for peak and for off-peak conversations.
PEAK_BASES = ("true_resolution_rate", "escalation_rate", "ttfr_median_s_ai", "csat_mean_ai")


def _collect() -> dict[str, MetricSpec]:
    out: dict[str, MetricSpec] = {}
    specs = [sp for fam in _FAMILIES for sp in fam.SPECS]
    by_id = {sp.id: sp for sp in specs}
    for base in PEAK_BASES:
        specs += [
            variant(by_id[base], "peak_", "peak", "peak"),
            variant(by_id[base], "offpeak_", "NOT peak", "off-peak"),
        ]
    for sp in specs:
        if sp.id in out:
            raise ValueError(f"metric {sp.id} declared twice")
        out[sp.id] = sp
    return out


_REGISTRY = _collect()


def all_specs() -> list[MetricSpec]:
    """Every declared metric, by family in a fixed order."""
    rank = {f: i for i, f in enumerate(FAMILY_ORDER)}
    return sorted(_REGISTRY.values(), key=lambda sp: rank.get(sp.family, len(rank)))


def get(metric_id: str) -> MetricSpec:
    return _REGISTRY[metric_id]


def is_ai_only(metric_id: str) -> bool:
    """Whether the metric counts only AI conversations (it has no value on helpdesk-only data)."""
    sp = get(metric_id)
    return "is_ai" in sp.sql(sp.population, _DEFAULT_SETTINGS)


_DEFAULT_SETTINGS = Settings()
