"""How exercise records are read and written: only through the intel store and read path, so the
sharing policy decides who sees them and the write path applies markings, audit and events. Nothing
here decides visibility."""

from __future__ import annotations

from gotong.intel.records import latest as records_latest
from gotong.intel.records import store_change, visible_versions

write = store_change  # one change, all or none: gotong.intel.records


versions = visible_versions  # (what the store recorded, the object), latest of each
latest = records_latest  # the latest version the reader may see of each matching object
