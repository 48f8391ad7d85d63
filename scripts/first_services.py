"""Write src/gotong/data/contacts/first-services.txt: the service names of the FIRST CSIRT Services Framework.

The names come from MISP's galaxy cluster (``misp-galaxy/clusters/first-csirt-services-framework.json``
under the shared data folder). The product ships the names alone, one a line, so that a node never
reads ../shared at run time (a node installed from a wheel has no such folder). Run it again when
the galaxy changes:

    python scripts/first_services.py ../shared/data/misp-galaxy/clusters/first-csirt-services-framework.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "src/gotong/data/contacts/first-services.txt"
PREFIX = "Service: "


def names(cluster: Path) -> list[str]:
    values = json.loads(cluster.read_text(encoding="utf-8"))["values"]
    found = {str(v["value"]).strip() for v in values if str(v["value"]).startswith(PREFIX)}
    return sorted(n[len(PREFIX) :].strip() for n in found)


if __name__ == "__main__":
    source = Path(
        sys.argv[1]
        if len(sys.argv) > 1
        else "../shared/data/misp-galaxy/clusters/first-csirt-services-framework.json"
    )
    listed = names(source)
    OUT.write_text(
        "# FIRST CSIRT Services Framework service names, from MISP's galaxy;"
        " made by scripts/first_services.py\n" + "\n".join(listed) + "\n",
        encoding="utf-8",
    )
    print(f"{len(listed)} services written to {OUT}")
