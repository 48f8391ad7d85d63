"""The tests' side of the fork server (tests/cli/forkserver.py): start it once per test process,
and run one ``gotong`` command through it as :func:`subprocess.run` would."""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from tests.cli.forkserver import receive_message, send_message

_lock = threading.Lock()
_server: tuple[subprocess.Popen[bytes], str] | None = None


def _socket_path() -> str:
    global _server
    with _lock:
        if _server is None or _server[0].poll() is not None:
            folder = tempfile.mkdtemp(prefix="gotong-forkserver-")
            path = os.path.join(folder, "socket")
            process = subprocess.Popen(
                [sys.executable, str(Path(__file__).with_name("forkserver.py")), path],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                cwd=Path(__file__).parents[2],
                env={
                    **os.environ,
                    "PYTHONPATH": os.pathsep.join(
                        filter(None, [str(Path(__file__).parents[2]), os.environ.get("PYTHONPATH")])
                    ),
                },
            )
            assert process.stdout is not None
            if process.stdout.readline().strip() != b"ready":
                raise RuntimeError("the gotong fork server did not start")
            atexit.register(_stop, process)
            _server = (process, path)
        return _server[1]


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.stdin is not None:
        process.stdin.close()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


def forked(
    env: dict[str, str], *args: str, stdin: str | None = None, cwd: Path | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """``gotong ARGS`` in a process forked from the server, with exactly ``env``, in ``cwd`` (default:
    this process's working folder); its exit status, stdout and stderr as text."""
    in_read, in_write = os.pipe()
    out_read, out_write = os.pipe()
    err_read, err_write = os.pipe()
    outputs: dict[str, bytes] = {}

    def drain(name: str, fd: int) -> None:
        with os.fdopen(fd, "rb") as stream:
            outputs[name] = stream.read()

    readers = [
        threading.Thread(target=drain, args=("out", out_read), daemon=True),
        threading.Thread(target=drain, args=("err", err_read), daemon=True),
    ]
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.connect(_socket_path())
        try:
            send_message(
                conn,
                {"args": list(args), "env": env, "cwd": str(cwd or os.getcwd())},
                [in_read, out_write, err_write],
            )
        finally:
            for fd in (in_read, out_write, err_write):
                os.close(fd)
        for reader in readers:
            reader.start()
        with os.fdopen(in_write, "wb") as feed:
            if stdin is not None:
                with contextlib.suppress(BrokenPipeError):
                    feed.write(stdin.encode())
        conn.settimeout(timeout)
        started, _ = receive_message(conn)
        try:
            finished, _ = receive_message(conn)
        except TimeoutError:
            os.kill(started["pid"], signal.SIGKILL)
            raise subprocess.TimeoutExpired(["gotong", *args], timeout) from None
    for reader in readers:
        reader.join()
    return subprocess.CompletedProcess(
        ["gotong", *args],
        finished["returncode"],
        outputs["out"].decode(errors="replace"),
        outputs["err"].decode(errors="replace"),
    )
