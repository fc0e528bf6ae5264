#!/bin/sh
# install.sh: install digiusher-mcp, the DigiUsher MCP server, for the current user.
#
#   curl -fsSL https://github.com/digiusher/digiusher-mcp/releases/latest/download/install.sh | sh
#                                   download the latest release, verify it, install it
#   ./install.sh                    from a checkout: build with cargo, install into ~/.local/bin
#   ./install.sh --download         from a checkout too: download the release instead
#   ./install.sh --binary PATH      install a prebuilt binary instead
#   ./install.sh --prefix DIR       install into DIR/bin
#   ./install.sh --uninstall        remove the installed binary
#
# Downloads are checked against the release's SHA256SUMS before anything is unpacked.
# POSIX sh (checked with `shellcheck -s sh`). Safe to run again: the binary is copied to
# a temporary file next to its destination and renamed over it, so a running MCP host
# never sees a half-written file.
set -eu

NAME=digiusher-mcp
PROG=install.sh
# Where releases are downloaded from; --version vX.Y.Z swaps "latest/download" for
# "download/vX.Y.Z", as GitHub lays out release assets.
LATEST_RELEASE_URL=https://github.com/digiusher/digiusher-mcp/releases/latest/download

usage() {
    cat <<EOF
usage: ./install.sh [--prefix DIR] [--download] [--version vX.Y.Z] [--release-url URL] [--target TRIPLE]
       ./install.sh [--prefix DIR] --binary PATH
       ./install.sh --uninstall [--prefix DIR]
       curl -fsSL $LATEST_RELEASE_URL/install.sh | sh -s -- [OPTIONS]

Installs $NAME, the DigiUsher MCP server, into ~/.local/bin (or DIR/bin).
Run from a checkout, it builds a release binary with cargo (Rust 1.89+); run on its
own (curl ... | sh) or with --download, it downloads a prebuilt release and checks it
against the release's SHA256SUMS before unpacking anything.

  --prefix DIR        install into DIR/bin instead of ~/.local/bin
  --download          download the prebuilt release even from a checkout
  --version vX.Y.Z    download that release instead of the latest
  --release-url URL   download from URL, the folder holding the release files (for
                      mirrors; also DIGIUSHER_MCP_RELEASE_URL); https:// only, or
                      plain http:// on this machine (127.0.0.1, localhost)
  --target TRIPLE     download the build for this Rust target triple instead of this
                      machine's (Linux: *-unknown-linux-musl, static; macOS: *-apple-darwin)
  --binary PATH       install this prebuilt $NAME instead of building or downloading
  --uninstall         remove the installed binary (your sign-in and settings stay)
  -h, --help          show this help

Then: $NAME login, and $NAME setup <host> ($NAME setup --help lists the hosts).
EOF
}

say() { printf '%s\n' "$*"; }
die() {
    printf '%s: error: %s\n' "$PROG" "$*" >&2
    exit 1
}
bad_usage() {
    printf '%s: %s\n\n' "$PROG" "$*" >&2
    usage >&2
    exit 2
}

# ---- command line -------------------------------------------------------------------
[ -n "${HOME:-}" ] || die "HOME is not set"
prefix="$HOME/.local"
binary=""
uninstall=0
download=0
release_version=""
release_url=""
want_target=""
# set_option NAME VALUE: the value of an option that takes one.
set_option() {
    [ -n "$2" ] || bad_usage "option $1 needs a non-empty value"
    case "$1" in
        --prefix) prefix="$2" ;;
        --binary) binary="$2" ;;
        --version) release_version="$2"; download=1 ;;
        --release-url) release_url="$2"; download=1 ;;
        --target) want_target="$2"; download=1 ;;
    esac
}
while [ $# -gt 0 ]; do
    case "$1" in
        --prefix | --binary | --version | --release-url | --target)
            [ $# -ge 2 ] || bad_usage "option $1 needs a value"
            set_option "$1" "$2"
            shift 2
            ;;
        --prefix=* | --binary=* | --version=* | --release-url=* | --target=*)
            set_option "${1%%=*}" "${1#*=}"
            shift
            ;;
        --download) download=1; shift ;;
        --uninstall) uninstall=1; shift ;;
        -h | --help) usage; exit 0 ;;
        -*) bad_usage "unknown option: $1" ;;
        *) bad_usage "unexpected argument: $1" ;;
    esac
