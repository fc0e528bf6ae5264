#!/usr/bin/env python3
"""Drive digiusher-mcp with the official MCP Python SDK (PyPI `mcp`) and check what a
real host sees. Run by tests/external_clients.rs with tests/clients/.venv/bin/python;
by hand:

    DIGIUSHER_API_BASE_URL=http://127.0.0.1:PORT HOME=$(mktemp -d) \\
      tests/clients/.venv/bin/python tests/clients/py_client.py [--] COMMAND [ARG...]

COMMAND [ARG...] starts the server (the digiusher-mcp binary, or tests/clients/tee_stdout.py
wrapping it). Without a command, $DIGIUSHER_MCP_BIN is used. The tools listed must be the ones
`$DIGIUSHER_MCP_BIN tools --json` (else `COMMAND [ARG...] tools --json`) defines. The server gets
DIGIUSHER_API_BASE_URL, DIGIUSHER_TOKEN (default sim-alice), HOME, XDG_CONFIG_HOME /
XDG_DATA_HOME under HOME, PATH and RUST_BACKTRACE=0 (the SDK adds its small default
environment).

Written for `mcp` 2.x (snake_case models, `MCPError`); it also runs on 1.x because every
result is compared in its wire form (`model_dump(by_alias=True)`, camelCase keys).

Exit status 0 and one summary line on stdout when every check passes; otherwise a
message naming the failed check on stderr and exit status 1.
"""

import json
import sys
from importlib.metadata import version as package_version

import anyio
from mcp import ClientSession, stdio_client
from mcp import types

from harness import (
    EXCEPTION_GROUP,
    TIMEOUT_S,
    CheckFailed,
    check,
    error_code,
    expected_tools,
    server_parameters,
    show,
    wire,
)

ACME = "a0000000-0000-4000-8000-000000000001"
BETA = "b0000000-0000-4000-8000-000000000001"
ANNOTATIONS = {
    "readOnlyHint": True,
    "destructiveHint": False,
    "idempotentHint": True,
    "openWorldHint": True,
}


def first_text(result, what):
    content = result.get("content") or []
    check(content, f"{what}: content is empty: {show(result)}")
    block = content[0]
    check(block.get("type") == "text" and isinstance(block.get("text"), str),
          f"{what}: content[0] is not text: {show(block)}")
    return block["text"]


def parse_json(text, what):
    try:
        return json.loads(text)
    except ValueError as e:
        raise CheckFailed(f"{what}: content[0].text is not JSON ({e}): {show(text)}") from e


async def call(session, name, arguments):
    return wire(await session.call_tool(name, arguments))


async def check_tools(session):
    tools = []
    cursor = None
    pages = 0
    while True:
        params = types.PaginatedRequestParams(cursor=cursor) if cursor else None
        page = await session.list_tools(params=params) if params else await session.list_tools()
        page = wire(page)
        tools.extend(page.get("tools", []))
        cursor = page.get("nextCursor")
        pages += 1
        check(pages <= 50, "tools/list: more than 50 pages; the cursor never ends")
        if not cursor:
            break

    names = [t.get("name") for t in tools]
    expected = expected_tools()
    wanted = [t.get("name") for t in expected]
    check(names == wanted,
          f"tools/list: got {', '.join(map(str, names))}; tools --json defines {', '.join(map(str, wanted))}")
    check(len(set(names)) == len(names), f"tools/list: duplicate tool names: {names}")
    for t, want in zip(tools, expected):
        for key in ("title", "description", "inputSchema", "annotations"):
            check(t.get(key) == want.get(key),
                  f"tool {t.get('name')}: {key} differs from tools --json: {show(t.get(key))}")
    for t in tools:
        name = t.get("name")
        check(isinstance(t.get("title"), str) and t["title"].strip(), f"tool {name}: no title")
        check(isinstance(t.get("description"), str) and t["description"].strip(), f"tool {name}: no description")
        schema = t.get("inputSchema") or {}
        check(schema.get("type") == "object", f"tool {name}: inputSchema.type is not \"object\": {show(schema)}")
        ann = t.get("annotations") or {}
        for k, v in ANNOTATIONS.items():
            check(ann.get(k) is v, f"tool {name}: annotations.{k} should be {v}, got {show(ann.get(k))}")
    return len(tools)


