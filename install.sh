#!/bin/sh
# Build digiusher-mcp from this checkout and install it into ~/.local/bin (or --prefix DIR).
set -eu

prefix="${HOME}/.local"
while [ $# -gt 0 ]; do
    case "$1" in
        --prefix) prefix="$2"; shift 2 ;;
        --prefix=*) prefix="${1#--prefix=}"; shift ;;
        -h|--help)
            echo "usage: ./install.sh [--prefix DIR]   (installs DIR/bin/digiusher-mcp; default ~/.local)"
            exit 0 ;;
        *) echo "install.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done

here=$(cd "$(dirname "$0")" && pwd)
if [ ! -f "$here/Cargo.toml" ]; then
    echo "install.sh: run it from a digiusher-mcp checkout" >&2
    exit 1
fi
if ! command -v cargo >/dev/null 2>&1; then
    echo "install.sh: cargo not found; install Rust from https://rustup.rs and run this again" >&2
    exit 1
fi

echo "Building digiusher-mcp (release)…"
cargo build --release --locked --manifest-path "$here/Cargo.toml" -p digiusher-mcp
mkdir -p "$prefix/bin"
install -m 0755 "$here/target/release/digiusher-mcp" "$prefix/bin/digiusher-mcp"
echo "Installed $prefix/bin/digiusher-mcp"

case ":${PATH}:" in
    *":$prefix/bin:"*) ;;
    *) echo "Note: $prefix/bin is not on your PATH; add  export PATH=\"$prefix/bin:\$PATH\"  to your shell profile." ;;
esac
echo "Next: set DIGIUSHER_TOKEN (or run \`digiusher-mcp login\` once available) and add the server to your MCP host (see README.md)."
