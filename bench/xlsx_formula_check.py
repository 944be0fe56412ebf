"""Time the xlsx formula-cell check on adversarial sheets (issue 18): `python -m bench.xlsx_formula_check`.

Prints the time ratio for 8x the input (linear: about 8x), adversarial against plain content of the same size,
and the old regular expression against the streaming parse on the shape that made the regex backtrack.
"""

from __future__ import annotations

import re
import time

from metrics.load.structured import _formula_cells_without_value

OLD = re.compile(rb'<c [^>]*?\br="([A-Z]+)(\d+)"[^>]*>\s*(?:<f[ >][^<]*(?:</f>)?|<f/>)\s*(?:<v\s*/>|<v></v>)?\s*</c>')


def _sheet(cells: bytes) -> bytes:
    ns = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    return b"<worksheet " + ns + b'><sheetData><row r="1">' + cells + b"</row></sheetData></worksheet>"


def _best(fn, *args, runs: int = 3) -> float:
    out = float("inf")
    for _ in range(runs):
        t = time.perf_counter()
        try:
            fn(*args)
        except Exception:  # the crafted shape is not well-formed XML: the parse stops with one sentence
            pass
        out = min(out, time.perf_counter() - t)
    return out


def main() -> None:
    attrs = b" ".join(b'x%d="r=&quot;A1&quot; &gt;"' % i for i in range(40))
    crafted = b'<c r="A1" ' + attrs + b"><f>1</f><v></v></c>"
    small, large = _sheet(crafted * 500), _sheet(crafted * 4000)
    plain = _sheet(b'<c r="A1"><v>1</v></c>' * (len(large) // 24))
    ts, tl, tp = (_best(_formula_cells_without_value, "x", x) for x in (small, large, plain))
    print(
        f"streaming parse: 8x the input -> {tl / ts:.1f}x the time; adversarial / plain of the same size: {tl / tp:.2f}"
    )
    for n in (1000, 2000, 4000, 8000):
        x = b"<sheetData><row><c " + b' r="A1"x' * n + b"</row></sheetData>"
        print(
            f"{len(x) / 1e3:5.0f} KB crafted: old regex {_best(OLD.findall, x) * 1e3:7.1f} ms, "
            f"streaming parse {_best(_formula_cells_without_value, 'x', x) * 1e3:5.2f} ms"
        )


if __name__ == "__main__":
    main()
