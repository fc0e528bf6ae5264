"""What every Python MCP client check here shares: the failure type, short printing of values,
SDK models as sent, error codes across SDK versions, the digiusher-mcp server to start (the
command from argv or DIGIUSHER_MCP_BIN, with a clean environment) and the tools it should list
(its own `tools --json`)."""

import builtins
import json
import os
import subprocess
import sys

from mcp import StdioServerParameters

EXCEPTION_GROUP = getattr(builtins, "BaseExceptionGroup", ())  # Python 3.11+
TIMEOUT_S = 120.0  # the whole session; the SDK's read timeout argument changed type between 1.x and 2.x


class CheckFailed(Exception):
    pass


def check(cond, what):
    if not cond:
        raise CheckFailed(what)


def show(value):
    try:
        s = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        s = repr(value)
    return s if len(s) <= 400 else s[:400] + "…"


def wire(model):
    """A pydantic model as it looks on the wire (camelCase keys, unset fields left out)."""
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)


def require_env(name):
    v = os.environ.get(name)
    if not v:
        raise CheckFailed(f"environment variable {name} must be set")
    return v


def expected_tools():
    """The tool definitions the server should list: what `digiusher-mcp tools --json` prints, from
    DIGIUSHER_MCP_BIN when set (needed when the command wraps the binary), else from the server
    command. Comparing with the binary's own catalog means no copied list to keep up to date."""
    params = server_parameters()
    bin_ = os.environ.get("DIGIUSHER_MCP_BIN")
    argv = [bin_] if bin_ else [params.command, *params.args]
    argv += ["tools", "--json"]
    shown = " ".join(argv)
    try:
        r = subprocess.run(argv, env=params.env, capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.SubprocessError) as e:
        raise CheckFailed(f"{shown} did not run: {e}") from e
    check(r.returncode == 0, f"{shown} failed (exit status {r.returncode}): {show(r.stderr)}")
    try:
        tools = json.loads(r.stdout)
    except ValueError as e:
        raise CheckFailed(f"{shown} printed no JSON ({e}): {show(r.stdout)}") from e
    check(isinstance(tools, list) and tools, f"{shown} lists no tools: {show(tools)}")
    return tools


def server_parameters():
    """The server: the arguments after `--`, else DIGIUSHER_MCP_BIN, with a clean environment."""
    argv = sys.argv[1:]
    if argv and argv[0] == "--":
        argv = argv[1:]
    if not argv and os.environ.get("DIGIUSHER_MCP_BIN"):
        argv = [os.environ["DIGIUSHER_MCP_BIN"]]
    if not argv:
        script = os.path.basename(sys.argv[0])
        raise CheckFailed(f"usage: {script} [--] COMMAND [ARG...] (or set DIGIUSHER_MCP_BIN)")
    home = require_env("HOME")
    env = {
        "DIGIUSHER_API_BASE_URL": require_env("DIGIUSHER_API_BASE_URL"),
        "DIGIUSHER_TOKEN": os.environ.get("DIGIUSHER_TOKEN") or "sim-alice",
        "HOME": home,
        "XDG_CONFIG_HOME": os.path.join(home, ".config"),
        "XDG_DATA_HOME": os.path.join(home, ".local", "share"),
        "PATH": os.environ.get("PATH") or "/usr/local/bin:/usr/bin:/bin",
        "RUST_BACKTRACE": "0",
    }
    return StdioServerParameters(command=argv[0], args=argv[1:], env=env)


def error_code(exc):
    """The JSON-RPC error code carried by an SDK exception (2.x MCPError, 1.x McpError)."""
    code = getattr(exc, "code", None)
    if isinstance(code, int):
        return code
    err = getattr(exc, "error", None)
    return getattr(err, "code", None)
