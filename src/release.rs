//! Releases: where they are published, which one is newest, and getting one onto
//! this machine verified. `update` installs with it and `doctor` asks it whether a
//! newer release exists. The rules are the installer's: the release URL is
//! `https://` (or `http://` to loopback only, before and after redirects), and an
//! archive is checked against the release's `SHA256SUMS` before it is unpacked.

use std::cmp::Ordering;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::config::{is_loopback, secure_url};
use crate::http::{ReadError, read_capped, transport_cause};

/// Where the installer and `update` take the newest release from.
pub const LATEST_RELEASE_URL: &str =
    "https://github.com/digiusher/digiusher-mcp/releases/latest/download";
/// Where one tagged release lives: `RELEASES_URL/vX.Y.Z`.
const RELEASES_URL: &str = "https://github.com/digiusher/digiusher-mcp/releases/download";
const NAME: &str = "digiusher-mcp";
/// `SHA256SUMS` lists a handful of files; a larger answer is not one.
const MAX_SUMS: usize = 1024 * 1024;
/// A release archive is a few MB; this bounds a hostile or broken server.
const MAX_ARCHIVE: usize = 256 * 1024 * 1024;
/// How long a new binary may take to print its version.
const VERSION_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum ReleaseError {
    #[error("the release URL {url:?} {reason}")]
    BadUrl { url: String, reason: String },
    #[error("cannot download {url}: {cause}")]
    Download { url: String, cause: String },
    #[error("{url} answered HTTP {status}")]
    Status { url: String, status: u16 },
    #[error("{url} is larger than expected; refusing it")]
    TooLarge { url: String },
    #[error(
        "SHA256SUMS of this release has no entry for {0}, so the download cannot be verified; refusing to install it"
    )]
    NoChecksum(String),
    #[error(
        "checksum mismatch for {file}: SHA256SUMS says {expected}, the download is {actual}; it is damaged or was tampered with, so it is refused"
    )]
    Mismatch {
        file: String,
        expected: String,
        actual: String,
    },
    #[error("cannot unpack {file}: {reason}")]
    Unpack { file: String, reason: String },
    #[error("the downloaded binary does not run here: {0}")]
    DoesNotRun(String),
    #[error("no release archive is built for this platform ({0})")]
    NoTarget(String),
    #[error("{0}")]
    Io(String),
}

/// A release version, `1.2.3` or `1.2.3-rc.1` (a `v` in front is allowed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    numbers: [u64; 3],
    pre: String,
}

impl Version {
    pub fn parse(text: &str) -> Option<Version> {
        let text = text.trim();
        let text = text.strip_prefix('v').unwrap_or(text);
        let (core, pre) = match text.split_once('-') {
            Some((core, pre)) if !pre.is_empty() => (core, pre),
            Some(_) => return None,
            None => (text, ""),
        };
        let mut parts = core.split('.');
        let mut numbers = [0u64; 3];
        for n in &mut numbers {
            let part = parts.next()?;
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            *n = part.parse().ok()?;
        }
        let pre_ok = pre
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
        (parts.next().is_none() && pre_ok).then(|| Version {
            numbers,
            pre: pre.to_string(),
        })
    }

    /// This binary's version.
    pub fn current() -> Version {
        Version::parse(env!("CARGO_PKG_VERSION")).unwrap_or(Version {
            numbers: [0; 3],
            pre: String::new(),
        })
    }
}

impl Ord for Version {
    /// Numbers first; a pre-release comes before its release.
    fn cmp(&self, other: &Version) -> Ordering {
        self.numbers.cmp(&other.numbers).then_with(|| {
            match (self.pre.is_empty(), other.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => self.pre.cmp(&other.pre),
            }
        })
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Version) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c] = self.numbers;
        write!(f, "{a}.{b}.{c}")?;
        if !self.pre.is_empty() {
            write!(f, "-{}", self.pre)?;
        }
        Ok(())
    }
}

