//! `update`: releases laid out by release/package.sh (this build, and a newer
//! version of it) are served from 127.0.0.1; an installed copy in a temporary
//! HOME updates itself from them, and refuses a tampered archive, a release
//! without its checksum, and a copy that npm manages, each leaving the old binary
//! as it was.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use crate::common::{BIN, Need, TempDir};

/// The releases, the server that serves them, and the version of the newer one.
struct Releases {
    root: PathBuf,
    url: String,
    /// This build, stripped (debug symbols would make every copy slow).
    current: PathBuf,
    next_version: String,
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The archive this machine's `update` asks for, by the installer's rule.
fn target() -> String {
    let arch = std::env::consts::ARCH;
    match std::env::consts::OS {
        "macos" => format!("{arch}-apple-darwin"),
        _ => format!("{arch}-unknown-linux-musl"),
    }
}

fn archive() -> String {
    format!("digiusher-mcp-{}.tar.gz", target())
}

/// A version of the same length as this one, but newer: the last digit raised.
fn next_version(current: &str) -> String {
    let mut bytes = current.as_bytes().to_vec();
    let last = bytes.last_mut().unwrap();
    assert!(
        last.is_ascii_digit() && *last < b'9',
        "pick another way to make a newer version of {current}"
    );
    *last += 1;
    String::from_utf8(bytes).unwrap()
}

fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().expect("runs");
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A copy of what release/package.sh reads (so that packaging writes nothing in
/// the checkout), with `version` in its Cargo.toml.
fn packaging_tree(dir: &Path, version: &str) {
    let src = root();
    for d in ["release", "npm/mcp/bin", "bundle"] {
        std::fs::create_dir_all(dir.join(d)).unwrap();
    }
    for f in [
        "README.md",
        "LICENSE",
        "release/package.sh",
        "npm/stage.mjs",
        "npm/mcp/package.json",
        "npm/mcp/bin/digiusher-mcp.js",
        "bundle/build.sh",
        "bundle/manifest.json",
        "bundle/manifest.mjs",
        "bundle/package.json",
        "bundle/package-lock.json",
    ] {
        std::fs::copy(src.join(f), dir.join(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
    }
    #[cfg(unix)]
    std::os::unix::fs::symlink(
        src.join("bundle/node_modules"),
        dir.join("bundle/node_modules"),
    )
    .unwrap();
    let toml = std::fs::read_to_string(src.join("Cargo.toml")).unwrap();
    let current = format!("version = \"{}\"", env!("CARGO_PKG_VERSION"));
    let toml = toml.replacen(&current, &format!("version = \"{version}\""), 1);
    std::fs::write(dir.join("Cargo.toml"), toml).unwrap();
}

/// release/package.sh for `binary` into `out`.
fn package(tree: &Path, binary: &Path, out: &Path) {
    run(Command::new(tree.join("release/package.sh"))
        .args(["--target", &target(), "--out"])
        .arg(out)
        .arg(binary));
}

fn releases() -> &'static Releases {
    static RELEASES: OnceLock<Releases> = OnceLock::new();
    RELEASES.get_or_init(|| {
        let root = std::env::temp_dir().join(format!(
            "dmcp-releases-{}-{}",
            std::process::id(),
            fastrand::u64(..)
        ));
        std::fs::create_dir_all(&root).unwrap();
        let current = root.join("digiusher-mcp");
        run(Command::new("strip").arg("-o").arg(&current).arg(BIN));
        let version = env!("CARGO_PKG_VERSION");
        let next = next_version(version);
        // The newer binary is this build with its version text rewritten in place
        // (same length): a real program that reports the newer version.
        let bytes = std::fs::read(&current).unwrap();
        let patched = replace_all(&bytes, version.as_bytes(), next.as_bytes());
        let newer = root.join("newer").join("digiusher-mcp");
        std::fs::create_dir_all(newer.parent().unwrap()).unwrap();
        std::fs::write(&newer, patched).unwrap();
        make_executable(&newer);
        let reported = run(Command::new(&newer).arg("--version")).stdout;
        assert_eq!(
            String::from_utf8_lossy(&reported).trim(),
            format!("digiusher-mcp {next}")
        );
        for (name, v, binary) in [
            ("current", version, &current),
            ("next", next.as_str(), &newer),
        ] {
            let tree = root.join(format!("tree-{name}"));
            packaging_tree(&tree, v);
            package(&tree, binary, &root.join("dist").join(name));
        }
        let url = serve(root.join("dist"));
        Releases {
            root,
            url,
            current,
            next_version: next,
        }
    })
}

fn replace_all(haystack: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    assert_eq!(from.len(), to.len());
    let mut out = haystack.to_vec();
    let mut i = 0;
    let mut found = 0;
    while i + from.len() <= out.len() {
        if &out[i..i + from.len()] == from {
            out[i..i + from.len()].copy_from_slice(to);
            found += 1;
            i += from.len();
        } else {
            i += 1;
        }
    }
    assert!(found > 0, "the version text is not in the binary");
    out
}

fn make_executable(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

/// A static file server on 127.0.0.1 for `dir`, on threads of its own (the
/// tests' runtimes come and go). `/away/…` redirects to plain http elsewhere.
fn serve(dir: PathBuf) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let dir = dir.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut first = String::new();
                let _ = reader.read_line(&mut first);
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                }
                let path = first.split_whitespace().nth(1).unwrap_or("/").to_string();
                let reply = if let Some(rest) = path.strip_prefix("/away/") {
                    format!(
                        "HTTP/1.1 302 Found\r\nlocation: http://198.51.100.7/{rest}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                    )
                    .into_bytes()
                } else {
                    let file = dir.join(path.trim_start_matches('/'));
                    match std::fs::read(&file) {
                        Ok(body) if !path.contains("..") => {
                            let mut r = format!(
                                "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                                body.len()
                            )
                            .into_bytes();
                            r.extend(body);
                            r
                        }
                        _ => b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                            .to_vec(),
                    }
                };
                let _ = stream.write_all(&reply);
            });
        }
    });
    url
}

