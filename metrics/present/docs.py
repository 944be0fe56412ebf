"""The README's metric table, generated from the registry (a test keeps them equal)."""

from __future__ import annotations

import re

from metrics.compute import registry

START, END = "<!-- metrics:start -->", "<!-- metrics:end -->"
_KIND = {
    "rate": "rate (n/d, Wilson 95%)",
    "median": "median",
    "p90": "90th percentile",
    "mean": "mean",
    "business": "business",
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


def update_readme(text: str) -> str:
    block = f"{START}\n{metric_table()}\n{END}"
    return re.sub(re.escape(START) + ".*?" + re.escape(END), lambda _: block, text, flags=re.S)
