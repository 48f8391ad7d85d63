"""Run ``gotong`` commands as real processes without paying Python's start-up for each one.

A test run calls the command line about a thousand times, and most of each call used to be spent
importing Gotong and its libraries (about 0.9 s, several seconds for the feed commands). This
module is a fork server for the tests: one process imports ``gotong.cli`` and every command module
once, then forks a child for each command. The child is a separate process like any other: it gets
the caller's environment, working directory, stdin, stdout and stderr (the caller's pipes, passed
over a Unix socket), runs ``gotong``'s ``main`` with the arguments, and exits with its status. An
exception that escapes prints its traceback and exits 1, as the interpreter would.

The server imports only, opens no database and starts no thread, so a fork inherits nothing but
loaded code. ``GOTONG_TEST_CLI=spawn`` makes the tests start ``python -m gotong`` for every call
instead; tests/cli/test_forkserver.py checks that both ways give the same answers.

Run by the tests as ``python tests/cli/forkserver.py SOCKET``; it stops when its stdin closes
(the test process has ended).
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import runpy
import select
import socket
import struct
import sys
import traceback
from typing import Any

_HEADER = struct.Struct("!I")


def send_message(sock: socket.socket, value: Any, fds: list[int] | None = None) -> None:
    """One length-prefixed JSON message, with file descriptors passed along when given."""
    data = json.dumps(value).encode()
    payload = _HEADER.pack(len(data)) + data
    if fds:
        socket.send_fds(sock, [payload], fds)
    else:
        sock.sendall(payload)


def receive_message(sock: socket.socket, *, with_fds: int = 0) -> tuple[Any, list[int]]:
    """The next message (and the descriptors that came with it); ``EOFError`` if the peer closed."""
    fds: list[int] = []
    if with_fds:
        chunk, fds, _flags, _addr = socket.recv_fds(sock, 65536, with_fds)
    else:
        chunk = sock.recv(65536)
    buffer = bytearray(chunk)
    if not buffer:
        raise EOFError
    while len(buffer) < _HEADER.size:
        more = sock.recv(65536)
        if not more:
            raise EOFError
        buffer += more
    (size,) = _HEADER.unpack_from(buffer)
    while len(buffer) < _HEADER.size + size:
        more = sock.recv(65536)
        if not more:
            raise EOFError
        buffer += more
    return json.loads(buffer[_HEADER.size : _HEADER.size + size]), fds


def _preload() -> None:
    from gotong.cli import base

    for target in sorted(set(base.COMMANDS.values())):
        importlib.import_module(f"gotong.cli.{target.split(':')[0]}")
    importlib.import_module("gotong.app")


def _child(request: dict[str, Any], fds: list[int], listener: socket.socket, conn: socket.socket) -> None:
    """In the forked child: become the command, then exit with its status."""
    code = 1
    try:
        listener.close()
        conn.close()
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        os.environ.clear()
        os.environ.update(request["env"])
        os.chdir(request["cwd"])
        sys.argv = ["-m", *request["args"]]
        try:
            # As ``python -m gotong`` runs it (the same __main__, program name and argv[0]).
            runpy.run_module("gotong", run_name="__main__", alter_sys=True)
            code = 0
        except SystemExit as exc:
            if exc.code is None:
                code = 0
            elif isinstance(exc.code, int):
                code = exc.code
            else:
                print(exc.code, file=sys.stderr)
                code = 1
        except BaseException:
            traceback.print_exc()
            code = 1
        import atexit

        atexit._run_exitfuncs()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def serve(path: str) -> None:
    _preload()
    sys.stdout.flush()
    sys.stderr.flush()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(64)
    print("ready", flush=True)
    running: dict[int, socket.socket] = {}
    while True:
        readable, _, _ = select.select([listener, sys.stdin], [], [], 0.02 if running else 1.0)
        if sys.stdin in readable and not os.read(sys.stdin.fileno(), 1):
            return  # the test process has gone
        if listener in readable:
            conn, _ = listener.accept()
            try:
                request, fds = receive_message(conn, with_fds=3)
            except EOFError:
                conn.close()
                continue
            pid = os.fork()
            if pid == 0:
                _child(request, fds, listener, conn)
            for fd in fds:
                os.close(fd)
            send_message(conn, {"pid": pid})
            running[pid] = conn
        while running:
            pid, status = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                break
            conn = running.pop(pid)
            with contextlib.suppress(OSError):
                send_message(conn, {"returncode": os.waitstatus_to_exitcode(status)})
            conn.close()


if __name__ == "__main__":
    serve(sys.argv[1])
