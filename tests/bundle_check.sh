#!/usr/bin/env bash
# Builds the MCP Bundle from a binary, validates and packs it with @anthropic-ai/mcpb,
# and checks its contents.   bash tests/bundle_check.sh [path/to/digiusher-mcp]
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
binary="${1:-$ROOT/target/debug/digiusher-mcp}"
[ -x "$binary" ] || { echo "tests/bundle_check.sh: build first: no $binary" >&2; exit 2; }

passed=0
failed=0
check() {
  local name="$1"
  shift
  if "$@"; then passed=$((passed + 1)); echo "ok   $name"; else failed=$((failed + 1)); echo "FAIL $name"; fi
}
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mcpb="$ROOT/target/digiusher-mcp.mcpb"

check "bundle/build.sh validates and packs" bash -c "'$ROOT/bundle/build.sh' '$binary' >'$work/build.log' 2>&1 || { cat '$work/build.log'; exit 1; }"
check "the manifest passes mcpb validate" grep -q "Manifest schema validation passes" "$work/build.log"
check "the bundle is a zip" python3 -m zipfile -t "$mcpb"
check "the server is stored executable" python3 -c "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); assert z.getinfo('server/digiusher-mcp').external_attr >> 16 & 0o111" "$mcpb"
check "mcpb unpack unpacks it" bash -c "cd '$ROOT/bundle' && npx --no-install mcpb unpack '$mcpb' '$work/unpacked' >/dev/null"
check "it contains manifest.json" test -f "$work/unpacked/manifest.json"
check "it contains the executable server" test -x "$work/unpacked/server/digiusher-mcp"
check "the packed server runs" "$work/unpacked/server/digiusher-mcp" --version
check "mcpb info reads the bundle" bash -c "cd '$ROOT/bundle' && npx --no-install mcpb info '$mcpb' >/dev/null"
check "the manifest lists exactly the server's tools" python3 - "$work/unpacked/manifest.json" "$binary" <<'PY'
import json, subprocess, sys
manifest = json.load(open(sys.argv[1]))
tools = json.loads(subprocess.check_output([sys.argv[2], "tools", "--json"]))
assert [t["name"] for t in manifest["tools"]] == [t["name"] for t in tools], "tool names differ"
assert manifest["server"]["type"] == "binary" and manifest["server"]["entry_point"] == "server/digiusher-mcp"
env = manifest["server"]["mcp_config"]["env"]
assert env["DIGIUSHER_API_BASE_URL"] == "${user_config.api_base}", env
assert set(manifest["user_config"]) == {"api_base", "issuer", "profile"}
PY

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
