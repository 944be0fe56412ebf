"""Which canonical table a file feeds and which column holds each canonical field.

A `FileMapping` is recognised from headers (canonical names and common synonyms),
edited by the user in the app, and saved / re-applied as JSON.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from metrics.core.errors import IngestError
from metrics.core.schema import SIGNATURE, TABLES, normalise_header


@dataclass
class FileMapping:
    table: str
    columns: dict[str, str] = field(default_factory=dict)  # canonical field -> source header
    handled_by: str = ""  # "ai" / "human": the whole file, overriding any column
    timezone: str = ""  # naive timestamps are in this zone; "" = the settings' source_timezone
    csat_scale_max: float = 0.0  # 0 = the settings' csat_scale_max
    date_order: str = "auto"  # auto | DMY | MDY
    decimal: str = ""  # "" = as detected; "." or ","
    confidence: float = 0.0  # share of recognised fields, for display
    vendor: str = ""  # the vendor profile recognised (metrics.load.vendors), "" = generic
    merge: bool = False  # conversations only: adds fields to conversations of other files, joined on the id

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, ensure_ascii=False)

    @staticmethod
    def from_dict(d: dict) -> FileMapping:
        if not isinstance(d, dict):
            raise IngestError("each file's mapping must be a JSON object with table and columns.")
        known = {k: v for k, v in d.items() if k in FileMapping.__dataclass_fields__}
        for k, v in known.items():
            want = _FIELD_TYPES[k]
            if not isinstance(v, want) or isinstance(v, bool) and want is not bool:
                raise IngestError(f"mapping field {k!r} must be {_TYPE_WORDS[want]}, not {type(v).__name__}.")
        cols = known.get("columns", {})
        if not all(isinstance(c, str) and isinstance(h, str) for c, h in cols.items()):
            raise IngestError("mapping 'columns' must map field names to column names (text to text).")
        m = FileMapping(**known)
        m.validate()
        return m

    def validate(self, headers: list[str] | None = None) -> None:
        if self.table not in TABLES:
            raise IngestError(f"Unknown table {self.table!r}; choose conversations, messages or accounts.")
        names = {f.name for f in TABLES[self.table]}
        for canon, col in self.columns.items():
            if canon not in names:
                raise IngestError(f"{canon!r} is not a field of {self.table}.")
            if headers is not None and col not in headers:
                raise IngestError(f"the mapping uses column {col!r}, which this file does not have.")
        if self.handled_by not in ("", "ai", "human"):
            raise IngestError("handled_by for a whole file must be ai or human.")
        if self.date_order not in ("auto", "DMY", "MDY"):
            raise IngestError("date_order must be auto, DMY or MDY.")
        if self.decimal not in ("", ".", ","):
            raise IngestError("decimal must be '.' or ','.")

    def missing_required(self) -> list[str]:
        out = []
        if self.merge:
            return [] if "conversation_id" in self.columns else ["conversation_id"]
        for f in TABLES[self.table]:
            if f.required and f.name not in self.columns:
                if f.name == "handled_by":
                    continue  # defaults to human with a warning
                out.append(f.name)
        return out


_FIELD_TYPES = {
    "table": str,
    "columns": dict,
    "handled_by": str,
    "timezone": str,
    "csat_scale_max": (int, float),
    "date_order": str,
    "decimal": str,
    "confidence": (int, float),
    "vendor": str,
    "merge": bool,
}
_TYPE_WORDS = {str: "text", dict: "an object", (int, float): "a number", bool: "true or false"}
MAX_MAPPING_CHARS = 1_000_000


def load_mappings(text: str) -> dict[str, FileMapping]:
    """A saved mapping file: {"file name": {...mapping...}, ...}."""
    if len(text) > MAX_MAPPING_CHARS:
        raise IngestError("The mapping file is larger than 1 MB; a mapping file is a few kilobytes.")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise IngestError(f"The mapping file is not valid JSON ({e.msg}, line {e.lineno}).") from None
    except RecursionError:
        raise IngestError("The mapping file is nested too deeply to be a mapping.") from None
    if not isinstance(data, dict):
        raise IngestError("The mapping file must be a JSON object keyed by file name.")
    out = {}
    for name, m in data.items():
        try:
            out[name] = FileMapping.from_dict(m)
        except IngestError as e:
            raise IngestError(f"The mapping file's entry for {name!r}: {e}") from None
    return out


def dump_mappings(mappings: dict[str, FileMapping]) -> str:
    return json.dumps({k: asdict(v) for k, v in mappings.items()}, indent=2, ensure_ascii=False)


def _match(table: str, headers: list[str]) -> dict[str, str]:
    norm = {}
    for h in headers:
        n, _ = normalise_header(h)
        norm.setdefault(n, h)
    used: set[str] = set()
    out: dict[str, str] = {}
    # Exact canonical names first, then synonyms in the order listed.
    for f in TABLES[table]:
        for syn in f.synonyms:
            h = norm.get(syn)
            if h is not None and h not in used:
                out[f.name] = h
                used.add(h)
                break
    return out


def recognise(headers: list[str], table: str | None = None) -> FileMapping | None:
    """The most plausible table and column mapping for these headers (None when nothing fits).

    With `table` given, the file is mapped onto that table whatever its headers look like.
    """
    if table is not None:
        cols = _match(table, headers)
        return FileMapping(table=table, columns=cols, confidence=round(len(cols) / len(TABLES[table]), 2))
    best: FileMapping | None = None
    best_key = (-1.0, -1)
    for table, fields in TABLES.items():
        cols = _match(table, headers)
        required = [f.name for f in fields if f.required and f.name != "handled_by"]
        have_required = sum(1 for r in required if r in cols)
        signature = sum(1 for s in SIGNATURE[table] if s in cols)
        if signature == 0 and have_required < len(required):
            continue
        key = (have_required / len(required) + 0.1 * signature, len(cols))
        if key > best_key:
            best_key = key
            best = FileMapping(table=table, columns=cols, confidence=round(len(cols) / len(fields), 2))
    return best


# SPEC 8: a file is loaded only when its table is recognised with confidence.
_ACCOUNT_EVIDENCE = ("segment", "arr", "renewal_date", "renewed", "churned", "health_score")
_CONVERSATION_CORE = ("conversation_id", "customer_id", "created_at")


def not_confident(m: FileMapping) -> str | None:
    """Why a recognised mapping is not trusted (None when it is): required fields and one field beyond them."""
    missing = m.missing_required()
    if missing:
        return f"looks most like {m.table} but has no column for {', '.join(missing)}"
    if m.table == "accounts" and not any(f in m.columns for f in _ACCOUNT_EVIDENCE):
        return (
            "has an account id but none of segment, ARR, renewal date, renewed, churned or health score, "
            "so it is not taken for an accounts file"
        )
    if m.table == "conversations" and not m.merge and not (set(m.columns) - set(_CONVERSATION_CORE)):
        return (
            "has an id, a customer and a start time but no other conversation field (status, channel, category, "
            "end time, first response, CSAT or handler), so it is not taken for a conversations file"
        )
    return None
