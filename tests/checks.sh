# shellcheck shell=bash
# Shared by the shell checks (install_script.sh, bundle_check.sh, sandbox_check.sh):
# one line per check, counters, and the closing "N passed, M failed" line.
# Source it; it defines functions and two counters only.

passed=0
failed=0

ok() {
  passed=$((passed + 1))
  echo "ok   $1"
}

# not_ok NAME [LINE...]: a failed check, with lines that say why.
not_ok() {
  failed=$((failed + 1))
  echo "FAIL $1"
  shift
  local line
  for line in "$@"; do echo "     $line"; done
}

# check NAME COMMAND...: passes when the command succeeds; the tail of its output is
# shown on failure.
check() {
  local name="$1"
  shift
  local output
  if output="$("$@" 2>&1)"; then ok "$name"; else not_ok "$name" "command: $*" "$(printf '%s' "$output" | tail -n 15)"; fi
}

# finish: the summary line; the exit status is 0 only when nothing failed.
finish() {
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}
