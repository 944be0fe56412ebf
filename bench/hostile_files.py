"""Time and peak memory of the worst small files (issue 23): `python -m bench.hostile_files`.

Each file runs in a fresh process (peak RSS is per process); prints seconds, peak RSS and the sentence.
"""

from __future__ import annotations

import json
import subprocess
import sys

CASES = {
    "parquet dictionary bomb (19M identical rows)": """
import io, pyarrow as pa, pyarrow.parquet as pq
n = 19_000_000
one = {"conversation_id": "c1", "customer_id": "u1", "created_at": "2024-01-01T10:00:00Z", "handled_by": "ai",
       "status": "closed"}
t = pa.table({k: pa.array([v]).take(pa.array([0] * n, pa.int32())).dictionary_encode() for k, v in one.items()})
buf = io.BytesIO(); pq.write_table(t, buf, compression="zstd"); del t
FILE = ("bomb.parquet", buf.getvalue())
""",
    "60 KB settings TOML of dotted keys": """
TOML = "a" + ".a" * 30_000 + " = 1"
""",
    "JSON lines nested 100,000 deep": """
FILE = ("deep.jsonl", ('{"conversation_id":"c1","x":' + "[" * 100_000 + "]" * 100_000 + "}\\n").encode())
""",
}

RUN = """
import resource, time
from metrics.core import db as dbmod
from metrics.load import ingest
from metrics.core import settings
from metrics.core import settings_toml
{setup}
t0 = time.perf_counter()
rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
if "TOML" in globals():
    try:
        settings_toml.loads(TOML); said = "loaded"
    except settings.SettingsError as e:
        said = str(e)
else:
    r = ingest.load(dbmod.connect(), [FILE], settings.Settings())
    said = " ".join(r.errors) or f"{{r.loaded}} loaded, {{r.rejected}} rejected"
print(json.dumps({{"seconds": time.perf_counter() - t0, "rss_before_mb": rss0 // 1024,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024, "said": said}}))
"""


def main() -> None:
    for name, setup in CASES.items():
        code = "import json\n" + RUN.format(setup=setup)
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
        r = json.loads(out.strip().splitlines()[-1])
        print(
            f"{name}: {r['seconds']:.2f} s, peak RSS {r['peak_rss_mb']:,} MB (of which {r['rss_before_mb']:,} MB "
            f"before loading, building the file itself) - {r['said']}"
        )


if __name__ == "__main__":
    main()