/// The release folder to use, in the installer's order: `--release-url`, else
/// `DIGIUSHER_MCP_RELEASE_URL` (a mirror), else the tagged release for
/// `--version`, else the latest; checked by the rule.
pub fn release_url(
    flag: Option<&str>,
    env: Option<&str>,
    version: Option<&Version>,
) -> Result<reqwest::Url, ReleaseError> {
    let raw = match (flag, env.filter(|e| !e.trim().is_empty()), version) {
        (Some(url), _, _) | (None, Some(url), _) => url.trim().to_string(),
        (None, _, Some(v)) => format!("{RELEASES_URL}/v{v}"),
        (None, None, None) => LATEST_RELEASE_URL.to_string(),
    };
    let trimmed = raw.trim_end_matches('/');
    let mut url = secure_url(trimmed).map_err(|e| ReleaseError::BadUrl {
        url: trimmed.to_string(),
        reason: e.to_string(),
    })?;
    if url.query().is_some() || url.fragment().is_some() {
        return Err(ReleaseError::BadUrl {
            url: trimmed.to_string(),
            reason: "must not carry a query or fragment".into(),
        });
    }
    // A folder: joining a file name must append, not replace the last segment.
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

/// The file `name` in the release folder `base`.
fn file_url(base: &reqwest::Url, name: &str) -> Result<reqwest::Url, ReleaseError> {
    base.join(name).map_err(|e| ReleaseError::BadUrl {
        url: base.to_string(),
        reason: e.to_string(),
    })
}

/// `https://`, or `http://` to loopback: the rule for every hop of a download.
fn allowed(url: &reqwest::Url) -> bool {
    url.scheme() == "https" || (url.scheme() == "http" && is_loopback(url))
}

/// An HTTP client that follows redirects only to URLs the rule allows.
pub fn client(timeout: Duration) -> Result<reqwest::Client, ReleaseError> {
    let policy = reqwest::redirect::Policy::custom(|attempt| {
        if attempt.previous().len() >= 10 {
            attempt.error("too many redirects")
        } else if allowed(attempt.url()) {
            attempt.follow()
        } else {
            let to = attempt.url().to_string();
            attempt.error(format!(
                "redirected to {to}, which is not https:// (http:// is allowed only to this machine)"
            ))
        }
    });
    crate::http::builder()
        .redirect(policy)
        .timeout(timeout)
        .build()
        .map_err(|e| ReleaseError::Io(format!("cannot set up the HTTPS client: {e}")))
}

/// GET `url`, read at most `limit` bytes.
async fn get(
    http: &reqwest::Client,
    url: &reqwest::Url,
    limit: usize,
) -> Result<Vec<u8>, ReleaseError> {
    let shown = url.to_string();
    let download = |e: &reqwest::Error| ReleaseError::Download {
        url: shown.clone(),
        cause: if e.is_timeout() {
            "no answer in time".to_string()
        } else {
            transport_cause(e)
        },
    };
    let response = http
        .get(url.clone())
        .send()
        .await
        .map_err(|e| download(&e))?;
    let status = response.status().as_u16();
    if !(200..300).contains(&status) {
        return Err(ReleaseError::Status { url: shown, status });
    }
    read_capped(response, limit).await.map_err(|e| match e {
        ReadError::TooLarge => ReleaseError::TooLarge { url: shown.clone() },
        ReadError::Transport(e) => download(&e),
    })
}

/// The lines of a `SHA256SUMS` file: `HEX  NAME` (or `HEX *NAME`), LF or CRLF.
#[derive(Debug, Default)]
pub struct Sums(Vec<(String, String)>);

impl Sums {
    pub fn parse(text: &str) -> Sums {
        let lines = text.lines().filter_map(|line| {
            let (hash, name) = line.trim().split_once(char::is_whitespace)?;
            let name = name.trim_start();
            let name = name.strip_prefix('*').unwrap_or(name);
            let hex = hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit());
            hex.then(|| (hash.to_ascii_lowercase(), name.to_string()))
        });
        Sums(lines.collect())
    }

    /// The expected SHA-256 of `file`, in lowercase hex.
    pub fn get(&self, file: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(_, name)| name == file)
            .map(|(hash, _)| hash.as_str())
    }

    /// The release's version, read from the npm launcher's file name
    /// (`digiusher-mcp-VERSION.tgz`), which every release has.
    pub fn version(&self) -> Option<Version> {
        self.0
            .iter()
            .filter_map(|(_, name)| {
                let v = name.strip_prefix("digiusher-mcp-")?.strip_suffix(".tgz")?;
                Version::parse(v)
            })
            .max()
    }
}

/// Download and parse the release's `SHA256SUMS`.
pub async fn fetch_sums(http: &reqwest::Client, base: &reqwest::Url) -> Result<Sums, ReleaseError> {
    let bytes = get(http, &file_url(base, "SHA256SUMS")?, MAX_SUMS).await?;
    Ok(Sums::parse(&String::from_utf8_lossy(&bytes)))
}

