#!/usr/bin/env python3
"""A host on MCP 2026-07-28 built on the official MCP Python SDK (PyPI `mcp` 2.x `Client`,
which opens with `server/discover` and fulfils input-required results by itself). It
declares elicitation and answers the sign-in link with ROUNDS_ACTION: `accept` (default:
first run the scripted browser ROUNDS_BROWSER on the link, as a user would) or `decline`.
Run by tests/host_sign_in.rs with tests/clients/.venv/bin/python; by hand:

    ROUNDS_BROWSER=tests/fixtures/oidc/complete-login.mjs \\
      tests/clients/.venv/bin/python tests/clients/py_rounds.py [--] COMMAND [ARG...]

Prints one JSON line: {"protocol", "elicitations": [{mode, message, url}],
"result": {isError, text, organizations}}. Exit status 0 unless the session failed.
"""

import json
import os
import subprocess
import sys

import anyio
from mcp import Client, StdioServerParameters
from mcp import types


async def main(argv):
    if argv and argv[0] == "--":
        argv = argv[1:]
    if not argv:
        print("usage: py_rounds.py [--] COMMAND [ARG...]", file=sys.stderr)
        return 2
    params = StdioServerParameters(command=argv[0], args=argv[1:], env=dict(os.environ))
    action = os.environ.get("ROUNDS_ACTION", "accept")
    seen = []

    async def answer(_context, request):
        data = request.model_dump(mode="json", by_alias=True, exclude_none=True)
        seen.append({k: data.get(k) for k in ("mode", "message", "url")})
        if action == "accept" and data.get("url"):
            await anyio.to_thread.run_sync(
                lambda: subprocess.run(["node", os.environ["ROUNDS_BROWSER"], data["url"]], check=True)
            )
        return types.ElicitResult(action=action)

    with anyio.fail_after(120):
        async with Client(params, mode="auto", elicitation_callback=answer) as client:
            result = await client.call_tool("list_organizations", {})
            wire = result.model_dump(mode="json", by_alias=True, exclude_none=True)
            content = wire.get("content") or [{}]
            text = content[0].get("text", "")
            try:
                organizations = len(json.loads(text).get("organizations", []))
            except (ValueError, AttributeError):
                organizations = 0
            print(json.dumps({
                "protocol": client.protocol_version,
                "elicitations": seen,
                "result": {"isError": wire.get("isError") is True, "text": text, "organizations": organizations},
            }))
    return 0


if __name__ == "__main__":
    sys.exit(anyio.run(main, sys.argv[1:]))