done
if [ "$uninstall" -eq 1 ] && [ -n "$binary" ]; then
    bad_usage "--uninstall and --binary do not go together"
fi
if [ "$download" -eq 1 ] && [ -n "$binary" ]; then
    bad_usage "--binary installs a file you have; it does not go with --download, --version, --release-url or --target"
fi
if [ "$uninstall" -eq 1 ] && [ "$download" -eq 1 ]; then
    bad_usage "--uninstall does not go with --download, --version, --release-url or --target"
fi
if [ -n "$release_version" ] && [ -n "$release_url" ]; then
    bad_usage "--version and --release-url do not go together (a release URL names its version)"
fi
case "$release_version" in
    "" | v[0-9]*.[0-9]*.[0-9]*) ;;
    [0-9]*.[0-9]*.[0-9]*) release_version="v$release_version" ;;
    *) bad_usage "--version $release_version: give a release version like v1.2.3" ;;
esac
case "$release_version$want_target" in
    *[!A-Za-z0-9_.+-]*) bad_usage "--version and --target take letters, digits and . _ + - only" ;;
esac

# "~" is not expanded in --prefix=~/x; relative prefixes are made absolute so that the
# PATH advice below is exact.
case "$prefix" in
    \~) prefix="$HOME" ;;
    \~/*) prefix="$HOME/${prefix#??}" ;;
esac
case "$prefix" in
    /*) ;;
    *) prefix="$(pwd)/$prefix" ;;
esac
while [ "${prefix%/}" != "$prefix" ] && [ "$prefix" != / ]; do prefix="${prefix%/}"; done
if [ "$prefix" = / ]; then bindir=/bin; else bindir="$prefix/bin"; fi
target="$bindir/$NAME"

# ---- platform -----------------------------------------------------------------------
os="$(uname -s)"
arch="$(uname -m)"
case "$os" in
    Linux) os_name=Linux ;;
    Darwin) os_name="macOS (Darwin)" ;;
    MINGW* | MSYS* | CYGWIN* | Windows*)
        die "this script supports Linux and macOS, not Windows ($os). On Windows, download $NAME-x86_64-pc-windows-msvc.zip from ${LATEST_RELEASE_URL%/latest/download}/latest, use the npm package (npx -y @digiusher/mcp), or build it with Rust (https://rustup.rs): cargo install --path . --locked" ;;
    *) die "unsupported operating system: $os (this script supports Linux and macOS; elsewhere try: cargo install --path . --locked)" ;;
esac
case "$arch" in
    x86_64 | amd64) arch=x86_64 ;;
    aarch64 | arm64) arch=aarch64 ;;
    *) die "unsupported architecture: $arch on $os (supported: x86_64/amd64 and aarch64/arm64)" ;;
esac
say "$PROG: detected $os_name $arch"

# Where digiusher-mcp keeps its settings and (without a keychain) its sign-in; these
# are the `directories` crate's locations for com.DigiUsher.digiusher-mcp.
if [ "$os" = Darwin ]; then
    config_dir="$HOME/Library/Application Support/com.DigiUsher.digiusher-mcp"
    data_dir="$config_dir"
else
    config_dir="${XDG_CONFIG_HOME:-$HOME/.config}/digiusher-mcp"
    data_dir="${XDG_DATA_HOME:-$HOME/.local/share}/digiusher-mcp"
fi

# ---- uninstall ----------------------------------------------------------------------
if [ "$uninstall" -eq 1 ]; then
    if [ -d "$target" ] && [ ! -L "$target" ]; then
        die "$target is a directory, not the $NAME binary; not touching it"
    elif [ -e "$target" ] || [ -L "$target" ]; then
        rm -f "$target" || die "cannot remove $target (permission denied?)"
        say "Removed $target."
    else
        say "Nothing to remove: $target does not exist."
    fi
    say ""
    say "Left in place:"
    say "  - your sign-in, in the OS keychain (or $data_dir/credentials.json without one);"
    say "    to revoke it, run \`$NAME logout\` before uninstalling (reinstall, log out, uninstall);"
    if [ "$config_dir" = "$data_dir" ]; then
        say "  - settings and sign-in state in $config_dir;"
    else
        say "  - settings in $config_dir and sign-in state in $data_dir;"
    fi
    say "  - entries that \`$NAME setup\` added to your MCP hosts: remove \"digiusher\" there."
    other="$(command -v "$NAME" 2>/dev/null || true)"
    if [ -n "$other" ] && [ "$other" != "$target" ]; then
        say ""
        say "Note: another $NAME is still on your PATH: $other"
    fi
    exit 0
fi

# ---- helpers for downloads ----------------------------------------------------------
# A release and its SHA256SUMS come over the same channel, so the checksum proves
# something only over https. Plain http is for a mirror on this machine alone, and
# a redirect may lead only to https.

# is_loopback_http URL: an http:// URL whose host is 127.x.x.x, localhost or [::1].
is_loopback_http() {
    case "$1" in http://*) ;; *) return 1 ;; esac
    authority="${1#http://}"
    authority="${authority%%[/?#]*}"
    case "$authority" in *@*) return 1 ;; esac
    case "$authority" in
        \[::1\] | \[::1\]:*) return 0 ;;
        \[*) return 1 ;;
    esac
    host="${authority%:*}"
    case "$host" in
        localhost) return 0 ;;
        127.*.*.*) case "$host" in *[!0-9.]*) return 1 ;; *) return 0 ;; esac ;;
    esac
    return 1
}
# check_release_url URL: refuse, before any download, what is not https or loopback.
check_release_url() {
    case "$1" in
        https://*) return 0 ;;
    esac
    is_loopback_http "$1" && return 0
    die "refusing to download from $1: only https:// is trusted (plain http only for a mirror on this machine: 127.0.0.1, localhost or [::1]). Over plain http a release and its SHA256SUMS can both be changed on the way, so the checksum would prove nothing. Nothing was installed."
}
# fetch URL FILE: download with curl or wget; fails on HTTP errors; status 3 when a
# redirect led to something other than https.
fetch() {
    if command -v curl >/dev/null 2>&1; then
        proto="=https"
        if is_loopback_http "$1"; then proto="=http,https"; fi
        rc=0
        curl -fsSL --retry 2 --proto "$proto" --proto-redir =https -o "$2" "$1" || rc=$?
        # 1: curl refused the protocol, which only a redirect can bring here.
        if [ "$rc" -eq 1 ]; then return 3; fi
        return "$rc"
    elif command -v wget >/dev/null 2>&1; then
        wget_fetch "$1" "$2"
    else
        die "neither curl nor wget is installed; install one of them and run $PROG again"
    fi
}
# wget_fetch URL FILE: wget follows any redirect, so follow them here, https only.
wget_fetch() {
    url="$1"
    hops=0
    while :; do
        headers="$(wget -q -S --max-redirect=0 -O "$2" "$url" 2>&1)" && return 0
        location="$(printf '%s\n' "$headers" | sed -n 's/^ *[Ll]ocation: *//p' | tail -n 1 | tr -d '\r')"
        [ -n "$location" ] || return 1
        case "$location" in
            https://*) ;;
            /*)
                case "$url" in
                    https://*) location="$(printf '%s' "$url" | sed 's|^\(https://[^/]*\).*|\1|')$location" ;;
                    *) return 3 ;;
                esac
                ;;
            *) return 3 ;;
        esac
        hops=$((hops + 1))
        [ "$hops" -le 10 ] || return 1
        url="$location"
    done
}
# fetch_or_die URL FILE ADVICE: fetch, or say why not and stop.
fetch_or_die() {
    rc=0
    fetch "$1" "$2" || rc=$?
    if [ "$rc" -eq 3 ]; then
        die "refusing $1: it redirects to a URL that is not https, where the download could be changed on the way. Nothing was installed."
    elif [ "$rc" -ne 0 ]; then
        die "cannot download $1. $3 Nothing was installed."
    fi
}
# sha256 FILE: the file's SHA-256 in lowercase hex, with whichever tool this system has.
sha256() {
    if command -v sha256sum >/dev/null 2>&1; then
        sha256sum "$1" | cut -d' ' -f1
    elif command -v shasum >/dev/null 2>&1; then
        shasum -a 256 "$1" | cut -d' ' -f1
    elif command -v openssl >/dev/null 2>&1; then
        openssl dgst -sha256 "$1" | sed 's/.*= *//'
    else
        return 1
    fi
}