/// The Rust target whose archive runs here, as the installer picks it: Linux
/// releases are static (musl), so one archive runs on every distribution.
pub fn target(os: &str, arch: &str) -> Option<String> {
    let arch = match arch {
        "x86_64" | "aarch64" => arch,
        _ => return None,
    };
    match os {
        "linux" => Some(format!("{arch}-unknown-linux-musl")),
        "macos" => Some(format!("{arch}-apple-darwin")),
        "windows" if arch == "x86_64" => Some(format!("{arch}-pc-windows-msvc")),
        _ => None,
    }
}

/// The release archive for `target`: a zip on Windows, a gzip'd tar elsewhere.
pub fn archive_name(target: &str) -> String {
    if target.contains("-windows-") {
        format!("{NAME}-{target}.zip")
    } else {
        format!("{NAME}-{target}.tar.gz")
    }
}

/// The name of the executable inside an archive for `target`.
fn exe_name(target: &str) -> String {
    if target.contains("-windows-") {
        format!("{NAME}.exe")
    } else {
        NAME.to_string()
    }
}

/// This machine's target, or why there is none.
pub fn this_target() -> Result<String, ReleaseError> {
    let (os, arch) = (std::env::consts::OS, std::env::consts::ARCH);
    target(os, arch).ok_or_else(|| ReleaseError::NoTarget(format!("{os} {arch}")))
}

/// How this binary came onto the machine, which decides how it is updated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Installed {
    /// install.sh's default folder, `~/.local/bin`.
    Installer,
    /// Inside an npm package, started by the `@digiusher/mcp` launcher.
    Npm,
    /// Inside an MCP Bundle (`.mcpb`) that a host unpacked.
    Bundle,
    /// `cargo install`'s folder.
    Cargo,
    /// Anywhere else.
    Unknown,
}

impl Installed {
    pub fn describe(self) -> &'static str {
        match self {
            Installed::Installer => "the installer (install.sh)",
            Installed::Npm => "the npm package @digiusher/mcp",
            Installed::Bundle => "an MCP Bundle (.mcpb)",
            Installed::Cargo => "cargo install",
            Installed::Unknown => "unknown (a standalone binary)",
        }
    }

    /// How a copy installed this way is updated, when `update` does not do it.
    pub fn updated_elsewhere(self) -> Option<&'static str> {
        match self {
            Installed::Npm => Some(
                "This copy was installed by npm: `npx -y @digiusher/mcp` fetches the latest release by itself (restart the MCP host to pick it up); for a global install run `npm install -g @digiusher/mcp@latest`. `update` changes nothing here.",
            ),
            Installed::Bundle => Some(
                "This copy came in an MCP Bundle (.mcpb): download the new .mcpb from the release page and open it to replace the extension in your MCP host. `update` changes nothing here.",
            ),
            _ => None,
        }
    }
}

/// How the binary at `exe` was installed. `home` and `cargo_home` are the
/// user's folders; `bundle_manifest` says whether a folder holds an MCP Bundle's
/// `manifest.json` (a parameter so that the rule is tested without files).
pub fn installed_how(
    exe: &Path,
    home: Option<&Path>,
    cargo_home: Option<&Path>,
    bundle_manifest: impl Fn(&Path) -> bool,
) -> Installed {
    if exe.components().any(|c| c.as_os_str() == "node_modules") {
        return Installed::Npm;
    }
    let dir = exe.parent();
    let in_server = dir.is_some_and(|d| d.file_name().is_some_and(|n| n == "server"));
    if in_server && dir.and_then(Path::parent).is_some_and(bundle_manifest) {
        return Installed::Bundle;
    }
    let cargo_bin = cargo_home
        .map(|c| c.join("bin"))
        .or_else(|| home.map(|h| h.join(".cargo").join("bin")));
    if dir.is_some_and(|d| Some(d) == cargo_bin.as_deref()) {
        return Installed::Cargo;
    }
    let installer_bin = home.map(|h| h.join(".local").join("bin"));
    if dir.is_some_and(|d| Some(d) == installer_bin.as_deref()) {
        return Installed::Installer;
    }
    Installed::Unknown
}

