"""SQL expressions that turn raw text cells into typed canonical values, with a reason when they cannot.

Each builder takes the cleaned cell's column (a generated name such as `v_c3`, never user text) and the name the
value will have one level later, and returns a `Typed`: the value, then from it the final value and a text reason
that is non-NULL exactly when a non-empty cell could not be used (so no cell is parsed twice). Timestamps give
their aware and naive parses (`timestamp_parts`). Options that come from the user (time zone, scale) are bound
parameters (`$tz_3`, ...), collected in `params`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from metrics.core.schema import (
    AUTHOR_VALUES,
    BOOL_VALUES,
    CSAT_NOT_A_RESPONSE,
    CSAT_WORDS,
    DIRECTION_VALUES,
    HANDLER_VALUES,
    NULL_TOKENS,
    STATUS_WORDS,
)

ISO_AWARE = r"\d{4}-\d{2}-\d{2}([T ]\d{1,2}:\d{2}(:\d{2}([.,]\d+)?)?)?\s*(Z|z|UTC|GMT|[+-]\d{2}(:?\d{2})?)"
ISO_NAIVE = r"\d{4}-\d{2}-\d{2}([T ]\d{1,2}:\d{2}(:\d{2}([.,]\d+)?)?)?"
ISO_SLASH = r"\d{4}/\d{2}/\d{2}( \d{1,2}:\d{2}(:\d{2})?)?"
NUMERIC = r"\d+(\.\d+)?"
RFC2822 = r"[A-Za-z]{3},? [0-9A-Za-z :+\-]{15,40}"
RFC2822_FORMATS = (
    "['%a %b %d %H:%M:%S %z %Y', '%a, %d %b %Y %H:%M:%S %z', '%a, %d %b %Y %H:%M %z', '%a %d %b %Y %H:%M:%S %z']"
)
DAYMONTH = r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})(,?\s+\d{1,2}:\d{2}(:\d{2})?(\s?[AaPp][Mm])?)?"

_TIME_FORMATS = ["", " %H:%M", " %H:%M:%S", " %I:%M %p", " %I:%M:%S %p", " %I:%M%p"]


def _lit(s: str) -> str:
    """A SQL string literal for constants defined in this codebase (never user text)."""
    return "'" + s.replace("'", "''") + "'"


def _one_of(expr: str, values) -> str:
    """`expr` is one of these literals (NULL stays NULL). Written with array_position, not IN: DuckDB plans an
    IN list per column slowly (about 20 ms each, so seconds for a wide file); the run time is the same."""
    return f"array_position([{', '.join(_lit(v) for v in values)}], {expr}) IS NOT NULL"


def _case_map(expr: str, mapping: dict) -> str:
    whens = " ".join(f"WHEN {_lit(k)} THEN {_lit(v)}" for k, v in mapping.items())
    return f"CASE {expr} {whens} ELSE NULL END"


_WS = "' ' || chr(9) || chr(10) || chr(13)"  # blanks trimmed around every value


_MAX_TOKEN = max(len(t) for t in NULL_TOKENS)
# First characters a null token can start with (either case): a cell starting with anything else, with no blank at
# either end, is used as it is.
_TOKEN_STARTS = sorted({ord(c) for t in NULL_TOKENS if t for c in (t[0], t[0].upper())})


def clean(col: str) -> str:
    """Trimmed text with the null tokens (empty, NULL, N/A, -, ...) as NULL.

    Most cells have no blank at either end: for them the cell is a token only when it is one exactly (in any
    case), which needs a lookup only when it is short and starts like a token; the trim runs only on the rest
    (about 2.5x faster on a typical export than trimming and looking up every cell, and numbers such as
    '-0.68' skip the trim too).
    """
    t = f"trim({col}, {_WS})"
    tokens = "[" + ", ".join(_lit(v) for v in NULL_TOKENS) + "]"
    full = (
        f"CASE WHEN length({col}) <= {_MAX_TOKEN + 4} AND array_contains({tokens}, lower({t})) THEN NULL "
        f"WHEN ascii({col}[1]) <= 32 OR ascii({col}[-1]) <= 32 THEN {t} ELSE {col} END"
    )
    starts = ", ".join(str(c) for c in _TOKEN_STARTS)
    exact = (
        f"length({col}) <= {_MAX_TOKEN} AND array_contains([{starts}], ascii({col})) "
        f"AND array_contains({tokens}, lower({col}))"
    )
    return f"CASE WHEN ascii({col}) > 32 AND ascii({col}[-1]) > 32 THEN CASE WHEN {exact} THEN NULL ELSE {col} END ELSE {full} END"


@dataclass
class Params:
    values: dict[str, object] = field(default_factory=dict)

    def bind(self, prefix: str, value: object) -> str:
        name = f"{prefix}_{len(self.values)}"
        self.values[name] = value
        return f"${name}"


INVISIBLE = "[\ufeff\u200b\u200c\u200d\u2060]"  # BOM and zero-width characters: a second look-alike value


def has_invisible(v: str) -> str:
    """Whether a cell holds BOM / zero-width characters: five `contains` (a byte search each, about four times
    faster than one regular expression), run only on cells that are not plain ASCII (as many bytes as
    characters: a cheap count that skips the searches on most cells, 0.22 s -> 0.05 s on 7M ids)."""
    has = " OR ".join(f"contains({v}, {_lit(c)})" for c in ("\ufeff", "\u200b", "\u200c", "\u200d", "\u2060"))
    return f"CASE WHEN strlen({v}) = length({v}) THEN false ELSE coalesce({has}, false) END"


@dataclass(frozen=True)
class Typed:
    """How one kind of cell becomes a typed value, in two levels of one statement.

    `value` reads the cleaned cell `v`; `final` (default: the value itself) and `error` are evaluated one level
    later over `v` and that value, named `t`. So a reason is a cheap test on a value already computed, run
    only where the value is missing or out of range, and never parses the cell a second time.
    """

    value: str
    error: str = "NULL"
    final: str | None = None


def _unusable(v: str, t: str, reason: str) -> str:
    """The reason for a non-empty cell whose value could not be read (the commonest error form)."""
    return f"CASE WHEN {t} IS NULL AND {v} IS NOT NULL THEN {_lit(reason + ': ')} || {v} END"


def text(v: str, t: str) -> Typed:
    """Text without BOM / zero-width characters inside; the first level finds them, the second removes them."""
    return Typed(
        value=has_invisible(v),
        final=f"CASE WHEN {t} THEN nullif(regexp_replace({v}, {_lit(INVISIBLE)}, '', 'g'), '') ELSE {v} END",
    )


def enum(v: str, t: str, mapping: dict[str, str], what: str) -> Typed:
    return Typed(_case_map(f"lower({v})", mapping), _unusable(v, t, f"not a known {what}"))


def handler(v: str, t: str) -> Typed:
    return enum(v, t, HANDLER_VALUES, "handler (ai or human)")


def author(v: str, t: str) -> Typed:
    return enum(v, t, AUTHOR_VALUES, "author type (customer, ai or human)")


def _status_class(phrase: str) -> str:
    """The class of one vocabulary phrase by the same whole-word rule as the SQL below (first list wins)."""
    words = f" {phrase} "
    return next((cls for cls, ws in STATUS_WORDS if any(f" {w} " in words for w in ws)), "other")


def status(v: str, t: str) -> Typed:
    """Normalised to abandoned / open / resolved by whole words (SPEC 8), first list that matches wins;
    anything else is `other` (not an error: reported per value by the loader).

    A cell that is exactly a vocabulary phrase ('solved', 'Closed', ...; nearly every cell of a real export)
    is looked up in a map; the word search runs only on the rest (25x faster on 300k tickets).
    """
    words = f"(' ' || trim(regexp_replace(lower({v}), '[^a-z0-9]+', ' ', 'g')) || ' ')"
    whens = " ".join(
        f"WHEN {' OR '.join(f'contains({words}, {_lit(chr(32) + w + chr(32))})' for w in ws)} THEN {_lit(cls)}"
        for cls, ws in STATUS_WORDS
    )
    exact = "MAP {" + ", ".join(f"{_lit(w)}: {_lit(_status_class(w))}" for _, ws in STATUS_WORDS for w in ws) + "}"
    return Typed(
        f"CASE WHEN {v} IS NULL THEN NULL ELSE coalesce({exact}[lower({v})], CASE {whens} ELSE 'other' END) END"
    )


def direction(v: str, t: str) -> Typed:
    return enum(v, t, DIRECTION_VALUES, "direction (inbound or outbound)")


def count(v: str, t: str, decimal: str) -> Typed:
    """A count, or yes/no read as 1/0 (a reopened flag)."""
    whens = " ".join(f"WHEN {_lit(k)} THEN {1.0 if b else 0.0}" for k, b in BOOL_VALUES.items())
    return Typed(
        f"coalesce({_double(v, decimal)}, CASE lower({v}) {whens} END)", _unusable(v, t, "not a count or yes/no")
    )


def boolean(v: str, t: str) -> Typed:
    whens = " ".join(f"WHEN {_lit(k)} THEN {str(b).upper()}" for k, b in BOOL_VALUES.items())
    return Typed(f"CASE lower({v}) {whens} ELSE NULL END", _unusable(v, t, "not yes/no"))


def _let(expr: str, name: str, body: str) -> str:
    """`body` with `name` bound to `expr` evaluated once. DuckDB's common-subexpression pass lifts an expression
    written twice out of its CASE branch and computes it on every row; a lambda parameter is not lifted, so a
    slow path stays on the few cells that reach it."""
    return f"list_transform([{expr}], lambda {name}: {body})[1]"


def _number_text(v: str, decimal: str) -> str:
    bare = rf"regexp_replace({v}, '^[$€£¥]\s*|\s*[$€£¥]$', '', 'g')"
    if decimal == ",":
        return _let(
            bare,
            "b",
            "CASE WHEN regexp_full_match(b, '[+-]?\\d{1,3}(\\.\\d{3})+(,\\d*)?') "
            "THEN replace(replace(b, '.', ''), ',', '.') "
            "WHEN regexp_full_match(b, '[+-]?\\d*,\\d+') THEN replace(b, ',', '.') ELSE b END",
        )
    return _let(
        bare,
        "b",
        "CASE WHEN regexp_full_match(b, '[+-]?\\d{1,3}(,\\d{3})+(\\.\\d*)?') THEN replace(b, ',', '') ELSE b END",
    )


def _finite(expr: str) -> str:
    return f"CASE WHEN isfinite({expr}) THEN {expr} END"


def _double(v: str, decimal: str) -> str:
    """The number in a cell; plain numbers skip the currency and thousands-separator regexes (coalesce and CASE
    evaluate a later branch only on the rows still without a value)."""
    slow = f"TRY_CAST({_number_text(v, decimal)} AS DOUBLE)"
    if decimal == ",":  # "1.234" means 1234 there: no fast path
        return _finite(slow)
    return _finite(f"coalesce(TRY_CAST({v} AS DOUBLE), {slow})")


def number(v: str, t: str, decimal: str, upper: float | None = None) -> Typed:
    """A number; with `upper`, only 0..upper is plausible (others are reported and left out)."""
    if upper is None:
        return Typed(_double(v, decimal), _unusable(v, t, "not a number"))
    hi = repr(float(upper))
    return Typed(
        _double(v, decimal),
        error=(
            f"CASE WHEN {t} IS NULL AND {v} IS NOT NULL THEN 'not a number: ' || {v} "
            f"WHEN {t} < 0 THEN 'negative, left out: ' || {v} "
            f"WHEN {t} > {hi} THEN 'implausibly large, left out: ' || {v} END"
        ),
        final=f"CASE WHEN {t} BETWEEN 0 AND {hi} THEN {t} END",
    )


def sentiment(v: str, t: str, decimal: str) -> Typed:
    """A score in [-1, 1]; the labels positive / neutral / negative count as 0.4 / 0 / -0.4."""
    labels = f"CASE lower({v}) WHEN 'positive' THEN 0.4 WHEN 'neutral' THEN 0.0 WHEN 'negative' THEN -0.4 END"
    return Typed(
        f"coalesce({_double(v, decimal)}, {labels})",
        error=(
            f"CASE WHEN {t} IS NULL AND {v} IS NOT NULL THEN 'not a sentiment score: ' || {v} "
            f"WHEN {t} NOT BETWEEN -1 AND 1 THEN 'sentiment outside -1..1: ' || {v} END"
        ),
        final=f"CASE WHEN {t} BETWEEN -1 AND 1 THEN {t} END",
    )


def csat(v: str, t: str, decimal: str, scale_ref: str) -> Typed:
    """Survey score normalised to 1-5 from the file's scale (1..max; 0..max for 10- and 100-point scales).

    Words (Good/Bad, thumbs up/down) map to the top / bottom; `x/y` is x on a y-point
    scale; `85%` is 85% of the way up. `Offered` and similar are no response (empty).
    """
    s = scale_ref
    lo = f"(CASE WHEN {s} IN (10, 100) THEN 0 ELSE 1 END)"
    num = _double(v, decimal)
    words = " ".join(f"WHEN {_lit(k)} THEN {frac}" for k, frac in CSAT_WORDS.items())
    frac_word = f"CASE lower({v}) {words} END"
    frac_slash = (
        f"CASE WHEN regexp_full_match({v}, '\\d+(\\.\\d+)?\\s*/\\s*\\d+') THEN "
        f"(TRY_CAST(split_part({v}, '/', 1) AS DOUBLE) - 1) / nullif(TRY_CAST(split_part({v}, '/', 2) AS DOUBLE) - 1, 0) END"
    )
    frac_pct = (
        f"CASE WHEN regexp_full_match({v}, '\\d+(\\.\\d+)?\\s*%') THEN TRY_CAST(rtrim({v}, '% ') AS DOUBLE) / 100 END"
    )
    frac_num = f"CASE WHEN {num} BETWEEN {lo} AND {s} THEN ({num} - {lo}) / ({s} - {lo}) END"
    plain = f"TRY_CAST({v} AS DOUBLE)"  # most cells: a bare number, no words or regexes needed
    frac = (
        f"CASE WHEN {plain} IS NOT NULL AND {_lit(decimal)} <> ',' THEN {frac_num} "
        f"ELSE coalesce({frac_word}, {frac_slash}, {frac_pct}, {frac_num}) END"
    )
    skip = _one_of(f"lower({v})", CSAT_NOT_A_RESPONSE)
    return Typed(  # the value is the fraction of the way up the scale; the final score is 1-5
        f"CASE WHEN {skip} THEN NULL ELSE {frac} END",
        error=(
            f"CASE WHEN {t} BETWEEN 0 AND 1 THEN NULL WHEN {v} IS NOT NULL AND NOT {skip} THEN "
            f"'not a score on the ' || CAST({s} AS INTEGER) || '-point scale: ' || {v} END"
        ),
        final=f"CASE WHEN {t} BETWEEN 0 AND 1 THEN round(1 + 4 * {t}, 6) END",
    )


def _strptime_formats(order: str) -> str:
    date = "%d/%m/%Y" if order == "DMY" else "%m/%d/%Y"
    return "[" + ", ".join(_lit(date + t) for t in _TIME_FORMATS) + "]"


def timestamp_parts(v: str, order: str | None) -> tuple[str, str]:
    """(aware TIMESTAMPTZ, naive local TIMESTAMP) parses of one cell; at most one is non-NULL.

    Aware: ISO 8601 with Z/offset, RFC 2822 / HTTP dates with a zone, epoch seconds (>= 1e8) or milliseconds
    (>= 1e11).
    Naive: ISO without offset, YYYY/MM/DD, DD/MM/YYYY or MM/DD/YYYY (order decided per
    column; `.` and `-` separators too), Excel serial days (20000-80000).
    """
    iso = f"replace(replace({v}, 'T', ' '), ',', '.')"
    aware = (
        # Fast path for the commonest export form, 2024-01-31T10:00:00Z (one cast; coalesce evaluates the regex
        # cascade only on the cells the cast left empty).
        f"coalesce(CASE WHEN suffix({v}, 'Z') THEN TRY_CAST({v} AS TIMESTAMPTZ) END, CASE "
        f"WHEN regexp_full_match({v}, '{ISO_AWARE}') THEN TRY_CAST(regexp_replace({iso}, '\\s*GMT$', 'Z') AS TIMESTAMPTZ) "
        # RFC 2822 / HTTP / Twitter forms: Tue Oct 31 22:10:47 +0000 2017, Tue, 31 Oct 2017 22:10:47 GMT
        f"WHEN regexp_full_match({v}, '{RFC2822}') THEN try_strptime(regexp_replace({v}, ' (GMT|UTC|UT|Z)$', ' +0000'), "
        f"{RFC2822_FORMATS}) "
        f"WHEN regexp_full_match({v}, '{NUMERIC}') AND TRY_CAST({v} AS DOUBLE) >= 1e11 "
        f"THEN to_timestamp(TRY_CAST({v} AS DOUBLE) / 1000) "
        f"WHEN regexp_full_match({v}, '{NUMERIC}') AND TRY_CAST({v} AS DOUBLE) >= 1e8 "
        f"THEN to_timestamp(TRY_CAST({v} AS DOUBLE)) END)"
    )
    dm = "NULL"
    if order in ("DMY", "MDY"):
        normal = f"regexp_replace(regexp_replace({v}, '^(\\d{{1,2}})[/.\\-](\\d{{1,2}})[/.\\-](\\d{{4}}),?', '\\1/\\2/\\3'), '\\s+', ' ', 'g')"
        dm = f"TRY_STRPTIME({normal}, {_strptime_formats(order)})"
    naive = (
        f"CASE WHEN regexp_full_match({v}, '{ISO_NAIVE}') THEN TRY_CAST({iso} AS TIMESTAMP) "
        f"WHEN regexp_full_match({v}, '{ISO_SLASH}') THEN TRY_CAST(replace({v}, '/', '-') AS TIMESTAMP) "
        f"WHEN regexp_full_match({v}, '{DAYMONTH}') THEN {dm} "
        f"WHEN regexp_full_match({v}, '{NUMERIC}') AND TRY_CAST({v} AS DOUBLE) BETWEEN 20000 AND 80000 "
        f"THEN TIMESTAMP '1899-12-30' + to_microseconds(CAST(round(TRY_CAST({v} AS DOUBLE) * 86400e6) AS BIGINT)) END"
    )
    return aware, naive


def day_month_evidence_sql(v: str) -> str:
    """Counts for deciding a column's day/month order: (first part > 12, second part > 12, slash dates)."""
    maybe = f"({v}[2] IN ('/', '.', '-') OR {v}[3] IN ('/', '.', '-'))"  # cheap test before the regexes
    first = f"TRY_CAST(regexp_extract({v}, '^{DAYMONTH}', 1) AS INTEGER)"
    second = f"TRY_CAST(regexp_extract({v}, '^{DAYMONTH}', 2) AS INTEGER)"
    return (
        f"count(*) FILTER (WHERE {maybe} AND {first} > 12), count(*) FILTER (WHERE {maybe} AND {second} > 12), "
        f"count(*) FILTER (WHERE {maybe} AND regexp_full_match({v}, '{DAYMONTH}')), "
        f"min(__row) FILTER (WHERE {maybe} AND {first} > 12), min(__row) FILTER (WHERE {maybe} AND {second} > 12)"
    )
