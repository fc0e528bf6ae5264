#!/usr/bin/env bash
# CI test of the MCP Bundle: the pinned @anthropic-ai/mcpb (npm ci when missing), the
# tracked bundle/manifest.json against the binary, bundle/build.sh (validate and pack),
# the .mcpb archive (a zip holding manifest.json, LICENSE and the executable
# server/digiusher-mcp, nothing else), the packed manifest (tools equal to
# `digiusher-mcp tools --json`, user settings mapped to the environment), and the
# bundle started the way Claude Desktop starts it: the command and environment come
# from mcpb's own getMcpConfigForManifest, then an MCP initialize and tools/list.
#
#   bash tests/bundle_check.sh [path/to/digiusher-mcp]     (default target/debug/digiusher-mcp)
#
# The bundle goes to a temporary folder (target/digiusher-mcp.mcpb is left alone).
# Last line: "N passed, M failed"; exit status 0 only when nothing failed.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUNDLE="$ROOT/bundle"
binary="${1:-$ROOT/target/debug/digiusher-mcp}"
case "$binary" in /*) ;; *) binary="$PWD/$binary" ;; esac
if [ ! -x "$binary" ]; then
  echo "tests/bundle_check.sh: no binary at $binary; build it first (cargo build)" >&2
  echo "0 passed, 1 failed"
  exit 1
fi

# shellcheck source=tests/checks.sh
. "$ROOT/tests/checks.sh"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mcpb_file="$work/digiusher-mcp.mcpb"
unpacked="$work/unpacked"
mcpb() { "$BUNDLE/node_modules/.bin/mcpb" "$@"; }
sha() { sha256sum "$1" | cut -d' ' -f1; }
lock_has() { node -e 'const v = require(process.argv[1]).packages["node_modules/@anthropic-ai/mcpb"].version; process.exit(v === process.argv[2] ? 0 : 1)' "$BUNDLE/package-lock.json" "$1"; }
npm_ci() { (cd "$BUNDLE" && npm ci --no-audit --no-fund --loglevel=error); }
mcpb_version_is() { [ "$(mcpb --version)" = "$1" ]; }
ignores() { grep -qx "server/" "$1" && grep -qx "node_modules/" "$1"; }
lints_clean() { [ -x "$1" ] && { ! command -v shellcheck >/dev/null || shellcheck "$1"; }; }
no_partial_left() { [ -z "$(ls "$1".partial.* 2>/dev/null)" ]; }
same_version() { [ "$("$1" --version)" = "$("$2" --version)" ]; }

echo "# MCP Bundle checks with $binary ($("$binary" --version))"

# ---- the pinned CLI -----------------------------------------------------------------
pinned="$(node -p 'require(process.argv[1]).devDependencies["@anthropic-ai/mcpb"]' "$BUNDLE/package.json")"
check "package.json pins @anthropic-ai/mcpb exactly ($pinned)" grep -Eq '^[0-9]+\.[0-9]+\.[0-9]+$' <<<"$pinned"
check "package-lock.json locks the same version" lock_has "$pinned"
installed="$(node -p 'try { require(process.argv[1]).version } catch { "" }' "$BUNDLE/node_modules/@anthropic-ai/mcpb/package.json")"
if [ "$installed" != "$pinned" ]; then
  echo "# npm ci in bundle/ (installed: ${installed:-nothing}, pinned: $pinned)"
  check "npm ci installs the locked packages" npm_ci
fi
check "mcpb --version is the pinned $pinned" mcpb_version_is "$pinned"

# ---- the tracked manifest -----------------------------------------------------------
check "bundle/manifest.json passes mcpb validate" mcpb validate "$BUNDLE/manifest.json"
check "bundle/manifest.json matches the binary (version; no tools list, the build writes it)" node "$BUNDLE/manifest.mjs" check "$binary"
check "bundle/.gitignore ignores server/ and node_modules/" ignores "$BUNDLE/.gitignore"
check "bundle/build.sh is executable and passes shellcheck" lints_clean "$BUNDLE/build.sh"

# ---- build --------------------------------------------------------------------------
manifest_before="$(sha "$BUNDLE/manifest.json")"
build_log="$work/build.log"
if "$BUNDLE/build.sh" --output "$mcpb_file" "$binary" >"$build_log" 2>&1; then
  ok "bundle/build.sh builds the bundle"
else
  not_ok "bundle/build.sh builds the bundle" "$(tail -n 30 "$build_log")"
fi
check "it ran mcpb validate" grep -q "Manifest schema validation passes" "$build_log"
check "it ran mcpb pack" grep -q "Archive Details" "$build_log"
check "it printed the bundle path and size" grep -Eq "built $mcpb_file \([0-9.]+ MB, [0-9]+ bytes\)" "$build_log"
check "the tracked manifest is unchanged by the build" test "$(sha "$BUNDLE/manifest.json")" = "$manifest_before"
check "bundle/server/digiusher-mcp is the build output" test -x "$BUNDLE/server/digiusher-mcp"
check "no partial file is left" no_partial_left "$mcpb_file"

# ---- the archive --------------------------------------------------------------------
check "the bundle exists" test -s "$mcpb_file"
check "the bundle is a valid zip" python3 -m zipfile -t "$mcpb_file"
check "it holds exactly LICENSE, manifest.json and server/digiusher-mcp" python3 - "$mcpb_file" <<'PY'
import sys, zipfile
names = sorted(zipfile.ZipFile(sys.argv[1]).namelist())
assert names == ["LICENSE", "manifest.json", "server/digiusher-mcp"], names
PY
check "server/digiusher-mcp is stored with mode 0755" python3 - "$mcpb_file" <<'PY'
import sys, zipfile
mode = zipfile.ZipFile(sys.argv[1]).getinfo("server/digiusher-mcp").external_attr >> 16 & 0o777
assert mode == 0o755, oct(mode)
PY
check "mcpb info reads it" mcpb info "$mcpb_file"
check "mcpb unpack unpacks it" mcpb unpack "$mcpb_file" "$unpacked"
check "the unpacked server is executable" test -x "$unpacked/server/digiusher-mcp"
check "the unpacked server is the same version" same_version "$unpacked/server/digiusher-mcp" "$binary"
check "the packed manifest passes mcpb validate" mcpb validate "$unpacked/manifest.json"

# ---- the packed manifest ------------------------------------------------------------
"$binary" tools --json >"$work/tools.json"
check_manifest() {
  python3 - "$unpacked/manifest.json" "$work/tools.json" "$ROOT/Cargo.toml" "$1" <<'PY'
import json, re, sys
m = json.load(open(sys.argv[1]))
tools = json.load(open(sys.argv[2]))
cargo_version = re.search(r'(?m)^version = "([^"]+)"', open(sys.argv[3]).read()).group(1)
what = sys.argv[4]
if what == "names":
    got, want = [t["name"] for t in m["tools"]], [t["name"] for t in tools]
    assert got and got == want, f"manifest {got} != server {want}"
elif what == "descriptions":
    assert [t["description"] for t in m["tools"]] == [t["description"] for t in tools]
    assert m["tools_generated"] is False
elif what == "identity":
    assert m["manifest_version"] == "0.3", m["manifest_version"]
    assert (m["name"], m["display_name"], m["license"]) == ("digiusher-mcp", "DigiUsher", "MIT")
    assert m["version"] == cargo_version, (m["version"], cargo_version)
    assert m["description"] and m["author"]["name"] and m["keywords"]
elif what == "server":
    s = m["server"]
    assert s["type"] == "binary" and s["entry_point"] == "server/digiusher-mcp", s
    assert s["mcp_config"]["command"] == "${__dirname}/server/digiusher-mcp", s
    assert s["mcp_config"]["env"] == {
        "DIGIUSHER_API_BASE_URL": "${user_config.api_base}",
        "DIGIUSHER_ISSUER": "${user_config.issuer}",
        "DIGIUSHER_PROFILE": "${user_config.profile}",
    }, s["mcp_config"]["env"]
elif what == "user_config":
    u = m["user_config"]
    assert set(u) == {"api_base", "issuer", "profile"}, set(u)
    assert all(o["type"] == "string" and o["required"] is False and o["description"] for o in u.values())
    assert (u["api_base"]["title"], u["api_base"]["default"]) == ("DigiUsher API URL", "https://app.digiusher.com")
    assert u["issuer"]["title"] == "Sign-in issuer"
    # Without a default an unset issuer would reach the server as the literal "${user_config.issuer}".
    assert u["issuer"]["default"] == "", u["issuer"]
    assert u["profile"]["default"] == "default"
elif what == "platforms":
    want = {"linux": "linux", "darwin": "darwin"}.get(sys.platform, sys.platform)
    assert m["compatibility"]["platforms"] == [want], m["compatibility"]
PY
}
check "the manifest's tool names equal \`digiusher-mcp tools --json\`" check_manifest names
check "its tool descriptions are the server's, tools_generated false" check_manifest descriptions
check "name, display name, version (Cargo.toml), license, manifest_version 0.3" check_manifest identity
check "server: binary, server/digiusher-mcp, \${__dirname} command, env mapping" check_manifest server
check "user settings: api_base, issuer, profile with their titles and defaults" check_manifest user_config
check "compatibility.platforms is this machine's platform only" check_manifest platforms

# ---- started the way Claude Desktop starts it ----------------------------------------
cat >"$work/launch.mjs" <<'JS'
// Resolves the bundle's command and environment with mcpb's getMcpConfigForManifest
// (the code Claude Desktop uses), then runs the server as a host would.
import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const [mcpbIndex, extensionPath, home, mode, userConfigJson] = process.argv.slice(2);
const { getMcpConfigForManifest } = await import(pathToFileURL(mcpbIndex).href);
const manifest = JSON.parse(readFileSync(`${extensionPath}/manifest.json`, "utf8"));
const userConfig = JSON.parse(userConfigJson || "{}");
const config = await getMcpConfigForManifest({
  manifest, extensionPath, systemDirs: { HOME: home }, userConfig, pathSeparator: "/",
});
const assert = (ok, message) => { if (!ok) { console.error(message); process.exit(1); } };
assert(config, "no MCP config for the bundle");
assert(!JSON.stringify(config).includes("${"), `unresolved placeholder in ${JSON.stringify(config)}`);
assert(config.command === `${extensionPath}/server/digiusher-mcp`, `command is ${config.command}`);

const env = { PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: `${home}/.config`,
  XDG_DATA_HOME: `${home}/.local/share`, DIGIUSHER_TOKEN_STORE: "file", ...config.env };

if (mode === "env") {
  process.stdout.write(JSON.stringify(config.env));
} else if (mode === "status") {
  // What the server sees, from its own `status --json` (exit 1: not signed in).
  const r = spawnSync(config.command, [...config.args, "status", "--json"], { env, encoding: "utf8" });
  assert(r.status === 1, `status exited ${r.status}: ${r.stderr}`);
  process.stdout.write(r.stdout);
} else {
  // MCP over stdio: initialize, initialized, tools/list, then EOF.
  const child = spawn(config.command, config.args, { env, stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d) => { stderr += d; });
  const timer = setTimeout(() => { console.error(`timed out; stderr: ${stderr}`); child.kill(); process.exit(1); }, 20000);
  const pending = new Map();
  let buffer = "";
  child.stdout.on("data", (chunk) => {
    buffer += chunk;
    let nl;
    while ((nl = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, nl).trim();
      buffer = buffer.slice(nl + 1);
      if (!line) continue;
      const msg = JSON.parse(line);
      if (msg.id !== undefined && pending.has(msg.id)) { pending.get(msg.id)(msg); pending.delete(msg.id); }
    }
  });
  const send = (msg) => child.stdin.write(JSON.stringify(msg) + "\n");
  const request = (id, method, params) => new Promise((resolve) => { pending.set(id, resolve); send({ jsonrpc: "2.0", id, method, params }); });
  const init = await request(1, "initialize", {
    protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "bundle-check", version: "1" },
  });
  assert(init.result && init.result.serverInfo, `initialize failed: ${JSON.stringify(init)}`);
  send({ jsonrpc: "2.0", method: "notifications/initialized" });
  const list = await request(2, "tools/list", {});
  assert(list.result && Array.isArray(list.result.tools), `tools/list failed: ${JSON.stringify(list)}`);
  const names = list.result.tools.map((t) => t.name);
  const manifestNames = manifest.tools.map((t) => t.name);
  assert(JSON.stringify(names) === JSON.stringify(manifestNames), `tools/list ${names} != manifest ${manifestNames}`);
  child.stdin.end();
  const code = await new Promise((resolve) => child.on("exit", resolve));
  clearTimeout(timer);
  assert(code === 0, `server exited ${code} after EOF; stderr: ${stderr}`);
  console.log(`${init.result.serverInfo.name} ${init.result.serverInfo.version}: ${names.length} tools`);
}
JS
launch_home="$work/launch-home"
mkdir -p "$launch_home"
mcpb_index="$BUNDLE/node_modules/@anthropic-ai/mcpb/dist/index.js"
launch() { node "$work/launch.mjs" "$mcpb_index" "$unpacked" "$launch_home" "$@"; }
env_is() {
  local got
  got="$(launch env "${2:-}")" || return 1
  python3 -c 'import json, sys; got, want = json.loads(sys.argv[1]), json.loads(sys.argv[2]); assert got == want, (got, want)' "$got" "$1"
}
status_shows() {
  local got
  got="$(launch status "${3:-}")" || return 1
  python3 -c 'import json, sys; s = json.loads(sys.argv[1]); assert (s["api_base"], s["profile"]) == (sys.argv[2], sys.argv[3]), s' "$got" "$1" "$2"
}
check "default settings: the API URL default, an empty issuer, profile default" \
  env_is '{"DIGIUSHER_API_BASE_URL": "https://app.digiusher.com", "DIGIUSHER_ISSUER": "", "DIGIUSHER_PROFILE": "default"}'
check "user settings reach the environment" \
  env_is '{"DIGIUSHER_API_BASE_URL": "https://finops.example.com", "DIGIUSHER_ISSUER": "https://id.example.com", "DIGIUSHER_PROFILE": "work"}' \
  '{"api_base": "https://finops.example.com", "issuer": "https://id.example.com", "profile": "work"}'
check "the server accepts the default settings (status: default API, profile default)" \
  status_shows "https://app.digiusher.com" "default"
check "the server applies the user's API URL and profile" \
  status_shows "http://127.0.0.1:8787" "sandbox" '{"api_base": "http://127.0.0.1:8787", "profile": "sandbox"}'
check "a cleared API URL field falls back to the default" \
  status_shows "https://app.digiusher.com" "default" '{"api_base": ""}'
check "started as Claude Desktop starts it: initialize, tools/list (the manifest's tools), exit on EOF" launch mcp

finish