/// How the running binary was installed, and its path.
pub fn this_binary() -> Result<(PathBuf, Installed), ReleaseError> {
    let exe = std::env::current_exe()
        .and_then(|p| p.canonicalize())
        .map_err(|e| ReleaseError::Io(format!("cannot find this program's path: {e}")))?;
    let home = directories::BaseDirs::new().map(|b| b.home_dir().to_path_buf());
    let cargo_home = std::env::var_os("CARGO_HOME").map(PathBuf::from);
    let how = installed_how(&exe, home.as_deref(), cargo_home.as_deref(), |d| {
        d.join("manifest.json").is_file()
    });
    Ok((exe, how))
}

/// What `check` found.
#[derive(Debug)]
pub struct Available {
    pub base: reqwest::Url,
    pub sums: Sums,
    /// The release's version, when its `SHA256SUMS` names it.
    pub version: Option<Version>,
}

impl Available {
    /// Whether the release is newer than this binary (unknown counts as not).
    pub fn is_newer(&self) -> bool {
        self.version
            .as_ref()
            .is_some_and(|v| *v > Version::current())
    }
}

/// Look at the release in `base`: one request, for its `SHA256SUMS`.
pub async fn check(base: reqwest::Url, timeout: Duration) -> Result<Available, ReleaseError> {
    let http = client(timeout)?;
    let sums = fetch_sums(&http, &base).await?;
    let version = sums.version();
    Ok(Available {
        base,
        sums,
        version,
    })
}

/// A private folder for the download, removed when dropped.
pub struct Scratch(PathBuf);

impl Scratch {
    pub fn new() -> Result<Scratch, ReleaseError> {
        let dir = std::env::temp_dir().join(format!(
            "{NAME}-update-{}-{}",
            std::process::id(),
            fastrand::u64(..)
        ));
        std::fs::create_dir(&dir).map_err(|e| {
            ReleaseError::Io(format!("cannot create the folder {}: {e}", dir.display()))
        })?;
        Ok(Scratch(dir))
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Download this target's archive from `available`, verify it against
/// `SHA256SUMS`, and unpack only the binary into `dir`. Nothing is unpacked from
/// an archive that does not match.
pub async fn download_binary(
    available: &Available,
    target: &str,
    dir: &Path,
    timeout: Duration,
) -> Result<PathBuf, ReleaseError> {
    let archive = archive_name(target);
    let expected = available
        .sums
        .get(&archive)
        .ok_or_else(|| ReleaseError::NoChecksum(archive.clone()))?
        .to_string();
    let http = client(timeout)?;
    let bytes = get(&http, &file_url(&available.base, &archive)?, MAX_ARCHIVE).await?;
    let actual = hex(&Sha256::digest(&bytes));
    if actual != expected {
        return Err(ReleaseError::Mismatch {
            file: archive,
            expected,
            actual,
        });
    }
    let binary = unpack(&bytes, &archive, &exe_name(target))?;
    let path = dir.join(exe_name(target));
    write_executable(&path, &binary)
        .map_err(|e| ReleaseError::Io(format!("cannot write {}: {e}", path.display())))?;
    Ok(path)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The bytes of the executable `exe` from a verified archive: at the top, or in
/// the one folder the release puts it in. Nothing else is written anywhere.
fn unpack(archive: &[u8], name: &str, exe: &str) -> Result<Vec<u8>, ReleaseError> {
    let fail = |reason: String| ReleaseError::Unpack {
        file: name.to_string(),
        reason,
    };
    let wanted = |path: &Path| {
        let parts: Vec<_> = path.components().collect();
        match parts.as_slice() {
            [file] => file.as_os_str() == exe,
            [folder, file] => {
                file.as_os_str() == exe && folder.as_os_str().to_string_lossy().starts_with(NAME)
            }
            _ => false,
        }
    };
    if name.ends_with(".zip") {
        return unzip(archive, &wanted).map_err(fail);
    }
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(archive));
    let entries = tar.entries().map_err(|e| fail(e.to_string()))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| fail(e.to_string()))?;
        let path = entry.path().map_err(|e| fail(e.to_string()))?.into_owned();
        if entry.header().entry_type().is_file() && wanted(&path) {
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(&mut entry, &mut bytes).map_err(|e| fail(e.to_string()))?;
            return Ok(bytes);
        }
    }
    Err(fail(format!("it holds no {exe}")))
}

