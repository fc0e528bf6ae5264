#!/usr/bin/env python3
"""A host built on the official MCP Python SDK (PyPI `mcp`) whose user declines the
sign-in: it declares elicitation (form and URL modes), answers every elicitation with
`decline`, and calls list_organizations once. Run by tests/host_sign_in.rs with
tests/clients/.venv/bin/python; by hand:

    tests/clients/.venv/bin/python tests/clients/py_decline.py [--] COMMAND [ARG...]

COMMAND [ARG...] starts the server with this process's environment. Prints one JSON
line on stdout: {"protocol", "elicitations": [{mode, message, url}], "result": {isError, text}}.
Exit status 0 unless the session itself failed.
"""

import json
import os
import sys

import anyio
from mcp import ClientSession, StdioServerParameters, stdio_client
from mcp import types


async def main(argv):
    if argv and argv[0] == "--":
        argv = argv[1:]
    if not argv:
        print("usage: py_decline.py [--] COMMAND [ARG...]", file=sys.stderr)
        return 2
    params = StdioServerParameters(command=argv[0], args=argv[1:], env=dict(os.environ))
    seen = []

    async def decline(_context, request):
        data = request.model_dump(mode="json", by_alias=True, exclude_none=True)
        seen.append({k: data.get(k) for k in ("mode", "message", "url")})
        return types.ElicitResult(action="decline")

    with anyio.fail_after(120):
        async with stdio_client(params) as (read, write):
            async with ClientSession(read, write, elicitation_callback=decline) as session:
                init = await session.initialize()
                result = await session.call_tool("list_organizations", {})
                wire = result.model_dump(mode="json", by_alias=True, exclude_none=True)
                content = wire.get("content") or [{}]
                print(json.dumps({
                    "protocol": init.protocol_version,
                    "elicitations": seen,
                    "result": {"isError": wire.get("isError") is True, "text": content[0].get("text", "")},
                }))
    return 0


if __name__ == "__main__":
    sys.exit(anyio.run(main, sys.argv[1:]))