# The script runs from a checkout when it is a file next to the project's Cargo.toml;
# piped into sh ($0 is then the shell's name), it is not.
here=""
case "$(basename -- "$0")" in
    sh | dash | bash | ksh | zsh | ash | busybox | -*) ;;
    *)
        if [ -f "$0" ]; then
            here="$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)"
            if [ ! -f "$here/Cargo.toml" ] || ! grep -q "^name = \"$NAME\"" "$here/Cargo.toml"; then
                here=""
            fi
        fi
        ;;
esac
if [ -z "$binary" ] && [ -z "$here" ]; then
    download=1
fi

dl_dir=""
tmp=""
cleanup() {
    if [ -n "$tmp" ]; then rm -f "$tmp"; fi
    if [ -n "$dl_dir" ]; then rm -rf "$dl_dir"; fi
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM
trap 'cleanup; exit 129' HUP

# ---- get the binary -----------------------------------------------------------------
if [ "$download" -eq 1 ]; then
    if [ -z "$want_target" ]; then
        # Linux releases are static (musl), so one archive runs on every distribution.
        if [ "$os" = Darwin ]; then want_target="$arch-apple-darwin"; else want_target="$arch-unknown-linux-musl"; fi
    fi
    if [ -z "$release_url" ]; then release_url="${DIGIUSHER_MCP_RELEASE_URL:-}"; fi
    if [ -z "$release_url" ]; then
        if [ -n "$release_version" ]; then
            release_url="${LATEST_RELEASE_URL%/latest/download}/download/$release_version"
        else
            release_url="$LATEST_RELEASE_URL"
        fi
    fi
    while [ "${release_url%/}" != "$release_url" ]; do release_url="${release_url%/}"; done
    check_release_url "$release_url"
    archive="$NAME-$want_target.tar.gz"
    dl_dir="$(mktemp -d "${TMPDIR:-/tmp}/$NAME-download.XXXXXX")" || die "cannot create a temporary folder"
    say "Downloading $archive from $release_url"
    fetch_or_die "$release_url/SHA256SUMS" "$dl_dir/SHA256SUMS" \
        "Check your network (and the --version or --release-url, if given)."
    fetch_or_die "$release_url/$archive" "$dl_dir/$archive" \
        "Is there a release build for $want_target (see --target)?"
    # CRLF line endings (a SHA256SUMS edited or served from Windows) read the same.
    expected="$(tr -d '\r' <"$dl_dir/SHA256SUMS" | awk -v f="$archive" '$2 == f || $2 == "*" f { print tolower($1); exit }')"
    [ -n "$expected" ] ||
        die "SHA256SUMS of this release has no entry for $archive, so the download cannot be verified; refusing to install it. Nothing was installed."
    actual="$(sha256 "$dl_dir/$archive")" ||
        die "cannot verify the download: no sha256sum, shasum or openssl on this system. Nothing was installed."
    if [ "$actual" != "$expected" ]; then
        die "checksum mismatch for $archive: SHA256SUMS says $expected, the download is $actual. It is damaged or was tampered with; refusing to install it. Nothing was installed. Try again later, or report it."
    fi
    say "Verified $archive (SHA-256 $actual)"
    mkdir "$dl_dir/unpacked"
    (cd "$dl_dir/unpacked" && gzip -dc "../$archive" | tar -xf -) ||
        die "cannot unpack $archive. Nothing was installed."
    for candidate in "$dl_dir/unpacked/$NAME-$want_target/$NAME" "$dl_dir/unpacked/$NAME"; do
        if [ -f "$candidate" ]; then source_binary="$candidate"; break; fi
    done
    [ -n "${source_binary:-}" ] || die "$archive holds no $NAME binary. Nothing was installed."
    say "Installing it into $bindir"
elif [ -n "$binary" ]; then
    case "$binary" in
        */*) ;;
        *) binary="./$binary" ;; # a bare name means the file here, not one on PATH
    esac
    [ -e "$binary" ] || die "--binary $binary: no such file"
    [ -f "$binary" ] || die "--binary $binary: not a regular file"
    [ -r "$binary" ] || die "--binary $binary: cannot read it (permission denied)"
    source_binary="$binary"
    say "Installing the given binary $binary into $bindir"
else
    cargo=""
    if command -v cargo >/dev/null 2>&1; then
        cargo=cargo
    elif [ -x "${CARGO_HOME:-$HOME/.cargo}/bin/cargo" ]; then
        # rustup installed it, but this shell has not picked up ~/.cargo/bin yet.
        cargo="${CARGO_HOME:-$HOME/.cargo}/bin/cargo"
        say "Using $cargo (not on PATH)."
    else
        die "cargo (Rust) is not installed. Install Rust 1.89 or newer from https://rustup.rs:
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh
then open a new terminal and run $PROG again. Or install a prebuilt binary: $PROG --binary PATH"
    fi
    say "Building $NAME from $here with cargo (release; a few minutes the first time)..."
    dl_dir="$(mktemp -d "${TMPDIR:-/tmp}/$NAME-build.XXXXXX")" || die "cannot create a temporary folder"
    messages="$dl_dir/cargo-messages"
    # JSON messages on stdout tell where cargo put the executable, whatever the target
    # directory; progress and errors still go to the terminal.
    if ! (cd "$here" && "$cargo" build --release --locked -p "$NAME" --message-format=json-render-diagnostics >"$messages"); then
        die "cargo build failed (see the errors above). If they say this Rust is too old ($NAME needs 1.89 or newer), run \`rustup update\` and try again. Or install a prebuilt binary with --binary PATH."
    fi
    source_binary="$(sed -n "s|.*\"executable\":\"\\([^\"]*/$NAME\\)\".*|\\1|p" "$messages" | tail -n 1)"
    [ -n "$source_binary" ] || source_binary="${CARGO_TARGET_DIR:-$here/target}/release/$NAME"
    [ -f "$source_binary" ] || die "cargo finished but $source_binary is missing"
    say "Built $source_binary"
    say "Installing it into $bindir"
