"""Metric declarations: id, label in a support leader's words, definition, unit, direction, SQL.

A metric is a declaration here (or in a family module) plus the generic aggregation in
`metrics.aggregate`. Every declared id is documented in the README (a test checks it).
SQL fragments are written against the signals relation (`metrics.signals`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from metrics.settings import Settings

Sql = str | Callable[[Settings], str]


@dataclass(frozen=True)
class MetricSpec:
    id: str
    label: str
    definition: str
    kind: str  # rate | median | p90 | mean | business (computed in metrics.business)
    population: Sql  # which conversations count (the denominator)
    condition: Sql = ""  # rate: which of them are successes (the numerator)
    value: str = ""  # median/p90/mean: the value aggregated
    unit: str = "rate"  # rate | seconds | count | score
    better: str = ""  # higher | lower | ""
    family: str = ""
    needs: tuple[str, ...] = ()  # data requirements, see aggregate.REQUIREMENTS

    def sql(self, part: Sql, s: Settings) -> str:
        return part(s) if callable(part) else part


_REGISTRY: dict[str, MetricSpec] = {}


def register(*specs: MetricSpec) -> None:
    for spec in specs:
        if spec.id in _REGISTRY:
            raise ValueError(f"metric {spec.id} declared twice")
        _REGISTRY[spec.id] = spec


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


def all_specs() -> list[MetricSpec]:
    """Every declared metric, by family in a fixed order (whatever order modules were imported in)."""
    _load_families()
    rank = {f: i for i, f in enumerate(FAMILY_ORDER)}
    return sorted(_REGISTRY.values(), key=lambda sp: rank.get(sp.family, len(rank)))


def get(metric_id: str) -> MetricSpec:
    _load_families()
    return _REGISTRY[metric_id]


def variant(spec: MetricSpec, prefix: str, extra_population: str, label: str) -> MetricSpec:
    """The same metric restricted to a sub-population (peak / off-peak)."""
    pop = spec.population

    def population(s: Settings) -> str:
        base = pop(s) if callable(pop) else pop
        return f"({base}) AND ({extra_population})"

    return replace(
        spec,
        id=prefix + spec.id,
        label=f"{spec.label} ({label})",
        definition=f"{spec.definition} Only conversations that started at {label} load.",
        population=population,
    )


_loaded = False


def _load_families() -> None:
    """Family modules register their metrics on import; peak/off-peak variants come last."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    import importlib

    for family in ("resolution", "efficiency", "experience", "business"):  # the order of the README and the app
        importlib.import_module(f"metrics.{family}")
    from metrics import efficiency

    register(*efficiency.peak_variants())
