#!/usr/bin/env bash
# Builds the MCP Bundle (.mcpb) of digiusher-mcp, for one-click install in Claude Desktop.
#
#   bundle/build.sh [--output FILE] [BINARY]
#
# BINARY defaults to target/release/digiusher-mcp (cargo build --release first); FILE to
# target/digiusher-mcp.mcpb. Steps: install @anthropic-ai/mcpb from package-lock.json
# when missing; copy the binary into bundle/server/; bring the version of
# bundle/manifest.json up to date from Cargo.toml; validate it (mcpb validate); pack
# manifest, server and LICENSE (mcpb pack), the manifest with the tools of
# `BINARY tools --json` and its platforms narrowed to this machine's, the only one the
# binary runs on.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
prog="bundle/build.sh"
die() {
  echo "$prog: error: $*" >&2
  exit 1
}
usage() { sed -n '2,12s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; }

binary=""
output="$root/target/digiusher-mcp.mcpb"
while [ $# -gt 0 ]; do
  case "$1" in
    -o | --output)
      [ $# -ge 2 ] || { usage >&2; exit 2; }
      output="$2"
      shift 2
      ;;
    --output=*) output="${1#--output=}"; shift ;;
    -h | --help) usage; exit 0 ;;
    -*) echo "$prog: unknown option: $1" >&2; usage >&2; exit 2 ;;
    *)
      [ -z "$binary" ] || { echo "$prog: only one binary, please" >&2; usage >&2; exit 2; }
      binary="$1"
      shift
      ;;
  esac
done
binary="${binary:-$root/target/release/digiusher-mcp}"
case "$binary" in /*) ;; *) binary="$PWD/$binary" ;; esac
case "$output" in /*) ;; *) output="$PWD/$output" ;; esac
[ -f "$binary" ] || die "no binary at $binary: run \`cargo build --release --locked\` first, or give a path"
[ -x "$binary" ] || die "$binary is not executable"
command -v node >/dev/null 2>&1 || die "Node.js is needed (for @anthropic-ai/mcpb): install Node.js 18 or newer"
command -v npm >/dev/null 2>&1 || die "npm is needed (for @anthropic-ai/mcpb): install Node.js 18 or newer with npm"

cd "$here"

# The pinned @anthropic-ai/mcpb, installed from the lock file unless already there.
pinned="$(node -p 'require("./package.json").devDependencies["@anthropic-ai/mcpb"]')"
installed="$(node -p 'try { require("./node_modules/@anthropic-ai/mcpb/package.json").version } catch { "" }')"
if [ "$installed" != "$pinned" ]; then
  echo "$prog: installing @anthropic-ai/mcpb $pinned (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi
# The pinned CLI itself (what `npx --no-install mcpb` runs here), callable from any folder.
mcpb() { "$here/node_modules/.bin/mcpb" "$@"; }
echo "$prog: @anthropic-ai/mcpb $(mcpb --version)"

# The binary, in bundle/server/ (build output, ignored by git).
exe=digiusher-mcp
case "$(uname -s)" in MINGW* | MSYS* | CYGWIN*) exe=digiusher-mcp.exe ;; esac
rm -rf server
mkdir -p server
cp "$binary" "server/$exe"
chmod 0755 "server/$exe"
# Debug builds carry symbols the bundle does not need (release builds are stripped by
# cargo). Not on macOS, where stripping would break the binary's code signature.
if [ "$(uname -s)" = Linux ] && command -v strip >/dev/null 2>&1; then
  strip "server/$exe" 2>/dev/null || true
fi
echo "$prog: $("server/$exe" --version) from $binary"

# The manifest: the version from the source of truth, then the schema check.
node manifest.mjs update "server/$exe"
mcpb validate manifest.json

# Pack from a staging folder, so that only what the bundle needs goes in (not
# node_modules, package.json or these scripts) and the tracked manifest stays generic:
# the staged one gets the binary's own tool list and this platform.
stage="$(mktemp -d "${TMPDIR:-/tmp}/digiusher-mcpb.XXXXXX")"
partial="$output.partial.$$"
trap 'rm -rf "$stage" "$partial"' EXIT
mkdir -p "$stage/server"
cp -p "server/$exe" "$stage/server/$exe"
cp "$root/LICENSE" "$stage/LICENSE"
node manifest.mjs stage "server/$exe" "$stage/manifest.json"
mcpb validate "$stage/manifest.json"

mkdir -p "$(dirname "$output")"
(cd "$stage" && mcpb pack . "$partial")
mv -f "$partial" "$output"

size="$(wc -c <"$output" | tr -d ' ')"
echo
echo "$prog: built $output ($(awk -v b="$size" 'BEGIN { printf "%.1f MB, %d bytes", b / 1048576, b }'))"
echo "$prog: install it by double-clicking it, or in Claude Desktop: Settings > Extensions > Install Extension..."
