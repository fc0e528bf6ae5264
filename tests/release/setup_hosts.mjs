// `digiusher-mcp setup HOST` for every host, with HOME (USERPROFILE and APPDATA on Windows)
// in a fresh folder: the file must land where that host looks on this system, with an entry
// that starts this binary. The macOS and Windows CI jobs run it; tests/release_check.sh here.
//
//   node tests/release/setup_hosts.mjs BINARY
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const [binary] = process.argv.slice(2);
if (!binary) {
  console.error("usage: node tests/release/setup_hosts.mjs BINARY");
  process.exit(2);
}
const fail = (message) => {
  console.error(`setup_hosts.mjs: FAIL: ${message}`);
  process.exit(1);
};
const home = realpathSync(mkdtempSync(join(tmpdir(), "digiusher-setup-")));
const appData = join(home, "AppData", "Roaming");
const config = join(home, ".config");

// Where each host reads its MCP servers on this system, from the hosts' own documentation.
const support = join(home, "Library", "Application Support");
const configRoot = { darwin: support, win32: appData }[process.platform] ?? config;
const expected = {
  "claude-desktop": [join(configRoot, "Claude", "claude_desktop_config.json"), "mcpServers"],
  cursor: [join(home, ".cursor", "mcp.json"), "mcpServers"],
  "claude-code": [join(home, ".claude.json"), "mcpServers"],
  vscode: [join(configRoot, "Code", "User", "mcp.json"), "servers"],
};

// The hosts the binary knows, from its own table, so a new host cannot be missed here.
const listed = spawnSync(binary, ["setup", "--list"], { encoding: "utf8" });
const hosts = (listed.stdout ?? "").split(/\r?\n/).filter((line) => line !== "");
if (listed.status !== 0 || hosts.length === 0) fail(`no host list from setup --list: ${listed.stderr}`);
for (const host of hosts) if (!expected[host]) fail(`no expected path for the host ${host}: add it here`);

const keep = ["PATH", "Path", "SYSTEMROOT", "SystemRoot", "WINDIR", "TEMP", "TMP"];
const env = {
  ...Object.fromEntries(keep.filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]])),
  HOME: home,
  USERPROFILE: home,
  APPDATA: appData,
  XDG_CONFIG_HOME: config,
  XDG_DATA_HOME: join(home, ".local", "share"),
  RUST_BACKTRACE: "0",
};
const real = realpathSync(binary);
for (const host of hosts) {
  const [file, key] = expected[host];
  const run = spawnSync(binary, ["setup", host], { env, encoding: "utf8" });
  if (run.status !== 0) fail(`setup ${host} exited ${run.status}: ${run.stderr}`);
  if (!existsSync(file)) fail(`setup ${host} did not write ${file}; it said: ${run.stdout}`);
  const entry = JSON.parse(readFileSync(file, "utf8"))[key]?.digiusher;
  if (!entry || realpathSync(entry.command) !== real) fail(`${file}: entry ${JSON.stringify(entry)} does not start ${real}`);
  if (/^\\\\\?\\/.test(entry.command)) fail(`${file}: the command is a verbatim path: ${entry.command}`);
  console.log(`setup_hosts.mjs: ok: setup ${host} -> ${file}`);
}
rmSync(home, { recursive: true, force: true });
console.log(`setup_hosts.mjs: all ${hosts.length} hosts passed`);
