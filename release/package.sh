#!/usr/bin/env bash
# Packages one digiusher-mcp binary as release artifacts; every release job runs it.
#
#   release/package.sh [--target TRIPLE] [--out DIR] [BINARY]
#
# BINARY defaults to target/release/digiusher-mcp (.exe for Windows targets), TRIPLE to
# this machine's Rust target triple (rustc -vV), DIR to target/dist. Writes into DIR:
#   digiusher-mcp-TRIPLE.tar.gz    (.zip for Windows) the binary, README.md and LICENSE,
#                                  in a folder digiusher-mcp-TRIPLE/
#   digiusher-mcp-TRIPLE.mcpb      the MCP Bundle, as bundle/build.sh makes it
#   digiusher-mcp-OS-CPU-VER.tgz   the npm package @digiusher/mcp-OS-CPU (npm pack name)
#   digiusher-mcp-VER.tgz          the npm launcher @digiusher/mcp
#   SHA256SUMS                     one `sha256sum` line per file above; lines of other
#                                  files already there are kept, so several targets can
#                                  share one DIR
# VER is the version in Cargo.toml. For universal-apple-darwin (a lipo'd macOS binary)
# there is no npm platform package: npm installs one package per CPU.
set -euo pipefail
# (bash 3.2 compatible: macOS runners may start /bin/bash)

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
prog="release/package.sh"
say() { echo "$prog: $*"; }
die() {
  echo "$prog: error: $*" >&2
  exit 1
}
usage() { sed -n '2,20s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; }
bad_usage() {
  echo "$prog: $*" >&2
  usage >&2
  exit 2
}

target=""
out=""
binary=""
while [ $# -gt 0 ]; do
  case "$1" in
    --target | --out)
      if [ $# -lt 2 ] || [ -z "$2" ]; then bad_usage "option $1 needs a value"; fi
      if [ "$1" = --target ]; then target="$2"; else out="$2"; fi
      shift 2
      ;;
    --target=*) target="${1#--target=}"; shift ;;
    --out=*) out="${1#--out=}"; shift ;;
    -h | --help) usage; exit 0 ;;
    -*) bad_usage "unknown option: $1" ;;
    *)
      [ -z "$binary" ] || bad_usage "only one binary, please"
      binary="$1"
      shift
      ;;
  esac
done

if [ -z "$target" ]; then
  command -v rustc >/dev/null 2>&1 || die "cannot tell this machine's target triple without rustc: give --target TRIPLE"
  target="$(rustc -vV | sed -n 's/^host: //p')"
  [ -n "$target" ] || die "rustc -vV printed no host triple: give --target TRIPLE"
fi
case "$target" in
  *[!A-Za-z0-9_.-]* | -*) die "not a target triple: $target" ;;
esac
exe=digiusher-mcp
windows=0
case "$target" in *-windows-*) exe=digiusher-mcp.exe; windows=1 ;; esac

binary="${binary:-${CARGO_TARGET_DIR:-$root/target}/release/$exe}"
out="${out:-$root/target/dist}"
case "$binary" in /* | [A-Za-z]:*) ;; *) binary="$PWD/$binary" ;; esac
case "$out" in /* | [A-Za-z]:*) ;; *) out="$PWD/$out" ;; esac
[ -f "$binary" ] || die "no binary at $binary: run \`cargo build --release --locked\` first, or give its path"

version="$(awk '/^\[/ { section = $0 } section == "[package]" && /^version *=/ { gsub(/.*= *"|".*/, ""); print; exit }' "$root/Cargo.toml")"
[ -n "$version" ] || die "no [package] version in $root/Cargo.toml"
# A binary that runs here must be this version: a stale build would ship under a new name.
if reported="$("$binary" --version 2>/dev/null)" && [ "$reported" != "digiusher-mcp $version" ]; then
  die "$binary reports \"$reported\" but Cargo.toml says $version: rebuild it first"
fi

if command -v sha256sum >/dev/null 2>&1; then
  sha256() { sha256sum "$1" | cut -d' ' -f1; }
elif command -v shasum >/dev/null 2>&1; then
  sha256() { shasum -a 256 "$1" | cut -d' ' -f1; }
else
  die "neither sha256sum nor shasum is installed"
fi
command -v npm >/dev/null 2>&1 || die "npm is needed (for the npm packages and the bundle): install Node.js 18 or newer"

mkdir -p "$out"
work="$(mktemp -d "${TMPDIR:-/tmp}/digiusher-package.XXXXXX")"
trap 'rm -rf "$work"' EXIT
written=()

# ---- the archive ---------------------------------------------------------------------
name="digiusher-mcp-$target"
mkdir -p "$work/archive/$name"
cp "$binary" "$work/archive/$name/$exe"
chmod 0755 "$work/archive/$name/$exe"
cp "$root/README.md" "$root/LICENSE" "$work/archive/$name/"
if [ "$windows" -eq 1 ]; then
  archive="$name.zip"
  rm -f "$out/$archive"
  if command -v zip >/dev/null 2>&1; then
    (cd "$work/archive" && zip -qr -X "$out/$archive" "$name")
  else
    # Git Bash on Windows has no zip; Python's zipfile writes the same format.
    python="$(command -v python3 || command -v python)" || die "neither zip nor Python is installed"
    (cd "$work/archive" && "$python" -m zipfile -c "$out/$archive" "$name")
  fi
else
  archive="$name.tar.gz"
  (cd "$work/archive" && tar -czf "$out/$archive" "$name")
fi
written+=("$archive")
say "wrote $out/$archive"

# ---- the MCP Bundle ------------------------------------------------------------------
"$root/bundle/build.sh" --output "$out/$name.mcpb" "$binary" >"$work/bundle.log" 2>&1 ||
  { cat "$work/bundle.log" >&2; die "bundle/build.sh failed (above)"; }
written+=("$name.mcpb")
say "wrote $out/$name.mcpb"

# ---- npm -----------------------------------------------------------------------------
# npm pack prints the tarball's file name last.
pack() { (cd "$1" && npm pack --silent --pack-destination "$out") | tail -n 1; }
platform="$(node "$root/npm/stage.mjs" name "$target")"
if [ -n "$platform" ]; then
  node "$root/npm/stage.mjs" platform "$target" "$version" "$binary" "$work/npm-platform"
  tgz="$(pack "$work/npm-platform")"
  written+=("$tgz")
  say "wrote $out/$tgz (@digiusher/mcp-$platform)"
else
  say "no npm platform package for $target (npm has none for it)"
fi
node "$root/npm/stage.mjs" launcher "$version" "$work/npm-launcher"
tgz="$(pack "$work/npm-launcher")"
written+=("$tgz")
say "wrote $out/$tgz (@digiusher/mcp, the launcher)"

# ---- SHA256SUMS ----------------------------------------------------------------------
sums="$out/SHA256SUMS"
touch "$sums"
for file in "${written[@]}"; do
  [ -f "$out/$file" ] || die "expected $out/$file, which is missing"
  awk -v f="$file" '$2 != f && $2 != "*" f' "$sums" >"$work/sums"
  printf '%s  %s\n' "$(sha256 "$out/$file")" "$file" >>"$work/sums"
  sort -k2 "$work/sums" >"$sums"
done
say "updated $sums:"
sed 's/^/    /' "$sums"
