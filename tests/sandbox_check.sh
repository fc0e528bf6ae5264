#!/usr/bin/env bash
# Runs tests/sandbox on free ports and uses it as a newcomer would: login (with the
# scripted browser), status, and a tool call.   bash tests/sandbox_check.sh
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT" || exit 1
work="$(mktemp -d)"
# Build first, so the wait below measures the sandbox starting, not a compiler.
cargo build -q -p digiusher-sim -p digiusher-mcp || { echo "0 passed, 1 failed"; exit 1; }
log="$work/sandbox.log"
tests/sandbox --api-port 0 --idp-port 0 >"$log" 2>&1 &
sandbox=$!
trap 'kill "$sandbox" 2>/dev/null; wait "$sandbox" 2>/dev/null; rm -rf "$work"' EXIT

for _ in $(seq 1 600); do
  grep -q "sandbox is running" "$log" && break
  kill -0 "$sandbox" 2>/dev/null || { cat "$log"; echo "0 passed, 1 failed"; exit 1; }
  sleep 0.5
done
api="$(sed -n 's/^  API simulator   \(http[^ ]*\).*/\1/p' "$log")"

# shellcheck source=tests/checks.sh
. "$ROOT/tests/checks.sh"
export HOME="$work/home" DIGIUSHER_API_BASE_URL="$api" DIGIUSHER_TOKEN_STORE=file RUST_BACKTRACE=0
mkdir -p "$HOME"
bin="$ROOT/target/debug/digiusher-mcp"
check "the sandbox prints its API URL" test -n "$api"
check "login signs in as alice" bash -c "BROWSER='node $ROOT/tests/fixtures/oidc/complete-login.mjs' '$bin' login --timeout 60 2>'$work/login.err' | grep -q 'Signed in to DigiUsher as Alice Adams'"
check "status says signed in" "$bin" status
check "a tool call returns the sample organizations" bash -c "'$bin' call list_organizations | grep -q 'Beta Labs'"
check "an expense query works" bash -c "'$bin' call get_expenses '{\"organization_id\": \"a0000000-0000-4000-8000-000000000001\", \"start_date\": \"2025-05-01\", \"end_date\": \"2025-05-31\", \"group_by\": [\"service_name\"]}' | grep -q AmazonEC2"
finish
