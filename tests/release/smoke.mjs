// A smoke run of a built digiusher-mcp, as a host would start it, on any system (Node only,
// no npm packages): the macOS and Windows CI jobs run it on the release binary and on the npm
// launcher; tests/release_check.sh runs it here.
//
//   node tests/release/smoke.mjs SIMULATOR COMMAND [ARGS...]
//
// SIMULATOR is the digiusher-sim binary; COMMAND [ARGS...] starts digiusher-mcp (the binary,
// or `node .../digiusher-mcp.js` for the launcher). With a fresh HOME (USERPROFILE and
// APPDATA on Windows) it checks: --version; `tools --json`; `status` signed out exits 1; a
// bad command line exits 2; an MCP session (initialize, tools/list, a tool call answered by
// the simulator, stdin closed -> exit 0); and, outside Windows, that SIGINT ends the server.
// Prints one line per check; exit 1 at the first failure.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";

const [simulator, ...command] = process.argv.slice(2);
if (!simulator || command.length === 0) {
  console.error("usage: node tests/release/smoke.mjs SIMULATOR COMMAND [ARGS...]");
  process.exit(2);
}
const ORG = "a0000000-0000-4000-8000-000000000001";
const home = mkdtempSync(join(tmpdir(), "digiusher-smoke-"));
const fail = (message) => {
  console.error(`smoke.mjs: FAIL: ${message}`);
  process.exit(1);
};
const ok = (message) => console.log(`smoke.mjs: ok: ${message}`);
setTimeout(() => fail("timed out after 120 s"), 120_000).unref();

// The simulator prints its base URL on its first stdout line.
const sim = spawn(simulator, ["--port", "0", "--quiet", "--exit-on-stdin-eof"], { stdio: ["pipe", "pipe", "inherit"] });
sim.on("error", (e) => fail(`cannot start the simulator: ${e.message}`));
const base = await new Promise((resolve) => createInterface({ input: sim.stdout }).once("line", resolve));

function env(extra = {}) {
  const keep = ["PATH", "Path", "SYSTEMROOT", "SystemRoot", "WINDIR", "TEMP", "TMP"];
  const vars = Object.fromEntries(keep.filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]]));
  return {
    ...vars,
    HOME: home,
    USERPROFILE: home,
    APPDATA: join(home, "AppData", "Roaming"),
    XDG_CONFIG_HOME: join(home, ".config"),
    XDG_DATA_HOME: join(home, ".local", "share"),
    RUST_BACKTRACE: "0",
    DIGIUSHER_API_BASE_URL: base,
    DIGIUSHER_TOKEN_STORE: "file",
    ...extra,
  };
}

function start(args, extra) {
  const child = spawn(command[0], [...command.slice(1), ...args], { env: env(extra), stdio: "pipe", windowsHide: true });
  child.on("error", (e) => fail(`cannot start ${command.join(" ")}: ${e.message}`));
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (d) => {
    child.errText = (child.errText ?? "") + d;
  });
  child.exited = new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  return child;
}

async function run(args, extra) {
  const child = start(args, extra);
  child.stdin.end();
  let out = "";
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (d) => (out += d));
  const { code } = await child.exited;
  return { code, out, err: child.errText ?? "" };
}

const version = await run(["--version"]);
if (version.code !== 0 || !/^digiusher-mcp \d+\.\d+\.\d+/.test(version.out)) fail(`--version: ${JSON.stringify(version)}`);
ok(`--version: ${version.out.trim()}`);

const tools = await run(["tools", "--json"]);
let names;
try {
  names = JSON.parse(tools.out).map((t) => t.name);
} catch {
  fail(`tools --json is not JSON: ${JSON.stringify(tools)}`);
}
if (tools.code !== 0 || !names.includes("list_organizations")) fail(`tools --json: ${names}`);
ok(`tools --json: ${names.length} tools`);

const status = await run(["status"]);
if (status.code !== 1) fail(`status signed out exits 1, not ${status.code}: ${status.err}`);
ok("status signed out exits 1");
const bad = await run(["no-such-command"]);
if (bad.code !== 2) fail(`a bad command line exits 2, not ${bad.code}`);
ok("a bad command line exits 2");

// An MCP session, one JSON-RPC message per line.
async function session() {
  const server = start([], { DIGIUSHER_TOKEN: "sim-alice" });
  const replies = new Map();
  const waiting = new Map();
  createInterface({ input: server.stdout }).on("line", (line) => {
    let message;
    try {
      message = JSON.parse(line);
    } catch {
      fail(`stdout carried a line that is not JSON-RPC: ${line.slice(0, 200)}`);
    }
    if (message.id === undefined) return;
    (waiting.get(message.id) ?? ((m) => replies.set(message.id, m)))(message);
  });
  const request = (id, method, params) => {
    server.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", id, method, params })}\n`);
    return replies.has(id) ? Promise.resolve(replies.get(id)) : new Promise((resolve) => waiting.set(id, resolve));
  };
  const init = await request(1, "initialize", {
    protocolVersion: "2025-11-25",
    capabilities: {},
    clientInfo: { name: "smoke", version: "1" },
  });
  if (!init.result?.serverInfo) fail(`initialize: ${JSON.stringify(init)}`);
  server.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" })}\n`);
  const list = await request(2, "tools/list", {});
  if (list.result?.tools?.length !== names.length) fail(`tools/list: ${JSON.stringify(list).slice(0, 300)}`);
  const call = await request(3, "tools/call", { name: "list_organizations", arguments: {} });
  const text = JSON.stringify(call.result ?? call);
  if (call.result?.isError !== false && call.result?.isError !== undefined) fail(`tools/call is an error: ${text.slice(0, 400)}`);
  if (!text.includes(ORG)) fail(`tools/call did not answer from the simulator: ${text.slice(0, 400)}`);
  ok(`MCP session: initialize (${init.result.protocolVersion}), tools/list, tools/call list_organizations`);
  return server;
}

const first = await session();
first.stdin.end();
const closed = await first.exited;
if (closed.code !== 0) fail(`closing stdin ends the server with 0, not ${JSON.stringify(closed)}: ${first.errText}`);
ok("closing stdin ends the server with exit status 0");

// Outside Windows, Ctrl-C (SIGINT) to the process a host started ends it (the launcher passes
// it on to the binary and ends the same way). Windows has no signals between processes:
// there a host ends the server by closing its stdin, checked above.
if (process.platform !== "win32") {
  const second = await session();
  second.kill("SIGINT");
  const timer = setTimeout(() => fail("SIGINT did not end the server within 10 s"), 10_000);
  const ended = await second.exited;
  clearTimeout(timer);
  ok(`SIGINT ends the server (${ended.signal ?? `exit ${ended.code}`})`);
}

sim.stdin.end();
rmSync(home, { recursive: true, force: true });
console.log("smoke.mjs: all checks passed");
process.exit(0);
