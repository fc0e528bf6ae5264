#!/usr/bin/env bash
# CI test of install.sh, run in a fresh temporary HOME whose bin folder is not on PATH:
# the linter (shellcheck -s sh), --binary, mode and --version of the result, the PATH advice per shell,
# idempotence, --prefix, --uninstall, bad options and bad binaries, unsupported
# platforms (a fake uname), missing cargo. Building from source (minutes) only with
# INSTALL_TEST_BUILD=1.
#
#   bash tests/install_script.sh [path/to/digiusher-mcp]     (default target/debug/digiusher-mcp)
#
# Last line: "N passed, M failed"; exit status 0 only when nothing failed.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
INSTALL="$ROOT/install.sh"
binary="${1:-$ROOT/target/debug/digiusher-mcp}"
case "$binary" in /*) ;; *) binary="$PWD/$binary" ;; esac
if [ ! -x "$binary" ]; then
  echo "tests/install_script.sh: no binary at $binary; build it first (cargo build)" >&2
  echo "0 passed, 1 failed"
  exit 1
fi

ORIG_PATH="$PATH"
# rustup and cargo find their toolchains through the real HOME (for INSTALL_TEST_BUILD).
ORIG_RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}"
ORIG_CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
# shellcheck source=tests/checks.sh
. "$ROOT/tests/checks.sh"
# has FILE TEXT: the file contains the fixed string.
has() { grep -qF -- "$2" "$1"; }
hasnt() { ! grep -qF -- "$2" "$1"; }
# fails_saying TEXT: the last run failed and said TEXT on stderr.
fails_saying() { [ "$status" -ne 0 ] && has "$err" "$1"; }
# usage_error TEXT: the last run was refused as a bad command line (exit 2, usage).
usage_error() { [ "$status" -eq 2 ] && has "$err" "$1" && has "$err" "usage: ./install.sh"; }
runs_as_expected() { [ "$("$1" --version)" = "$want_version" ]; }
inode() { stat -c %i "$1" 2>/dev/null || stat -f %i "$1"; }
starts_with_bin_sh() { [ "$(head -n 1 "$1")" = "#!/bin/sh" ]; }
has_all() {
  local file="$1" text
  shift
  for text in "$@"; do has "$file" "$text" || return 1; done
}
has_prefix() { case "$1" in "$2"*) return 0 ;; *) return 1 ;; esac; }
only_binary_in() { [ "$(ls -A "$1")" = digiusher-mcp ]; }
mode_is_0755() { [ -n "$(find "$1" -maxdepth 0 -type f -perm 0755)" ]; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
out="$work/stdout"
err="$work/stderr"
status=0
# run [ENV=VALUE...] -- ARGS...: runs install.sh with sh (dash on Debian), as a user
# would, keeping stdout, stderr and the exit status.
run() {
  local envs=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do envs+=("$1"); shift; done
  shift
  env "${envs[@]}" sh "$INSTALL" "$@" >"$out" 2>"$err"
  status=$?
  if [ "${VERBOSE:-}" = 1 ]; then cat "$out" "$err"; fi
}
# explain: the last run's output, for a failure report.
last_run() { echo "exit $status; stdout: $(head -c 1500 "$out"); stderr: $(head -c 1500 "$err")"; }
expect() {
  local name="$1"
  shift
  if "$@"; then ok "$name"; else not_ok "$name" "check: $*" "$(last_run)"; fi
}

# A fresh HOME, and a PATH without its bin folder (and without cargo).
export HOME="$work/home"
mkdir -p "$HOME"
export PATH="/usr/local/bin:/usr/bin:/bin"
export SHELL=/bin/bash
unset XDG_CONFIG_HOME XDG_DATA_HOME CARGO_HOME CARGO_TARGET_DIR
bindir="$HOME/.local/bin"
installed="$bindir/digiusher-mcp"
want_version="$("$binary" --version)"

echo "# install.sh checks in HOME=$HOME with $binary ($want_version)"

# ---- static checks ------------------------------------------------------------------
if command -v shellcheck >/dev/null 2>&1; then
  check "shellcheck -s sh install.sh passes" shellcheck -s sh "$INSTALL"
else
  not_ok "shellcheck -s sh install.sh passes" "shellcheck is not installed (apt-get install -y shellcheck)"
fi
check "install.sh is executable" test -x "$INSTALL"
check "install.sh starts with #!/bin/sh" starts_with_bin_sh "$INSTALL"

run -- --help
expect "--help exits 0" test "$status" -eq 0
expect "--help prints the usage" has "$out" "usage: ./install.sh"
expect "--help names every option" has_all "$out" --prefix --binary --uninstall --help \
  --download --version --release-url --target

# ---- install a given binary ---------------------------------------------------------
run -- --binary "$binary"
expect "--binary installs (exit 0)" test "$status" -eq 0
expect "prints the detected OS and architecture" grep -Eq "detected (Linux|macOS \(Darwin\)) (x86_64|aarch64)" "$out"
expect "the binary is in ~/.local/bin" test -f "$installed"
expect "it has mode 0755" mode_is_0755 "$installed"
check "the installed binary answers --version" runs_as_expected "$installed"
expect "says what it installed where" has "$out" "Installed $want_version at $installed"
expect "warns that the folder is not on PATH" has "$out" "$bindir is not on your PATH"
expect "says how to add it for bash (~/.bashrc)" has "$out" "echo 'export PATH=\"\$HOME/.local/bin:\$PATH\"' >> ~/.bashrc"
expect "prints next step 1: login" grep -Eq "1\. .*digiusher-mcp login$" "$out"
# The hosts come from the binary (`setup --list`), never from a list in the script.
hosts="$("$binary" setup --list | tr '\n' '|')"
hosts="${hosts%|}"
expect "setup --list names the hosts, claude-desktop first" has_prefix "$hosts" "claude-desktop|cursor|"
expect "prints next step 2: setup <the binary's hosts>" has "$out" "digiusher-mcp setup <$hosts>"
check "install.sh names no host itself" hasnt "$INSTALL" "claude-desktop"
expect "prints nothing on stderr" test ! -s "$err"
expect "leaves no temporary file" only_binary_in "$bindir"

# ---- idempotence --------------------------------------------------------------------
inode_before="$(inode "$installed")"
run -- --binary "$binary"
expect "running it again succeeds" test "$status" -eq 0
expect "and says the binary is unchanged" has "$out" "Reinstalled (unchanged) $want_version"
check "the binary still runs" "$installed" --version
expect "it still has mode 0755" mode_is_0755 "$installed"
expect "it was replaced by a rename (new inode)" test "$(inode "$installed")" != "$inode_before"
expect "still no temporary file" only_binary_in "$bindir"

printf '#!/bin/sh\necho old\n' >"$installed"
chmod 0700 "$installed"
run -- --binary "$binary"
expect "replaces a different existing file (Updated)" has "$out" "Updated $want_version at $installed"
check "the replacement runs" runs_as_expected "$installed"
expect "and has mode 0755" mode_is_0755 "$installed"

# ---- PATH advice --------------------------------------------------------------------
run PATH="$bindir:$PATH" -- --binary "$binary"
expect "no PATH warning when the folder is on PATH" hasnt "$out" "not on your PATH"
expect "next steps then use the bare command" grep -Eq "^  1\. digiusher-mcp login$" "$out"
run PATH="$bindir/:$PATH" -- --binary "$binary"
expect "a trailing slash in PATH counts too" hasnt "$out" "not on your PATH"
run SHELL=/usr/bin/zsh -- --binary "$binary"
expect "zsh users are told about ~/.zshrc" has "$out" "echo 'export PATH=\"\$HOME/.local/bin:\$PATH\"' >> ~/.zshrc"
run SHELL=/usr/bin/fish -- --binary "$binary"
expect "fish users are told about fish_add_path" has "$out" "fish_add_path '$bindir'"
run SHELL=/bin/dash -- --binary "$binary"
expect "other shells get bash, zsh, fish and ~/.profile lines" \
  has_all "$out" ">> ~/.bashrc" ">> ~/.zshrc" "fish_add_path" ">> ~/.profile"

# ---- --prefix -----------------------------------------------------------------------
opt="$work/opt"
run -- --prefix "$opt" --binary "$binary"
expect "--prefix DIR succeeds" test "$status" -eq 0
expect "--prefix DIR installs DIR/bin/digiusher-mcp" test -x "$opt/bin/digiusher-mcp"
expect "--prefix result has mode 0755" mode_is_0755 "$opt/bin/digiusher-mcp"
check "--prefix result runs" "$opt/bin/digiusher-mcp" --version
expect "--prefix warns about DIR/bin with an absolute PATH line" has "$out" "echo 'export PATH=\"$opt/bin:\$PATH\"' >> ~/.bashrc"
spaced="$work/with space/x"
run -- "--prefix=$spaced" "--binary=$binary"
expect "--prefix=DIR with a space in it" test -x "$spaced/bin/digiusher-mcp"
(cd "$work" && env sh "$INSTALL" --prefix rel --binary "$binary" >"$out" 2>"$err")
status=$?
expect "a relative --prefix is made absolute" has "$out" "at $work/rel/bin/digiusher-mcp"
run -- "--prefix=~/tilde" --binary "$binary"
expect "--prefix=~/DIR means HOME/DIR" test -x "$HOME/tilde/bin/digiusher-mcp"
ro="$work/readonly"
mkdir -p "$ro/bin" && chmod 0555 "$ro/bin"
if [ "$(id -u)" -ne 0 ]; then
  run -- --prefix "$ro" --binary "$binary"
  expect "an unwritable folder is a clear error" fails_saying "cannot write to"
fi
chmod 0755 "$ro/bin"

# ---- bad input ----------------------------------------------------------------------
run -- --bogus
expect "an unknown option fails with exit 2" test "$status" -eq 2
expect "and names the option" has "$err" "unknown option: --bogus"
expect "and prints the usage on stderr" has "$err" "usage: ./install.sh"
run -- extra
expect "a stray argument fails with usage" usage_error "unexpected argument: extra"
run -- --prefix
expect "--prefix without a value fails with usage" usage_error "needs a value"
run -- --uninstall --binary "$binary"
expect "--uninstall with --binary is refused" test "$status" -eq 2

fresh="$work/fresh"
run -- --prefix "$fresh" --binary "$work/nope"
expect "a missing --binary fails" test "$status" -ne 0
expect "and says so" has "$err" "no such file"
expect "and creates nothing" test ! -e "$fresh"
printf 'echo SHOULD-NOT-RUN > "%s"\n' "$work/ran" >"$work/script.txt"
chmod 0755 "$work/script.txt"
run -- --prefix "$fresh" --binary "$work/script.txt"
expect "a text file is refused" fails_saying "not an executable program"
expect "and is never run" test ! -e "$work/ran"
run -- --prefix "$fresh" --binary "$(type -P true)"
expect "another program is refused (its --version is not digiusher-mcp)" \
  fails_saying "is not digiusher-mcp"
expect "and leaves no file behind" test -z "$(ls -A "$fresh/bin" 2>/dev/null)"
# The same program built for another architecture: e_machine (offset 18) says s390.
cp "$binary" "$work/broken" && chmod 0755 "$work/broken"
printf '\026\000' | dd of="$work/broken" bs=1 seek=18 conv=notrunc 2>/dev/null
run -- --prefix "$fresh" --binary "$work/broken"
expect "a binary for another architecture is refused" fails_saying "does not run on this machine"
run -- --binary "$work/broken"
check "and the installed binary is left as it was" runs_as_expected "$installed"

# ---- platforms (a fake uname first on PATH) -----------------------------------------
fake="$work/fakebin"
mkdir -p "$fake"
cat >"$fake/uname" <<'EOF'
#!/bin/sh
case "$1" in
  -s) echo "${FAKE_UNAME_S:-Linux}" ;;
  -m) echo "${FAKE_UNAME_M:-x86_64}" ;;
  *) echo "${FAKE_UNAME_S:-Linux}" ;;
esac
EOF
chmod 0755 "$fake/uname"
run PATH="$fake:$PATH" FAKE_UNAME_S=FreeBSD -- --binary "$binary"
expect "an unsupported OS is a clear error" fails_saying "unsupported operating system: FreeBSD"
run PATH="$fake:$PATH" FAKE_UNAME_S=MINGW64_NT-10.0 -- --binary "$binary"
expect "Windows shells are pointed to cargo install" fails_saying "cargo install --path . --locked"
run PATH="$fake:$PATH" FAKE_UNAME_M=riscv64 -- --binary "$binary"
expect "an unsupported architecture is a clear error" fails_saying "unsupported architecture: riscv64"
run PATH="$fake:$PATH" FAKE_UNAME_M=amd64 -- --binary "$binary"
expect "amd64 is x86_64" has "$out" "detected Linux x86_64"
run PATH="$fake:$PATH" FAKE_UNAME_M=arm64 -- --uninstall --prefix "$fresh"
expect "arm64 is aarch64" has "$out" "detected Linux aarch64"
run PATH="$fake:$PATH" FAKE_UNAME_S=Darwin FAKE_UNAME_M=arm64 -- --prefix "$fresh" --binary "$binary"
expect "on macOS a Linux (ELF) binary is refused" \
  fails_saying "ELF binary, which does not run on macOS"
expect "and names the detected platform" has "$out" "detected macOS (Darwin) aarch64"

# ---- building from source: the errors -----------------------------------------------
nocargo="$work/nocargo-path"
mkdir -p "$nocargo"
if PATH="$nocargo:/usr/bin:/bin" command -v cargo >/dev/null 2>&1; then
  echo "skip no-cargo check: cargo is in /usr/bin or /bin on this machine"
else
  run PATH="$nocargo:/usr/bin:/bin" -- --prefix "$fresh"
  expect "without cargo: a clear error" fails_saying "cargo (Rust) is not installed"
  expect "which says how to get it" has "$err" "https://rustup.rs"
  expect "and mentions --binary" has "$err" "--binary PATH"
fi
# A stand-in cargo (real builds below, with INSTALL_TEST_BUILD=1): records its arguments
# and either fails or reports the given binary as the artifact, as cargo's JSON does.
fakecargo="$work/fakecargo"
mkdir -p "$fakecargo"
cat >"$fakecargo/cargo" <<EOF
#!/bin/sh
printf '%s\n' "\$*" >"$work/cargo-args"
pwd >"$work/cargo-cwd"
if [ "\${FAKE_CARGO_FAIL:-}" = 1 ]; then echo "error: could not compile" >&2; exit 101; fi
echo "   Compiling digiusher-mcp v0.1.0" >&2
printf '{"reason":"compiler-artifact","target":{"name":"digiusher-mcp"},"executable":"%s","fresh":false}\n' "$binary"
printf '{"reason":"build-finished","success":true}\n'
EOF
chmod 0755 "$fakecargo/cargo"
run PATH="$fakecargo:/usr/bin:/bin" -- --prefix "$work/built"
expect "from a checkout it builds with cargo and installs the result" test -x "$work/built/bin/digiusher-mcp"
expect "running: cargo build --release --locked -p digiusher-mcp" \
  grep -q -- "^build --release --locked -p digiusher-mcp" "$work/cargo-args"
expect "in the checkout" test "$(cat "$work/cargo-cwd")" = "$ROOT"
run PATH="$fakecargo:/usr/bin:/bin" FAKE_CARGO_FAIL=1 -- --prefix "$work/failed"
expect "a failed cargo build is a clear error" fails_saying "cargo build failed"
expect "and installs nothing" test ! -e "$work/failed/bin/digiusher-mcp"

mkdir -p "$work/elsewhere"
cp "$INSTALL" "$work/elsewhere/install.sh"
# Outside a checkout it downloads instead (tests/release_check.sh covers that against a
# local release); here the release URL leads nowhere.
DIGIUSHER_MCP_RELEASE_URL=http://127.0.0.1:9/none sh "$work/elsewhere/install.sh" --prefix "$fresh" >"$out" 2>"$err"
status=$?
expect "outside a checkout, without --binary: it downloads the release" \
  has "$out" "Downloading digiusher-mcp-"
expect "an unreachable release URL is a clear error" \
  fails_saying "cannot download http://127.0.0.1:9/none/SHA256SUMS"
expect "and installs nothing" test ! -e "$fresh/bin/digiusher-mcp"

# ---- only https, or http on this machine -------------------------------------------
# A small release on 127.0.0.1: rel/ as released, crlf/ with a CRLF SHA256SUMS, and
# redir/X answering 302 to http://127.0.0.1:PORT/rel/X (plain http after a redirect).
mirror="$work/mirror"
dl_target="$(uname -m)-unknown-linux-musl"
mkdir -p "$mirror/pack/digiusher-mcp-$dl_target" "$mirror/rel" "$mirror/crlf"
cp "$binary" "$mirror/pack/digiusher-mcp-$dl_target/digiusher-mcp"
tar -czf "$mirror/rel/digiusher-mcp-$dl_target.tar.gz" -C "$mirror/pack" "digiusher-mcp-$dl_target"
(cd "$mirror/rel" && sha256sum "digiusher-mcp-$dl_target.tar.gz" >SHA256SUMS)
cp "$mirror/rel/digiusher-mcp-$dl_target.tar.gz" "$mirror/crlf/"
sed 's/$/\r/' "$mirror/rel/SHA256SUMS" >"$mirror/crlf/SHA256SUMS"
cat >"$work/mirror.py" <<'PY'
import functools, http.server, sys
class Handler(http.server.SimpleHTTPRequestHandler):
    def do_GET(self):
        if self.path.startswith("/redir/"):
            self.send_response(302)
            self.send_header("Location", "http://127.0.0.1:%d/rel/%s" % (self.server.server_port, self.path[7:]))
            self.end_headers()
            return
        super().do_GET()
    def log_message(self, *args):
        pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=sys.argv[1]))
print(server.server_port, flush=True)
server.serve_forever()
PY
python3 -u "$work/mirror.py" "$mirror" >"$work/mirror.port" 2>/dev/null &
mirror_pid=$!
for _ in $(seq 100); do [ -s "$work/mirror.port" ] && break; sleep 0.1; done
mirror_url="http://127.0.0.1:$(head -n 1 "$work/mirror.port")"
nocurl="$work/nocurl"
mkdir -p "$nocurl"
for tool in /usr/local/bin/* /usr/bin/* /bin/*; do
  case "$(basename "$tool")" in curl) continue ;; esac
  [ -e "$nocurl/$(basename "$tool")" ] || ln -s "$tool" "$nocurl/$(basename "$tool")"
done
refused_nothing_installed() { [ ! -e "$work/p-http/bin/digiusher-mcp" ] && hasnt "$out" "Verified"; }
for dl_path in "/usr/local/bin:/usr/bin:/bin" "$nocurl"; do
  with="curl"
  [ "$dl_path" = "$nocurl" ] && with="wget"
  for remote in http://mirror.example/rel http://127.0.0.1.mirror.example/rel http://user@127.0.0.1:9/rel ftp://127.0.0.1/rel; do
    run PATH="$dl_path" -- --release-url "$remote" --target "$dl_target" --prefix "$work/p-http"
    expect "($with) --release-url $remote is refused: only https or loopback" fails_saying "only https:// is trusted"
    expect "($with) and nothing is installed" refused_nothing_installed
  done
  run PATH="$dl_path" -- --release-url "$mirror_url/redir" --target "$dl_target" --prefix "$work/p-http"
  expect "($with) a loopback mirror redirecting to plain http is refused" fails_saying "redirects to a URL that is not https"
  expect "($with) and nothing is installed" refused_nothing_installed
  run PATH="$dl_path" -- --release-url "$mirror_url/rel" --target "$dl_target" --prefix "$work/p-$with"
  expect "($with) a loopback mirror over http installs" test -x "$work/p-$with/bin/digiusher-mcp"
  run PATH="$dl_path" -- --release-url "$mirror_url/crlf" --target "$dl_target" --prefix "$work/p-crlf-$with"
  expect "($with) a SHA256SUMS with CRLF line endings verifies" has "$out" "Verified digiusher-mcp-$dl_target.tar.gz"
  expect "($with) and installs" test -x "$work/p-crlf-$with/bin/digiusher-mcp"
done
kill "$mirror_pid" 2>/dev/null

# ---- uninstall ----------------------------------------------------------------------
run -- --uninstall
expect "--uninstall succeeds" test "$status" -eq 0
expect "--uninstall removes the binary" test ! -e "$installed"
expect "--uninstall says what it removed" has "$out" "Removed $installed."
expect "--uninstall says the sign-in stays in the keychain" has "$out" "OS keychain"
expect "--uninstall says to run logout first" has "$out" "digiusher-mcp logout"
expect "--uninstall mentions the settings folder" has "$out" "$HOME/.config/digiusher-mcp"
expect "--uninstall leaves the --prefix install alone" test -x "$opt/bin/digiusher-mcp"
run -- --uninstall
expect "a second --uninstall is harmless (exit 0)" test "$status" -eq 0
expect "and says there is nothing to remove" has "$out" "Nothing to remove"
run -- --uninstall --prefix "$opt"
expect "--uninstall --prefix DIR removes DIR/bin/digiusher-mcp" test ! -e "$opt/bin/digiusher-mcp"
expect "and keeps DIR/bin" test -d "$opt/bin"
run -- --binary "$binary"
expect "installing after uninstalling works" test -x "$installed"

# ---- building from source (slow: only with INSTALL_TEST_BUILD=1) ----------------------
if [ "${INSTALL_TEST_BUILD:-}" = "1" ]; then
  echo "# building from source with cargo (INSTALL_TEST_BUILD=1; minutes)"
  run PATH="$ORIG_PATH" RUSTUP_HOME="$ORIG_RUSTUP_HOME" CARGO_HOME="$ORIG_CARGO_HOME" -- --prefix "$work/src"
  expect "builds from source and installs" test "$status" -eq 0
  expect "it said it was building with cargo" has "$out" "Building digiusher-mcp from $ROOT with cargo"
  check "the built binary runs" "$work/src/bin/digiusher-mcp" --version
  expect "it has mode 0755" mode_is_0755 "$work/src/bin/digiusher-mcp"
  run PATH="$ORIG_PATH" RUSTUP_HOME="$ORIG_RUSTUP_HOME" CARGO_HOME="$ORIG_CARGO_HOME" -- --prefix "$work/src"
  expect "building again is idempotent" has "$out" "Reinstalled (unchanged)"
else
  echo "# build from source not exercised (set INSTALL_TEST_BUILD=1 to run it; takes minutes)"
fi

finish
