"""Targets: a goal per metric (the `targets` setting), and whether a value meets it."""

from __future__ import annotations

from metrics.compute import registry
from metrics.core.settings import Settings


def parse(s: Settings) -> tuple[dict[str, float], list[str]]:
    """({metric id: target}, [names that are not metrics]) from the setting's metric=value items."""
    known = {sp.id for sp in registry.all_specs()}
    out: dict[str, float] = {}
    unknown: list[str] = []
    for item in s.targets:
        name, _, value = item.partition("=")
        name = name.strip()
        if name in known:
            out[name] = float(value)
        else:
            unknown.append(name)
    return out, unknown


def met(metric_id: str, value: float | None, target: float) -> bool | None:
    """Whether the value reaches the target in the metric's direction (None without a value or a direction)."""
    better = registry.get(metric_id).better
    if value is None or not better:
        return None
    return value >= target if better == "higher" else value <= target


def with_target(s: Settings, metric_id: str, target: float | None) -> Settings:
    """The settings with this metric's target set (None removes it)."""
    kept = [t for t in s.targets if t.partition("=")[0].strip() != metric_id]
    if target is not None:
        kept.append(f"{metric_id}={target:g}")
    return s.replace(targets=kept)
