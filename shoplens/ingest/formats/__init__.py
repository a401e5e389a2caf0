"""One module per source format; each maps its files to staged canonical relations.

`stage(reader, source)` returns {canonical table: SELECT ...} with `_file`, `_row`, the
canonical columns (times parsed, the rest text) and optional extras (see validate.py).
Tables a source lacks are simply absent from the dict.
"""

from __future__ import annotations

from collections.abc import Callable

from shoplens.ingest.formats import canonical, olist, online_retail, rees46, retailrocket
from shoplens.ingest.reader import Reader
from shoplens.ingest.sources import FORMAT_NAMES, Source

Stager = Callable[[Reader, Source], dict[str, str]]

FORMATS: dict[str, Stager] = {
    "canonical": canonical.stage,
    "rees46": rees46.stage,
    "retailrocket": retailrocket.stage,
    "online_retail": online_retail.stage,
    "olist": olist.stage,
}
assert tuple(sorted(FORMATS)) == tuple(sorted(FORMAT_NAMES))
