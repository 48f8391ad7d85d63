"""How playbooks and runs are read and written: only through the intel store and read path, so the
sharing policy decides who sees them and the write path applies markings, audit and federation.
Nothing here decides visibility.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection

from gotong.intel.records import store_change, visible_versions
from gotong.sharing.policy import Reader

write = store_change  # one change, all or none: gotong.intel.records


def read(
    conn: Connection,
    reader: Reader,
    collection: str,
    *,
    types: tuple[str, ...],
    ids: tuple[str, ...] = (),
    every_version: bool = False,
) -> Iterator[dict[str, Any]]:
    """The versions the reader may see of one collection's matching objects (the latest of each,
    or every one)."""
    for _item, obj in visible_versions(
        conn, reader, collection, types=types, ids=ids, every_version=every_version
    ):
        yield obj