/// A HOME with this build installed where install.sh puts it.
fn installed() -> (TempDir, PathBuf) {
    let home = TempDir::new("update");
    let bin = home.0.join(".local/bin/digiusher-mcp");
    std::fs::create_dir_all(bin.parent().unwrap()).unwrap();
    std::fs::copy(&releases().current, &bin).unwrap();
    (home, bin)
}

fn update(home: &Path, binary: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(binary)
        .arg("update")
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_DATA_HOME", home.join(".local/share"))
        .env("TMPDIR", home)
        .env("RUST_BACKTRACE", "0")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn version_of(binary: &Path) -> String {
    let out = run(Command::new(binary).arg("--version"));
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A copy of the newer release, changed by `change`, served under `name`.
fn changed_release(name: &str, change: impl Fn(&Path)) -> String {
    let r = releases();
    let dir = r.root.join("dist").join(name);
    std::fs::create_dir_all(&dir).unwrap();
    for entry in std::fs::read_dir(r.root.join("dist/next")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.join(entry.file_name())).unwrap();
    }
    change(&dir);
    format!("{}/{name}", r.url)
}

#[test]
fn a_newer_release_is_installed_verified_and_runs() {
    if crate::common::skip(&[Need::PosixShell]) {
        return;
    }
    let r = releases();
    let (home, bin) = installed();
    let url = format!("{}/next/", r.url);
    let (code, stdout, stderr) = update(&home.0, &bin, &["--release-url", &url]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stderr.contains("Verified against SHA256SUMS"), "{stderr}");
    assert!(
        stdout.contains(&format!(
            "from v{} to v{}",
            env!("CARGO_PKG_VERSION"),
            r.next_version
        )),
        "{stdout}"
    );
    assert_eq!(
        version_of(&bin),
        format!("digiusher-mcp {}", r.next_version)
    );
    // The folder holds the binary and nothing left over from the swap.
    let names: Vec<_> = std::fs::read_dir(bin.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["digiusher-mcp"]);
    // The same release again: nothing to do.
    let (code, stdout, _) = update(&home.0, &bin, &["--release-url", &url]);
    assert_eq!(code, 0);
    assert!(stdout.contains("is up to date"), "{stdout}");
}

#[test]
fn check_only_says_and_changes_nothing() {
    if crate::common::skip(&[Need::PosixShell]) {
        return;
    }
    let r = releases();
    let (home, bin) = installed();
    let before = std::fs::read(&bin).unwrap();
    let url = format!("{}/next", r.url);
    // DIGIUSHER_MCP_RELEASE_URL names the release, as for the installer.
    let out = Command::new(&bin)
        .args(["update", "--check"])
        .env("HOME", &home.0)
        .env("DIGIUSHER_MCP_RELEASE_URL", &url)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains(&format!(
            "A newer release is available: v{}",
            r.next_version
        )),
        "{stdout}"
    );
    assert_eq!(
        std::fs::read(&bin).unwrap(),
        before,
        "the binary is unchanged"
    );
    let (code, stdout, _) = update(
        &home.0,
        &bin,
        &["--check", "--release-url", &format!("{}/current", r.url)],
    );
    assert_eq!(code, 0);
    assert!(stdout.contains("is up to date"), "{stdout}");
}

