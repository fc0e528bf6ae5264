#!/usr/bin/env bash
# Builds target/digiusher-mcp.mcpb, the MCP Bundle for one-click install in Claude
# Desktop, from a digiusher-mcp binary (default: the release build).
#   bundle/build.sh [path/to/digiusher-mcp]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
binary="${1:-$root/target/release/digiusher-mcp}"
[ -x "$binary" ] || { echo "bundle/build.sh: no binary at $binary (cargo build --release first, or pass a path)" >&2; exit 2; }

cd "$here"
[ -d node_modules/@anthropic-ai/mcpb ] || npm ci --no-audit --no-fund --loglevel=error

stage="$root/target/bundle-stage"
rm -rf "$stage"
mkdir -p "$stage/server"
install -m 0755 "$binary" "$stage/server/digiusher-mcp"
# Debug builds carry symbols; the bundle needs none.
if command -v strip >/dev/null 2>&1; then strip "$stage/server/digiusher-mcp" 2>/dev/null || true; fi
node make-manifest.mjs "$binary" >"$stage/manifest.json"
cp README.md "$stage/README.md"
npx --no-install mcpb validate "$stage/manifest.json"
out="$root/target/digiusher-mcp.mcpb"
rm -f "$out"
npx --no-install mcpb pack "$stage" "$out"
echo "bundle/build.sh: built $out ($(du -h "$out" | cut -f1))"