async def check_list_organizations(session):
    r = await call(session, "list_organizations", {})
    check(r.get("isError") is not True, f"list_organizations: isError is true: {show(r.get('content'))}")
    sc = r.get("structuredContent")
    check(isinstance(sc, dict), f"list_organizations: no structuredContent object: {show(r)}")
    orgs = sc.get("organizations")
    check(isinstance(orgs, list), f"list_organizations: structuredContent.organizations is not a list: {show(sc)}")
    check(len(orgs) == 2, f"list_organizations: expected 2 organizations for alice, got {len(orgs)}: {show(orgs)}")
    ids = sorted(o.get("id") for o in orgs)
    check(ids == [ACME, BETA], f"list_organizations: expected ids {ACME} and {BETA}, got {ids}")
    parsed = parse_json(first_text(r, "list_organizations"), "list_organizations")
    check(parsed == sc, "list_organizations: content[0].text parsed as JSON differs from structuredContent")


async def check_kpi_definitions(session):
    r = await call(session, "list_kpi_definitions", {"organization_id": ACME})
    check(r.get("isError") is not True, f"list_kpi_definitions: isError is true: {show(r.get('content'))}")
    parsed = parse_json(first_text(r, "list_kpi_definitions"), "list_kpi_definitions")
    check(isinstance(parsed, list), f"list_kpi_definitions: content[0].text is not a JSON array: {show(parsed)}")
    check(r.get("structuredContent") is None,
          f"list_kpi_definitions: a bare array must not come with structuredContent, got {show(r.get('structuredContent'))}")


async def check_invalid_arguments(session):
    r = await call(session, "get_expenses",
                   {"organization_id": "acme", "start_date": "2025-05-01", "end_date": "2025-05-31"})
    check(r.get("isError") is True, f"get_expenses with organization_id \"acme\": expected isError true, got {show(r)}")
    text = first_text(r, "get_expenses (invalid)")
    check(text.startswith("Invalid arguments for get_expenses:"),
          f"get_expenses (invalid): message should start with \"Invalid arguments for get_expenses:\": {show(text)}")
    check("organization_id" in text, f"get_expenses (invalid): message does not name organization_id: {show(text)}")


async def check_unknown_tool(session):
    try:
        r = await session.call_tool("no_such_tool", {})
    except CheckFailed:
        raise
    except Exception as e:  # noqa: BLE001 - the SDK's error class differs between 1.x and 2.x
        code = error_code(e)
        check(code == -32602, f"unknown tool: expected JSON-RPC error -32602, got {code}: {type(e).__name__}: {e}")
        return
    raise CheckFailed(f"unknown tool: expected JSON-RPC error -32602, got a result: {show(wire(r))}")


async def run():
    params = server_parameters()
    step = "initialize"
    try:
        with anyio.fail_after(TIMEOUT_S):
            async with stdio_client(params) as (read, write):
                async with ClientSession(read, write) as session:
                    init = wire(await session.initialize())
                    info = init.get("serverInfo") or {}
                    check(info.get("name") == "digiusher-mcp",
                          f"initialize: serverInfo.name should be \"digiusher-mcp\", got {show(info)}")
                    step = "tools/list"
                    n = await check_tools(session)
                    step = "tools/call list_organizations"
                    await check_list_organizations(session)
                    step = "tools/call list_kpi_definitions"
                    await check_kpi_definitions(session)
                    step = "tools/call get_expenses (invalid arguments)"
                    await check_invalid_arguments(session)
                    step = "tools/call no_such_tool"
                    await check_unknown_tool(session)
                    step = "close"
    except CheckFailed:
        raise
    except BaseException as e:  # noqa: BLE001 - report which step broke, whatever broke it
        if isinstance(e, (KeyboardInterrupt, SystemExit)):
            raise
        inner = e
        # anyio task groups wrap the real error in an ExceptionGroup.
        while isinstance(inner, EXCEPTION_GROUP) and len(inner.exceptions) == 1:
            inner = inner.exceptions[0]
        if isinstance(inner, CheckFailed):
            raise inner from None
        raise CheckFailed(f"{step}: {type(inner).__name__}: {inner}") from e
    print(f"py_client: OK (mcp {package_version('mcp')}, server {info.get('name')} {info.get('version')}, "
          f"protocol {init.get('protocolVersion')}): {n} tools listed, 4 tool calls checked")


def main():
    try:
        anyio.run(run)
    except CheckFailed as e:
        print(f"py_client: FAILED: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
