#!/bin/sh
# Install digiusher-mcp into ~/.local/bin (or --prefix DIR): built from this checkout
# with cargo, or a given binary with --binary PATH. Safe to run again.
set -eu

usage() {
    cat <<'USAGE'
usage: ./install.sh [--prefix DIR] [--binary PATH] [--uninstall]

  --prefix DIR    install into DIR/bin (default: ~/.local)
  --binary PATH   install this prebuilt digiusher-mcp instead of building from source
  --uninstall     remove the installed binary
  -h, --help      show this help
USAGE
}

say() { printf '%s\n' "$*"; }
die() { printf 'install.sh: %s\n' "$*" >&2; exit 1; }

prefix="${HOME:?HOME is not set}/.local"
binary=""
uninstall=0
while [ $# -gt 0 ]; do
    case "$1" in
        --prefix) [ $# -ge 2 ] || { usage >&2; exit 2; }; prefix="$2"; shift 2 ;;
        --prefix=*) prefix="${1#--prefix=}"; shift ;;
        --binary) [ $# -ge 2 ] || { usage >&2; exit 2; }; binary="$2"; shift 2 ;;
        --binary=*) binary="${1#--binary=}"; shift ;;
        --uninstall) uninstall=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) printf 'install.sh: unknown option %s\n' "$1" >&2; usage >&2; exit 2 ;;
    esac
done

bindir="$prefix/bin"
target="$bindir/digiusher-mcp"

os=$(uname -s)
arch=$(uname -m)
case "$os" in
    Linux|Darwin) ;;
    *) die "unsupported operating system $os (Linux and macOS are supported; on Windows use cargo install --path .)" ;;
esac
case "$arch" in
    x86_64|amd64) arch=x86_64 ;;
    aarch64|arm64) arch=aarch64 ;;
    *) die "unsupported architecture $arch (x86_64 and aarch64 are supported)" ;;
esac

if [ "$uninstall" -eq 1 ]; then
    if [ -e "$target" ]; then
        rm -f "$target"
        say "Removed $target."
    else
        say "Nothing to remove: $target does not exist."
    fi
    say "Your sign-in (OS keychain) and configuration stay; run \`digiusher-mcp logout\` before uninstalling to revoke the sign-in."
    exit 0
fi

say "Installing digiusher-mcp for $os $arch into $bindir"

if [ -n "$binary" ]; then
    [ -f "$binary" ] || die "--binary $binary: no such file"
    "$binary" --version >/dev/null 2>&1 || die "--binary $binary does not run here (wrong platform or not digiusher-mcp?)"
    source_binary="$binary"
else
    here=$(cd "$(dirname "$0")" && pwd)
    [ -f "$here/Cargo.toml" ] || die "not in a digiusher-mcp checkout; give a prebuilt binary with --binary PATH"
    command -v cargo >/dev/null 2>&1 || die "cargo not found: install Rust from https://rustup.rs (then open a new shell), or give a prebuilt binary with --binary PATH"
    say "Building a release binary with cargo (a few minutes the first time)…"
    cargo build --release --locked --manifest-path "$here/Cargo.toml" -p digiusher-mcp
    source_binary="$here/target/release/digiusher-mcp"
fi

mkdir -p "$bindir"
tmp="$bindir/.digiusher-mcp.install.$$"
trap 'rm -f "$tmp"' EXIT
cp "$source_binary" "$tmp"
chmod 0755 "$tmp"
mv -f "$tmp" "$target"
trap - EXIT
say "Installed $("$target" --version) at $target"

case ":${PATH:-}:" in
    *":$bindir:"*) ;;
    *)
        say ""
        say "Note: $bindir is not on your PATH. Add it:"
        case "${SHELL:-}" in
            */zsh) say "  echo 'export PATH=\"$bindir:\$PATH\"' >> ~/.zshrc" ;;
            */fish) say "  fish_add_path $bindir" ;;
            *) say "  echo 'export PATH=\"$bindir:\$PATH\"' >> ~/.bashrc" ;;
        esac
        say "then open a new terminal."
        ;;
esac

say ""
say "Next steps:"
say "  1. digiusher-mcp login                  # sign in once, in the browser"
say "  2. digiusher-mcp setup <claude-desktop|cursor|claude-code|vscode>"
