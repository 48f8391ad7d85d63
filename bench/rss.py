"""``python -m bench.rss OUT.json -- CMD...``: run CMD and write its wall time, peak RSS and RSS timeline.

Why a separate, small parent: on Linux the peak RSS the kernel reports for a child (``wait4``'s
``ru_maxrss``) also counts the memory of the process that forked it, as it was when the child called
``exec``. Started straight from the benchmark, which holds its generated workload in memory, an import
would be charged with the benchmark's RSS. Started from this process (standard library only, ~10 MB), it
is charged with its own. Only the standard library is imported here, to keep it small.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time

_INTERVAL = 0.2


def vm_rss(pid: int) -> int:
    """The current resident set size of ``pid`` in bytes (0 if it cannot be read)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[1] != "--":
        print(__doc__, file=sys.stderr)
        return 2
    out, cmd = argv[0], argv[2:]
    samples: list[tuple[float, int]] = []
    start = time.perf_counter()
    proc = subprocess.Popen(cmd)
    done = threading.Event()

    def sample() -> None:
        while not done.wait(_INTERVAL):
            rss = vm_rss(proc.pid)
            if rss:
                samples.append((round(time.perf_counter() - start, 3), rss))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _pid, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    code = os.waitstatus_to_exitcode(status)
    proc.returncode = code
    with open(out, "w", encoding="utf-8") as handle:
        json.dump(
            {
                "returncode": code,
                "seconds": seconds,
                "peak_rss_bytes": usage.ru_maxrss * 1024,
                "samples": samples,
            },
            handle,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
