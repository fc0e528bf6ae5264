#!/usr/bin/env python3
"""Prompts and argument completion of digiusher-mcp through the official MCP Python SDK
(PyPI `mcp`): prompts/list, prompts/get (and its Invalid Params answer) and
completion/complete. Run by tests/prompts.rs with tests/clients/.venv/bin/python; by hand:

    DIGIUSHER_API_BASE_URL=http://127.0.0.1:PORT HOME=$(mktemp -d) \\
      tests/clients/.venv/bin/python tests/clients/py_prompts.py [--] COMMAND [ARG...]

The server gets the environment py_client.py gives it (DIGIUSHER_TOKEN default sim-alice).
Exit status 0 and one summary line on stdout when every check passes; otherwise a
message naming the failed check on stderr and exit status 1.
"""

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
    server_parameters,
    show,
    wire,
)

ACME = "a0000000-0000-4000-8000-000000000001"
PROMPTS = ["monthly_cost_review", "find_savings", "explain_anomaly", "budget_health", "unit_economics_trend"]


async def values(session, prompt, argument, typed, context=None):
    ref = types.PromptReference(type="ref/prompt", name=prompt)
    r = wire(await session.complete(ref, {"name": argument, "value": typed}, context))
    got = r.get("completion", {}).get("values")
    check(isinstance(got, list), f"completion/complete {prompt}.{argument}: no values: {show(r)}")
    return got


async def check_prompts_list(session):
    r = wire(await session.list_prompts())
    names = [p.get("name") for p in r.get("prompts", [])]
    check(names == PROMPTS, f"prompts/list: expected {PROMPTS}, got {names}")
    for p in r["prompts"]:
        args = p.get("arguments") or []
        check(args and args[0].get("name") == "organization" and args[0].get("required") is True,
              f"prompts/list: {p['name']}: first argument should be the required organization: {show(args)}")


async def check_prompts_get(session, month):
    r = wire(await session.get_prompt("monthly_cost_review", {"organization": "Acme Corp", "month": month}))
    messages = r.get("messages") or []
    check(len(messages) == 1 and messages[0].get("role") == "user",
          f"prompts/get: expected one user message: {show(r)}")
    text = messages[0].get("content", {}).get("text", "")
    check(f'"organization_id": "{ACME}"' in text, f"prompts/get: the organization id was not filled in: {show(text)}")
    check("Call get_expenses_breakdown" in text, f"prompts/get: no get_expenses_breakdown step: {show(text)}")
    try:
        r = await session.get_prompt("monthly_cost_review", {"organization": "Acme Corp"})
    except CheckFailed:
        raise
    except Exception as e:  # noqa: BLE001 - the SDK's error class differs between versions
        code = error_code(e)
        check(code == -32602, f"prompts/get without month: expected -32602, got {code}: {e}")
        check("needs the argument month" in str(e), f"prompts/get without month: unclear message: {e}")
        return
    raise CheckFailed(f"prompts/get without month: expected Invalid Params, got {show(wire(r))}")


async def check_completion(session):
    months = await values(session, "monthly_cost_review", "month", "")
    check(len(months) == 37 and all(len(m) == 7 and m[4] == "-" for m in months),
          f"completion month: expected 37 YYYY-MM values (three years), got {months}")
    orgs = await values(session, "find_savings", "organization", "ac")
    check(orgs == ["Acme Corp"], f"completion organization 'ac': expected ['Acme Corp'], got {orgs}")
    pools = await values(session, "budget_health", "pool", "eng", {"organization": "Acme Corp"})
    check(pools == ["Engineering"], f"completion pool 'eng' in Acme Corp: expected ['Engineering'], got {pools}")
    return months


async def run():
    params = server_parameters()
    step = "initialize"
    try:
        with anyio.fail_after(TIMEOUT_S):
            async with stdio_client(params) as (read, write):
                async with ClientSession(read, write) as session:
                    init = wire(await session.initialize())
                    caps = init.get("capabilities") or {}
                    check("prompts" in caps and "completions" in caps,
                          f"initialize: prompts and completions capabilities expected: {show(caps)}")
                    step = "prompts/list"
                    await check_prompts_list(session)
                    step = "completion/complete"
                    months = await check_completion(session)
                    step = "prompts/get"
                    await check_prompts_get(session, months[1])
    except CheckFailed:
        raise
    except BaseException as e:  # noqa: BLE001 - report which step broke, whatever broke it
        if isinstance(e, (KeyboardInterrupt, SystemExit)):
            raise
        inner = e
        while isinstance(inner, EXCEPTION_GROUP) and len(inner.exceptions) == 1:
            inner = inner.exceptions[0]
        if isinstance(inner, CheckFailed):
            raise inner from None
        raise CheckFailed(f"{step}: {type(inner).__name__}: {inner}") from e
    print(f"py_prompts: OK (mcp {package_version('mcp')}): {len(PROMPTS)} prompts listed, "
          "prompts/get and completion/complete checked")


def main():
    try:
        anyio.run(run)
    except CheckFailed as e:
        print(f"py_prompts: FAILED: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
