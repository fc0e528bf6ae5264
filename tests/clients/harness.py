"""What every Python MCP client check here shares: the failure type, short printing of values,
SDK models as sent, error codes across SDK versions, and the digiusher-mcp server to start (the
command from argv or DIGIUSHER_MCP_BIN, with a clean environment)."""

import builtins
import json
import os
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
