// What every MCP client check here shares: the failure type, short printing of values, the
// digiusher-mcp server to start (the command from argv or DIGIUSHER_MCP_BIN, with a clean environment)
// and the tools it should list (its own `tools --json`).
import { spawnSync } from "node:child_process";
import { basename, join } from "node:path";

export class CheckFailed extends Error {}

export function check(cond, what) {
  if (!cond) throw new CheckFailed(what);
}

export function show(value) {
  const s = JSON.stringify(value);
  return s === undefined ? String(value) : s.length > 400 ? `${s.slice(0, 400)}…` : s;
}

export function requireEnv(name) {
  const v = process.env[name];
  if (!v) throw new CheckFailed(`environment variable ${name} must be set`);
  return v;
}

/** The server command: the arguments after `--`, else DIGIUSHER_MCP_BIN. */
export function serverCommand() {
  let argv = process.argv.slice(2);
  if (argv[0] === "--") argv = argv.slice(1);
  if (argv.length === 0 && process.env.DIGIUSHER_MCP_BIN) argv = [process.env.DIGIUSHER_MCP_BIN];
  if (argv.length === 0) {
    const script = basename(process.argv[1] ?? "client.mjs");
    throw new CheckFailed(`usage: ${script} [--] COMMAND [ARG...] (or set DIGIUSHER_MCP_BIN)`);
  }
  return { command: argv[0], args: argv.slice(1) };
}

/** The server's environment: the API base, a token, HOME and its XDG directories, PATH. */
export function serverEnv() {
  const home = requireEnv("HOME");
  return {
    DIGIUSHER_API_BASE_URL: requireEnv("DIGIUSHER_API_BASE_URL"),
    DIGIUSHER_TOKEN: process.env.DIGIUSHER_TOKEN || "sim-alice",
    HOME: home,
    XDG_CONFIG_HOME: join(home, ".config"),
    XDG_DATA_HOME: join(home, ".local", "share"),
    PATH: process.env.PATH || "/usr/local/bin:/usr/bin:/bin",
    RUST_BACKTRACE: "0",
  };
}

/**
 * The tool definitions the server should list: what `digiusher-mcp tools --json` prints, from
 * DIGIUSHER_MCP_BIN when set (needed when the command wraps the binary), else from the server
 * command. Comparing with the binary's own catalog means no copied list to keep up to date.
 */
export function expectedTools() {
  const bin = process.env.DIGIUSHER_MCP_BIN;
  const { command, args } = bin ? { command: bin, args: [] } : serverCommand();
  const shown = [command, ...args, "tools", "--json"].join(" ");
  const r = spawnSync(command, [...args, "tools", "--json"], { env: serverEnv(), encoding: "utf8" });
  check(r.status === 0, `${shown} failed (${r.error?.message ?? `exit status ${r.status}`}): ${show(r.stderr)}`);
  let tools;
  try {
    tools = JSON.parse(r.stdout);
  } catch (e) {
    throw new CheckFailed(`${shown} printed no JSON (${e.message}): ${show(r.stdout)}`);
  }
  check(Array.isArray(tools) && tools.length > 0, `${shown} lists no tools: ${show(tools)}`);
  return tools;
}
