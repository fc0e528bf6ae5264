#!/usr/bin/env python3
"""Run an MCP stdio server and record every byte it writes to stdout.

    tee_stdout.py CAPTURE_FILE COMMAND [ARG...]

Given to an MCP client in place of the server command. The server inherits this
process's stdin, stderr and environment unchanged; its stdout is relayed byte for byte
to this process's stdout and appended to CAPTURE_FILE (created if missing), so a test
can check afterwards that the server wrote nothing but JSON-RPC to stdout
(`tee_stdout.py --check CAPTURE_FILE` does that check).

SIGTERM, SIGINT and SIGHUP are passed on to the server. The exit status is the
server's (128 + N when it died of signal N). Standard library only.
"""

import json
import os
import signal
import subprocess
import sys


def relay(capture_path: str, argv: list[str]) -> int:
    try:
        child = subprocess.Popen(argv, stdin=None, stdout=subprocess.PIPE, stderr=None, bufsize=0)
    except OSError as e:
        print(f"tee_stdout.py: cannot start {argv[0]}: {e}", file=sys.stderr)
        return 127

    def forward(signum, _frame):
        try:
            child.send_signal(signum)
        except ProcessLookupError:
            pass

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, forward)
    # A client that closes our stdout early must not kill us before the server's
    # remaining output is captured.
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)

    src = child.stdout.fileno()
    out = sys.stdout.fileno()
    relaying = True
    with open(capture_path, "ab", buffering=0) as capture:
        while True:
            try:
                chunk = os.read(src, 65536)
            except InterruptedError:
                continue
            if not chunk:
                break
            capture.write(chunk)
            view = memoryview(chunk)
            while relaying and view:
                try:
                    n = os.write(out, view)
                except InterruptedError:
                    continue
                except OSError:
                    relaying = False  # the client is gone; keep capturing
                    break
                view = view[n:]
    try:
        os.close(out)
    except OSError:
        pass
    while True:
        try:
            code = child.wait()
            break
        except InterruptedError:
            continue
    return 128 - code if code < 0 else code


def check(capture_path: str) -> int:
    """Exit 0 when every line of CAPTURE_FILE is a JSON-RPC 2.0 object."""
    with open(capture_path, "rb") as f:
        data = f.read()
    problems = []
    if data and not data.endswith(b"\n"):
        problems.append("the last message is not terminated by a newline")
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    for i, raw in enumerate(lines, 1):
        try:
            msg = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as e:
            problems.append(f"line {i} is not JSON ({e}): {raw[:200]!r}")
            continue
        if not isinstance(msg, dict) or msg.get("jsonrpc") != "2.0":
            problems.append(f"line {i} is not a JSON-RPC 2.0 object: {raw[:200]!r}")
    if problems:
        for p in problems[:20]:
            print(f"tee_stdout.py --check {capture_path}: {p}", file=sys.stderr)
        return 1
    print(f"{capture_path}: {len(lines)} JSON-RPC messages, nothing else")
    return 0


def main() -> int:
    args = sys.argv[1:]
    if len(args) == 2 and args[0] == "--check":
        return check(args[1])
    if len(args) < 2 or args[0].startswith("-"):
        print(__doc__, file=sys.stderr)
        return 2
    return relay(args[0], args[1:])


if __name__ == "__main__":
    sys.exit(main())