/// The old binary is byte for byte what it was, and still runs.
fn untouched(bin: &Path, before: &[u8]) {
    assert_eq!(
        std::fs::read(bin).unwrap(),
        before,
        "the old binary changed"
    );
    assert_eq!(
        version_of(bin),
        format!("digiusher-mcp {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn a_tampered_archive_is_refused_and_the_old_binary_kept() {
    if crate::common::skip(&[Need::PosixShell]) {
        return;
    }
    let url = changed_release("tampered", |dir| {
        let path = dir.join(archive());
        let mut bytes = std::fs::read(&path).unwrap();
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0x01;
        std::fs::write(&path, bytes).unwrap();
    });
    let (home, bin) = installed();
    let before = std::fs::read(&bin).unwrap();
    let (code, stdout, stderr) = update(&home.0, &bin, &["--release-url", &url]);
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    assert!(
        stderr.contains(&format!("checksum mismatch for {}", archive())),
        "{stderr}"
    );
    assert!(stderr.contains("Nothing was changed"), "{stderr}");
    untouched(&bin, &before);
}

#[test]
fn a_release_without_the_archives_checksum_is_refused() {
    if crate::common::skip(&[Need::PosixShell]) {
        return;
    }
    let url = changed_release("unlisted", |dir| {
        let sums = std::fs::read_to_string(dir.join("SHA256SUMS")).unwrap();
        let kept: String = sums
            .lines()
            .filter(|l| !l.ends_with(&archive()))
            .map(|l| format!("{l}\r\n"))
            .collect();
        std::fs::write(dir.join("SHA256SUMS"), kept).unwrap();
    });
    let (home, bin) = installed();
    let before = std::fs::read(&bin).unwrap();
    let (code, _, stderr) = update(&home.0, &bin, &["--release-url", &url]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "SHA256SUMS of this release has no entry for {}",
            archive()
        )),
        "{stderr}"
    );
    untouched(&bin, &before);
}

#[test]
fn release_urls_follow_the_installers_rule() {
    if crate::common::skip(&[Need::PosixShell]) {
        return;
    }
    let r = releases();
    let (home, bin) = installed();
    let before = std::fs::read(&bin).unwrap();
    let (code, _, stderr) = update(&home.0, &bin, &["--release-url", "http://example.com/r"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("must use https://"), "{stderr}");
    // A redirect from loopback to plain http elsewhere is not followed.
    let (code, _, stderr) = update(
        &home.0,
        &bin,
        &["--release-url", &format!("{}/away/next", r.url)],
    );
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("which is not https://"), "{stderr}");
    untouched(&bin, &before);
}