fi

# Only a native executable is run below: a shell would run a text file as a script.
magic="$(od -An -tx1 -N4 "$source_binary" 2>/dev/null | tr -d ' \n')"
case "$magic" in
    7f454c46) format=ELF ;;                                            # Linux
    cffaedfe | cefaedfe | feedfacf | feedface | cafebabe) format=Mach-O ;; # macOS
    *) die "$source_binary is not an executable program (neither ELF nor Mach-O); give the $NAME binary" ;;
esac
case "$os:$format" in
    Linux:ELF | Darwin:Mach-O) ;;
    *) die "$source_binary is a $format binary, which does not run on $os_name; give the $NAME build for $os_name $arch" ;;
esac

# ---- install ------------------------------------------------------------------------
if [ -d "$target" ] && [ ! -L "$target" ]; then
    die "$target is a directory; move it away first"
fi
mkdir -p "$bindir" 2>/dev/null || die "cannot create $bindir (permission denied?). Choose a folder you can write to with --prefix DIR."
[ -w "$bindir" ] || die "cannot write to $bindir (permission denied). Choose a folder you can write to with --prefix DIR."

tmp="$bindir/.$NAME.install.$$"

cp "$source_binary" "$tmp" || die "cannot copy $source_binary to $bindir"
chmod 0755 "$tmp"
# Check the copy runs here before it replaces anything.
if ! version="$("$tmp" --version 2>/dev/null)"; then
    hint=""
    if [ "$os" = Darwin ]; then
        hint=" If macOS blocked it as downloaded from the internet, run: xattr -d com.apple.quarantine '$source_binary'"
    fi
    die "$source_binary does not run on this machine ($os_name $arch): \`$source_binary --version\` failed. Is it the $NAME build for this platform?$hint"