#[cfg(windows)]
fn unzip(archive: &[u8], wanted: &dyn Fn(&Path) -> bool) -> Result<Vec<u8>, String> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(archive)).map_err(|e| e.to_string())?;
    for i in 0..zip.len() {
        let mut file = zip.by_index(i).map_err(|e| e.to_string())?;
        let Some(path) = file.enclosed_name() else {
            continue;
        };
        if file.is_file() && wanted(&path) {
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(&mut file, &mut bytes).map_err(|e| e.to_string())?;
            return Ok(bytes);
        }
    }
    Err("it holds no digiusher-mcp.exe".to_string())
}

#[cfg(not(windows))]
fn unzip(_: &[u8], _: &dyn Fn(&Path) -> bool) -> Result<Vec<u8>, String> {
    Err("zip archives are the Windows release".to_string())
}

fn write_executable(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, bytes)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))?;
    }
    Ok(())
}

/// Run `binary --version` and return the version it reports.
pub async fn version_of(binary: &Path) -> Result<Version, ReleaseError> {
    let run = tokio::process::Command::new(binary)
        .arg("--version")
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(VERSION_TIMEOUT, run)
        .await
        .map_err(|_| ReleaseError::DoesNotRun("`--version` did not finish in 10 s".into()))?
        .map_err(|e| ReleaseError::DoesNotRun(e.to_string()))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let version = text
        .trim()
        .strip_prefix(NAME)
        .and_then(|v| Version::parse(v.trim()));
    match version {
        Some(v) if out.status.success() => Ok(v),
        _ => Err(ReleaseError::DoesNotRun(format!(
            "`--version` exited with {} and printed {:?}",
            out.status,
            crate::untrusted::clean(text.trim(), 200)
        ))),
    }
}

