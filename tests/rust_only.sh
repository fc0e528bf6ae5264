#!/usr/bin/env bash
# The integration tests as the macOS and Windows CI jobs run them, here: with
# DIGIUSHER_TEST_RUST_ONLY set, no PATH (no node, Python or shell), no D-Bus session
# and DIGIUSHER_TEST_KEYCHAIN=required. A test that needs more than Rust but does not
# check `common::skip` first fails here, before it turns a macOS or Windows job red.
#
#   bash tests/rust_only.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bin="$(cargo test --locked --test integration --no-run --message-format=json 2>/dev/null |
  grep '"name":"integration"' | grep -o '"executable":"[^"]*"' | sed 's/^"executable":"//; s/"$//' | tail -n 1)"
[ -x "$bin" ] || { echo "tests/rust_only.sh: cannot find the integration test binary" >&2; exit 2; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
status=0
env -i HOME="$work" PATH=/nonexistent RUST_BACKTRACE=0 DIGIUSHER_TEST_KEYCHAIN=required \
  DIGIUSHER_TEST_RUST_ONLY="tests/rust_only.sh: as the macOS and Windows jobs run them" \
  DIGIUSHER_TEST_SKIP_LOG="$work/skipped.txt" \
  "$bin" --test-threads 2 -q || status=$?
echo "tests/rust_only.sh: $(wc -l <"$work/skipped.txt" 2>/dev/null || echo 0) tests skipped as needing more than Rust"
exit "$status"