fi
case "$version" in
    "$NAME "*) ;;
    *) die "$source_binary is not $NAME (its --version printed: $(printf '%s' "$version" | head -n 1))" ;;
esac

if [ -f "$target" ] && cmp -s "$tmp" "$target"; then
    state="Reinstalled (unchanged)"
elif [ -e "$target" ] || [ -L "$target" ]; then
    state="Updated"
else
    state="Installed"
fi
mv -f "$tmp" "$target" || die "cannot move the new binary into place at $target"
tmp=""
cleanup
trap - EXIT INT TERM HUP
say "$state $version at $target"

# ---- PATH ---------------------------------------------------------------------------
on_path=0
case ":${PATH:-}:" in
    *":$bindir:"* | *":$bindir/:"*) on_path=1 ;;
esac
cmd="$NAME"
if [ "$on_path" -eq 0 ]; then
    cmd="$target"
    # The line for the shell's startup file: $HOME stays a variable when it can.
    case "$bindir" in
        "$HOME"/*) path_expr="\$HOME/${bindir#"$HOME"/}" ;;
        *) path_expr="$bindir" ;;
    esac
    shell_name="$(basename -- "${SHELL:-sh}")"
    say ""
    say "Warning: $bindir is not on your PATH, so \`$NAME\` alone will not be found."
    case "$bindir" in
        *[\'\"\\\$\`]*)
            say "Add that folder to PATH in your shell's startup file, then open a new terminal."
            ;;
        *)
            case "$shell_name" in
                zsh)
                    say "Add it for zsh, then open a new terminal:"
                    say "  echo 'export PATH=\"$path_expr:\$PATH\"' >> ~/.zshrc"
                    ;;
                fish)
                    say "Add it for fish (once; it persists), then open a new terminal:"
                    say "  fish_add_path '$bindir'"
                    ;;
                bash)
                    rc=.bashrc
                    [ "$os" = Darwin ] && rc=.bash_profile # macOS terminals start login shells
                    say "Add it for bash, then open a new terminal:"
                    say "  echo 'export PATH=\"$path_expr:\$PATH\"' >> ~/$rc"
                    ;;
                *)
                    say "Add it in your shell's startup file, then open a new terminal:"
                    say "  bash:  echo 'export PATH=\"$path_expr:\$PATH\"' >> ~/.bashrc"
                    say "  zsh:   echo 'export PATH=\"$path_expr:\$PATH\"' >> ~/.zshrc"
                    say "  fish:  fish_add_path '$bindir'"
                    say "  sh:    echo 'export PATH=\"$path_expr:\$PATH\"' >> ~/.profile"
                    ;;
            esac
            ;;
    esac
else
    found="$(command -v "$NAME" 2>/dev/null || true)"
    if [ -n "$found" ] && [ "$found" != "$target" ]; then
        say ""
        say "Warning: another $NAME comes first on your PATH: $found"
        say "Remove it, or put $bindir before its folder in PATH."
    fi
fi

# The hosts it can set up, from the binary itself (one name a line); a release
# from before `setup --list` leaves the placeholder.
hosts="$("$target" setup --list 2>/dev/null | tr '\n' '|')" || hosts=""
hosts="${hosts%|}"
[ -n "$hosts" ] || hosts=host

say ""
say "Next steps:"
say "  1. $cmd login"
say "     sign in to DigiUsher once, in the browser"
say "  2. $cmd setup <$hosts>"
say "     add it to your MCP host, then restart the host"