#[test]
fn a_copy_that_npm_installed_is_left_to_npm() {
    if crate::common::skip(&[Need::Node]) {
        return;
    }
    let r = releases();
    let project = TempDir::new("npm-update");
    let dist = r.root.join("dist/current");
    let tarballs: Vec<PathBuf> = std::fs::read_dir(&dist)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "tgz"))
        .collect();
    assert_eq!(tarballs.len(), 2, "{tarballs:?}");
    run(Command::new("npm")
        .args([
            "install",
            "--offline",
            "--no-audit",
            "--no-fund",
            "--loglevel=error",
        ])
        .args(&tarballs)
        .current_dir(&project.0)
        .env("npm_config_cache", project.0.join(".npm")));
    let launcher = project.0.join("node_modules/.bin/digiusher-mcp");
    let out = Command::new(&launcher)
        .args(["update", "--release-url", &format!("{}/next", r.url)])
        .env("HOME", &project.0)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("installed by npm"), "{stderr}");
    assert!(stderr.contains("npx -y @digiusher/mcp"), "{stderr}");
    assert_eq!(
        version_of(&launcher),
        format!("digiusher-mcp {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn a_release_of_another_version_than_asked_is_refused() {
    if crate::common::skip(&[Need::PosixShell]) {
        return;
    }
    let r = releases();
    let (home, bin) = installed();
    let before = std::fs::read(&bin).unwrap();
    let out = Command::new(&bin)
        .args(["update", "--version", "v9.8.7"])
        .env("HOME", &home.0)
        .env("DIGIUSHER_MCP_RELEASE_URL", format!("{}/next", r.url))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("is v{}, not the v9.8.7 asked for", r.next_version)),
        "{stderr}"
    );
    untouched(&bin, &before);
}

#[test]
fn a_verified_binary_that_does_not_run_is_not_installed() {
    if crate::common::skip(&[Need::PosixShell]) {
        return;
    }
    // A release whose archive (correctly listed) holds a program that fails.
    let url = changed_release("broken", |dir| {
        let folder = dir.join(format!("digiusher-mcp-{}", target()));
        std::fs::create_dir_all(&folder).unwrap();
        let exe = folder.join("digiusher-mcp");
        std::fs::write(&exe, "#!/bin/sh\necho 'no such luck' >&2\nexit 3\n").unwrap();
        make_executable(&exe);
        run(Command::new("tar")
            .arg("-czf")
            .arg(dir.join(archive()))
            .arg("-C")
            .arg(dir)
            .arg(folder.file_name().unwrap()));
        let sum = run(Command::new("sha256sum").arg(dir.join(archive()))).stdout;
        let sum = String::from_utf8_lossy(&sum)
            .split_whitespace()
            .next()
            .unwrap()
            .to_string();
        let sums = std::fs::read_to_string(dir.join("SHA256SUMS")).unwrap();
        let sums: String = sums
            .lines()
            .map(|l| {
                if l.ends_with(&archive()) {
                    format!("{sum}  {}", archive())
                } else {
                    l.to_string()
                }
            })
            .map(|l| l + "\n")
            .collect();
        std::fs::write(dir.join("SHA256SUMS"), sums).unwrap();
    });
    let (home, bin) = installed();
    let before = std::fs::read(&bin).unwrap();
    let (code, _, stderr) = update(&home.0, &bin, &["--release-url", &url]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("Verified against SHA256SUMS"), "{stderr}");
    assert!(
        stderr.contains("the downloaded binary does not run here"),
        "{stderr}"
    );
    assert!(stderr.contains("Nothing was changed"), "{stderr}");
    untouched(&bin, &before);
}