/// Put `new` in place of the running executable, atomically: the old one stays
/// until the new one is there (on Windows, where a running executable cannot be
/// overwritten, `self-replace` moves it aside first).
pub fn replace_running(new: &Path) -> Result<(), ReleaseError> {
    self_replace::self_replace(new).map_err(|e| {
        ReleaseError::Io(format!(
            "cannot replace the running binary ({e}); is its folder writable? The old binary was kept."
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_by_number_then_pre_release() {
        let v = |s| Version::parse(s).unwrap();
        assert!(v("v0.10.0") > v("0.9.9"));
        assert!(v("1.0.0") > v("1.0.0-rc.1"));
        assert!(v("1.0.0-rc.2") > v("1.0.0-rc.1"));
        assert_eq!(v("v1.2.3"), v("1.2.3"));
        assert_eq!(v("1.2.3-beta").to_string(), "1.2.3-beta");
        for bad in ["", "1.2", "1.2.3.4", "x.1.2", "1.2.3-", "1.2.3-a b", "1..2"] {
            assert!(Version::parse(bad).is_none(), "{bad}");
        }
        assert_eq!(Version::current().to_string(), env!("CARGO_PKG_VERSION"));
    }

    #[test]
    fn sums_accept_crlf_and_binary_marks_and_name_the_version() {
        let a = "a".repeat(64);
        let b = "B".repeat(64);
        let text = format!(
            "{a}  digiusher-mcp-x86_64-unknown-linux-musl.tar.gz\r\n{b} *digiusher-mcp-0.3.1.tgz\r\n\
             {a}  digiusher-mcp-linux-x64-0.4.0.tgz\r\nnot a line\r\n"
        );
        let sums = Sums::parse(&text);
        assert_eq!(
            sums.get("digiusher-mcp-x86_64-unknown-linux-musl.tar.gz"),
            Some(a.as_str())
        );
        assert_eq!(
            sums.get("digiusher-mcp-0.3.1.tgz"),
            Some("b".repeat(64).as_str())
        );
        assert_eq!(sums.get("other"), None);
        // The platform package's name is not the launcher's.
        assert_eq!(sums.version(), Version::parse("0.3.1"));
        assert_eq!(Sums::parse("").version(), None);
    }

    #[test]
    fn release_urls_follow_the_installers_rule() {
        let url = |flag, env, v: Option<&str>| {
            release_url(flag, env, v.and_then(Version::parse).as_ref()).map(|u| u.to_string())
        };
        assert_eq!(
            url(None, None, None).unwrap(),
            format!("{LATEST_RELEASE_URL}/")
        );
        assert_eq!(
            url(None, None, Some("v1.2.3")).unwrap(),
            "https://github.com/digiusher/digiusher-mcp/releases/download/v1.2.3/"
        );
        assert_eq!(
            url(Some("http://127.0.0.1:8/r//"), Some("https://x"), None).unwrap(),
            "http://127.0.0.1:8/r/"
        );
        assert_eq!(
            url(None, Some("https://m/r"), None).unwrap(),
            "https://m/r/"
        );
        assert!(url(Some("http://example.com/r"), None, None).is_err());
        assert!(url(Some("ftp://example.com/r"), None, None).is_err());
        assert!(url(Some("https://u:p@example.com/r"), None, None).is_err());
        let base = release_url(Some("https://m/a/b"), None, None).unwrap();
        assert_eq!(
            file_url(&base, "SHA256SUMS").unwrap().as_str(),
            "https://m/a/b/SHA256SUMS"
        );
        assert!(allowed(
            &reqwest::Url::parse("http://localhost:1/x").unwrap()
        ));
        assert!(!allowed(&reqwest::Url::parse("http://10.0.0.1/x").unwrap()));
    }

    #[test]
    fn each_platform_gets_the_installers_archive() {
        assert_eq!(
            target("linux", "x86_64").as_deref(),
            Some("x86_64-unknown-linux-musl")
        );
        assert_eq!(
            target("macos", "aarch64").as_deref(),
            Some("aarch64-apple-darwin")
        );
        assert_eq!(
            target("windows", "x86_64").as_deref(),
            Some("x86_64-pc-windows-msvc")
        );
        assert_eq!(target("windows", "aarch64"), None);
        assert_eq!(target("freebsd", "x86_64"), None);
        assert_eq!(
            archive_name("x86_64-pc-windows-msvc"),
            "digiusher-mcp-x86_64-pc-windows-msvc.zip"
        );
        assert_eq!(exe_name("x86_64-pc-windows-msvc"), "digiusher-mcp.exe");
        assert_eq!(
            archive_name("aarch64-apple-darwin"),
            "digiusher-mcp-aarch64-apple-darwin.tar.gz"
        );
    }

    #[test]
    fn the_install_method_is_read_from_the_path() {
        let home = Path::new("/home/u");
        let how = |p: &str, cargo: Option<&str>| {
            installed_how(Path::new(p), Some(home), cargo.map(Path::new), |d| {
                d == Path::new("/x/ext")
            })
        };
        assert_eq!(
            how("/home/u/.local/bin/digiusher-mcp", None),
            Installed::Installer
        );
        assert_eq!(
            how("/home/u/.cargo/bin/digiusher-mcp", None),
            Installed::Cargo
        );
        assert_eq!(how("/c/bin/digiusher-mcp", Some("/c")), Installed::Cargo);
        assert_eq!(
            how(
                "/p/node_modules/@digiusher/mcp-linux-x64/bin/digiusher-mcp",
                None
            ),
            Installed::Npm
        );
        assert_eq!(how("/x/ext/server/digiusher-mcp", None), Installed::Bundle);
        assert_eq!(how("/y/server/digiusher-mcp", None), Installed::Unknown);
        assert_eq!(
            how("/usr/local/bin/digiusher-mcp", None),
            Installed::Unknown
        );
        assert!(Installed::Npm.updated_elsewhere().unwrap().contains("npx"));
        assert!(
            Installed::Bundle
                .updated_elsewhere()
                .unwrap()
                .contains(".mcpb")
        );
        assert!(Installed::Installer.updated_elsewhere().is_none());
    }

    fn tar_gz(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
            Vec::new(),
            flate2::Compression::fast(),
        ));
        for (path, data) in files {
            let mut header = tar::Header::new_gnu();
            header.set_size(data.len() as u64);
            header.set_mode(0o755);
            header.set_cksum();
            builder.append_data(&mut header, path, *data).unwrap();
        }
        builder.into_inner().unwrap().finish().unwrap()
    }

    #[test]
    fn only_the_binary_is_taken_from_an_archive() {
        let archive = tar_gz(&[
            ("digiusher-mcp-x/README.md", b"readme"),
            ("digiusher-mcp-x/digiusher-mcp", b"binary"),
        ]);
        assert_eq!(
            unpack(&archive, "a.tar.gz", "digiusher-mcp").unwrap(),
            b"binary"
        );
        let elsewhere = tar_gz(&[("other/digiusher-mcp", b"no"), ("a/b/digiusher-mcp", b"no")]);
        let e = unpack(&elsewhere, "a.tar.gz", "digiusher-mcp").unwrap_err();
        assert!(e.to_string().contains("holds no digiusher-mcp"), "{e}");
        assert!(unpack(b"not gzip", "a.tar.gz", "digiusher-mcp").is_err());
    }
}
