#!/usr/bin/env bash
# Tests install.sh in a fresh HOME: shellcheck, --binary, idempotence, --prefix,
# the PATH warning, --uninstall and bad options. Building from source is tested
# only with INSTALL_TEST_BUILD=1 (it takes minutes).
#   bash tests/install_script.sh [path/to/digiusher-mcp]
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
binary="${1:-$ROOT/target/debug/digiusher-mcp}"
[ -x "$binary" ] || { echo "tests/install_script.sh: build first: no $binary" >&2; exit 2; }

passed=0
failed=0
check() {
  local name="$1"
  shift
  if "$@"; then
    passed=$((passed + 1))
    echo "ok   $name"
  else
    failed=$((failed + 1))
    echo "FAIL $name"
  fi
}

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export HOME="$work/home"
mkdir -p "$HOME"
export PATH="/usr/local/bin:/usr/bin:/bin"
out="$work/out.txt"

run() { sh "$ROOT/install.sh" "$@" >"$out" 2>&1; }

check "shellcheck -s sh passes" shellcheck -s sh "$ROOT/install.sh"
check "installs a given binary" run --binary "$binary"
check "the binary is executable and runs" test -x "$HOME/.local/bin/digiusher-mcp"
check "the installed binary answers --version" "$HOME/.local/bin/digiusher-mcp" --version
check "warns that the folder is not on PATH" grep -q "is not on your PATH" "$out"
check "prints the next steps" grep -q "digiusher-mcp setup <claude-desktop|cursor|claude-code|vscode>" "$out"
check "names the platform" grep -Eq "for (Linux|Darwin) (x86_64|aarch64)" "$out"
check "running again works (idempotent)" run --binary "$binary"
check "no temporary files are left" bash -c '[ -z "$(ls -A "$HOME/.local/bin" | grep -v "^digiusher-mcp$")" ]'
PATH="$HOME/.local/bin:$PATH" run --binary "$binary"
check "no PATH warning when the folder is on PATH" bash -c "! grep -q 'is not on your PATH' '$out'"
check "--prefix installs into DIR/bin" run --prefix "$work/opt" --binary "$binary"
check "--prefix result exists" test -x "$work/opt/bin/digiusher-mcp"
check "--uninstall succeeds" run --uninstall
check "--uninstall removes the binary" test ! -e "$HOME/.local/bin/digiusher-mcp"
check "--uninstall mentions logout" grep -q "digiusher-mcp logout" "$out"
check "a second --uninstall is harmless" run --uninstall
check "a bad option is refused" bash -c "! sh '$ROOT/install.sh' --bogus >'$out' 2>&1"
check "a bad option prints usage" grep -q "usage: ./install.sh" "$out"
check "a missing --binary is refused" bash -c "! sh '$ROOT/install.sh' --binary '$work/nope' >'$out' 2>&1"
if [ "${INSTALL_TEST_BUILD:-}" = "1" ]; then
  check "builds from source and installs" run --prefix "$work/src"
  check "the built binary runs" "$work/src/bin/digiusher-mcp" --version
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
