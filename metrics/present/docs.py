"""The README's metric and settings tables, generated from the registry and the settings model (a test keeps them equal)."""

from __future__ import annotations

import re

from metrics.compute import registry
from metrics.core import settings as settings_mod

START, END = "<!-- metrics:start -->", "<!-- metrics:end -->"
SET_START, SET_END = "<!-- settings:start -->", "<!-- settings:end -->"
_KIND = {
    "rate": "rate (n/d, Wilson 95%)",
    "median": "median",
    "p90": "90th percentile",
    "mean": "mean",
    "business": "business",
    "survival": "Kaplan-Meier (95%)",
}


def metric_table() -> str:
    lines = ["| id | label | definition | kind | better |", "|---|---|---|---|---|"]
    family = None
    for spec in registry.all_specs():
        if spec.family != family and not spec.id.startswith(("peak_", "offpeak_")):
            family = spec.family
            lines.append(f"| **{family}** | | | | |")
        if spec.id.startswith("peak_") and family != "Quality under load":
            family = "Quality under load"
            lines.append(f"| **{family}** | | | | |")
        unit = "" if spec.unit in ("rate", "count") else f" ({spec.unit})"
        lines.append(f"| `{spec.id}` | {spec.label} | {spec.definition} | {_KIND[spec.kind]}{unit} | {spec.better} |")
    return "\n".join(lines)


def settings_table() -> str:
    """Every setting: name, default, limits, what it means, where the app shows it and what a change recomputes."""
    lines = ["| setting | default | limits | meaning | in the app | a change recomputes |", "|---|---|---|---|---|---|"]
    d = settings_mod.Settings()
    for name, m in settings_mod.META.items():
        default = getattr(d, name)
        shown = ", ".join(default) if isinstance(default, tuple) else default
        shown = f"`{shown}`" if shown != "" else "(empty)"
        limits = (
            "" if m.lo is None else f"{m.lo:,g} to {m.hi:,g}" + ("" if m.unit in ("", "currency") else f" {m.unit}")
        )
        where = {"": "settings file / URL", "Costs": "Business impact page"}.get(m.group, f"sidebar: {m.group}")
        stage = {
            "load": "loading the files, then the signals",
            "signals": "the signals",
            "display": "the figures only",
        }[m.stage]
        lines.append(f"| `{name}` | {shown} | {limits} | {m.label}: {m.help} | {where} | {stage} |")
    return "\n".join(lines)


def _replace(text: str, start: str, end: str, body: str) -> str:
    block = f"{start}\n{body}\n{end}"
    return re.sub(re.escape(start) + ".*?" + re.escape(end), lambda _: block, text, flags=re.S)


def update_readme(text: str) -> str:
    text = _replace(text, START, END, metric_table())
    return _replace(text, SET_START, SET_END, settings_table())
