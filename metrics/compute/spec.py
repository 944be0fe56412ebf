"""What a metric is, as plain data: id, label in a support leader's words, definition, unit, direction, SQL.

A metric is a `MetricSpec` in `metrics.compute.catalog` plus the generic aggregation in
`metrics.compute.aggregate`. SQL fragments are written against the signals relation
(`metrics.compute.signals`); a fragment may depend on the settings (a callable).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from metrics.core.settings import Settings

Sql = str | Callable[[Settings], str]


@dataclass(frozen=True)
class MetricSpec:
    id: str
    label: str
    definition: str
    kind: str  # rate | median | p90 | mean | business (computed in metrics.compute.business)
    population: Sql  # which conversations count (the denominator)
    condition: Sql = ""  # rate: which of them are successes (the numerator)
    value: str = ""  # median/p90/mean: the value aggregated
    unit: str = "rate"  # rate | seconds | count | score | currency | hours | fte
    better: str = ""  # higher | lower | ""
    family: str = ""
    needs: tuple[str, ...] = ()  # data requirements, see aggregate.REQUIREMENTS

    def sql(self, part: Sql, s: Settings) -> str:
        return part(s) if callable(part) else part


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
