//! Settings from flags, environment, config file and defaults, in that order of precedence.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::cli::GlobalArgs;
use crate::secret::Secret;

pub const DEFAULT_API_BASE: &str = "https://app.digiusher.com";
pub const DEFAULT_PROFILE: &str = "default";
const DEFAULT_MAX_RESULT_CHARS: usize = 100_000;
const DEFAULT_REQUEST_TIMEOUT_SECS: u64 = 30;
const DEFAULT_MAX_RESPONSE_BYTES: usize = 32 * 1024 * 1024;
const DEFAULT_SCOPES: &str = "openid profile email";
/// Under the 60 s a host commonly waits for a tool call.
const DEFAULT_SIGN_IN_WAIT_SECS: u64 = 45;

/// Whether `serve` may start a sign-in itself when a tool call finds none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SignInMode {
    /// Open the sign-in page (through the host or the browser) on the first call.
    #[default]
    Auto,
    /// Never: calls answer "not signed in"; for CI, shared machines, strict setups.
    Never,
}

/// What the user asked for with `DIGIUSHER_TOKEN_STORE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StoreChoice {
    #[default]
    Auto,
    Keychain,
    File,
}

impl StoreChoice {
    pub fn parse(text: &str) -> Option<StoreChoice> {
        match text.trim() {
            "auto" => Some(StoreChoice::Auto),
            "keychain" => Some(StoreChoice::Keychain),
            "file" => Some(StoreChoice::File),
            _ => None,
        }
    }
}

/// Where sign-in state lives on disk.
#[derive(Debug, Clone)]
pub struct AuthPaths {
    /// `accounts.json`: profile → account.
    pub accounts: PathBuf,
    /// The file store, used when no keychain works.
    pub credentials: PathBuf,
    /// Folder of per-profile lock files.
    pub locks: PathBuf,
    /// Cached client registrations.
    pub registrations: PathBuf,
    /// The keychain service name credentials are filed under (tests use their own).
    pub keychain_service: String,
}

/// The keychain service name of real sign-ins.
pub const KEYCHAIN_SERVICE: &str = "digiusher-mcp";

impl AuthPaths {
    pub fn new(data_dir: &Path, config_dir: &Path) -> AuthPaths {
        AuthPaths {
            accounts: data_dir.join("accounts.json"),
            credentials: data_dir.join("credentials.json"),
            locks: data_dir.join("locks"),
            registrations: config_dir.join("registrations.json"),
            keychain_service: KEYCHAIN_SERVICE.to_string(),
        }
    }

    /// A lock file of `profile`, named `<profile><suffix>` with the profile made
    /// safe for a file name: `.lock` for refresh, others for longer holds.
    pub fn lock_file(&self, profile: &str, suffix: &str) -> PathBuf {
        let safe: String = profile
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        self.locks.join(format!("{safe}{suffix}"))
    }
}

/// Everything the server and the commands need to know, resolved once.
#[derive(Debug, Clone)]
pub struct Settings {
    pub profile: String,
    pub api_base: String,
    pub max_result_chars: usize,
    pub request_timeout: Duration,
    pub max_response_bytes: usize,
    /// A static bearer token from `DIGIUSHER_TOKEN`; never written anywhere.
    pub env_token: Option<Secret>,
    /// The config file that was read, if one exists.
    pub config_file: Option<PathBuf>,
    /// The OpenID issuer; `None` means discover it from the API.
    pub issuer: Option<String>,
    /// A client id DigiUsher issued; `None` means register dynamically.
    pub client_id: Option<String>,
    pub scopes: Vec<String>,
    /// Extra authorization request parameters (e.g. `prompt=consent`).
    pub auth_params: Vec<(String, String)>,
    pub token_store: StoreChoice,
    pub paths: AuthPaths,
    pub sign_in: SignInMode,
    /// How long a tool call waits for a sign-in it started before answering with the link.
    pub sign_in_wait: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("config file {path} is not valid: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("{source_name}: {message}")]
    Value {
        source_name: String,
        message: String,
    },
}

/// One profile's table in `config.toml`. Unknown keys are errors so that a typo is
/// reported instead of silently ignored.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileFile {
    api_base: Option<String>,
    issuer: Option<String>,
    client_id: Option<String>,
    scopes: Option<String>,
    token_store: Option<String>,
    auth_params: Option<BTreeMap<String, String>>,
    max_result_chars: Option<u64>,
    request_timeout_secs: Option<u64>,
    max_response_bytes: Option<u64>,
    sign_in: Option<String>,
    sign_in_wait_secs: Option<u64>,
}

/// Where a value came from, for error messages that say what to fix.
enum Origin<'a> {
    Flag(&'a str),
    Env(&'a str),
    File(&'a Path, &'a str, &'a str),
}

impl Origin<'_> {
    fn name(&self) -> String {
        match self {
            Origin::Flag(flag) => format!("--{flag}"),
            Origin::Env(var) => var.to_string(),
            Origin::File(path, profile, key) => {
                format!("{} [{profile}] {key}", path.display())
            }
        }
    }
}

/// The platform's config file path, e.g. `~/.config/digiusher-mcp/config.toml` on Linux.
pub fn default_config_path() -> Option<PathBuf> {
    app_folders().map(|dirs| dirs.config.join("config.toml"))
}

/// This program's folders on this machine.
fn app_folders() -> Option<crate::platform::AppFolders> {
    crate::platform::user_folders().map(|base| crate::platform::Os::CURRENT.app_folders(&base))
}

impl Settings {
    /// Resolve settings from the process environment.
    pub fn resolve(args: &GlobalArgs) -> Result<Settings, ConfigError> {
        Settings::resolve_with(args, |name| std::env::var(name).ok())
    }

    /// Resolve settings with an explicit environment, for tests.
    pub fn resolve_with(
        args: &GlobalArgs,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Settings, ConfigError> {
        let env = |name: &str| env(name).filter(|v| !v.trim().is_empty());

        let profile = args
            .profile
            .clone()
            .or_else(|| env("DIGIUSHER_PROFILE"))
            .unwrap_or_else(|| DEFAULT_PROFILE.to_string());
        check_profile_name(&profile)?;

        let config_path = args
            .config
            .clone()
            .or_else(|| env("DIGIUSHER_CONFIG").map(PathBuf::from))
            .or_else(default_config_path);
        let explicit_config = args.config.is_some() || env("DIGIUSHER_CONFIG").is_some();
        let (file, config_file) = match &config_path {
            Some(path) => match load_profile(path, &profile, explicit_config)? {
                Some(file) => (file, Some(path.clone())),
                None => (ProfileFile::default(), None),
            },
            None => (ProfileFile::default(), None),
        };
        let file_origin = |key| {
            Origin::File(
                config_path.as_deref().unwrap_or(Path::new("")),
                &profile,
                key,
            )
        };

        let api_base = match (
            &args.api_base,
            env("DIGIUSHER_API_BASE_URL"),
            &file.api_base,
        ) {
            (Some(v), _, _) => normalize_api_base(v, Origin::Flag("api-base"))?,
            (None, Some(v), _) => normalize_api_base(&v, Origin::Env("DIGIUSHER_API_BASE_URL"))?,
            (None, None, Some(v)) => normalize_api_base(v, file_origin("api_base"))?,
            (None, None, None) => DEFAULT_API_BASE.to_string(),
        };

        let max_result_chars = pick_number(
            (args.max_result_chars.as_deref(), "max-result-chars"),
            "DIGIUSHER_MAX_RESULT_CHARS",
            &env,
            file.max_result_chars
                .map(|v| (v, file_origin("max_result_chars"))),
            1_000..=100_000_000,
        )?
        .map_or(DEFAULT_MAX_RESULT_CHARS, |v| v as usize);

        let request_timeout_secs = pick_number(
            (args.request_timeout.as_deref(), "request-timeout"),
            "DIGIUSHER_REQUEST_TIMEOUT",
            &env,
            file.request_timeout_secs
                .map(|v| (v, file_origin("request_timeout_secs"))),
            1..=600,
        )?
        .unwrap_or(DEFAULT_REQUEST_TIMEOUT_SECS);

        let max_response_bytes = pick_number(
            (None, ""),
            "DIGIUSHER_MAX_RESPONSE_BYTES",
            &env,
            file.max_response_bytes
                .map(|v| (v, file_origin("max_response_bytes"))),
            1024..=1024 * 1024 * 1024,
        )?
        .map_or(DEFAULT_MAX_RESPONSE_BYTES, |v| v as usize);

        let env_token = env("DIGIUSHER_TOKEN").map(|t| Secret::new(t.trim()));

        let issuer = match (&args.issuer, env("DIGIUSHER_ISSUER"), &file.issuer) {
            (Some(v), _, _) => Some(normalize_url(v, Origin::Flag("issuer"))?),
            (None, Some(v), _) => Some(normalize_url(&v, Origin::Env("DIGIUSHER_ISSUER"))?),
            (None, None, Some(v)) => Some(normalize_url(v, file_origin("issuer"))?),
            (None, None, None) => None,
        };
        let client_id = args
            .client_id
            .clone()
            .or_else(|| env("DIGIUSHER_CLIENT_ID"))
            .or_else(|| file.client_id.clone())
            .map(|c| c.trim().to_string());
        let scopes_text = env("DIGIUSHER_SCOPES")
            .or_else(|| file.scopes.clone())
            .unwrap_or_else(|| DEFAULT_SCOPES.to_string());
        let mut scopes: Vec<String> = scopes_text.split_whitespace().map(str::to_string).collect();
        if !scopes.iter().any(|s| s == "openid") {
            scopes.insert(0, "openid".into());
        }
        let token_store = match (env("DIGIUSHER_TOKEN_STORE"), &file.token_store) {
            (Some(v), _) => parse_store(&v, Origin::Env("DIGIUSHER_TOKEN_STORE"))?,
            (None, Some(v)) => parse_store(v, file_origin("token_store"))?,
            (None, None) => StoreChoice::Auto,
        };
        let sign_in = match (env("DIGIUSHER_SIGN_IN"), &file.sign_in) {
            (Some(v), _) => parse_sign_in(&v, Origin::Env("DIGIUSHER_SIGN_IN"))?,
            (None, Some(v)) => parse_sign_in(v, file_origin("sign_in"))?,
            (None, None) => SignInMode::Auto,
        };
        let sign_in_wait_secs = pick_number(
            (None, ""),
            "DIGIUSHER_SIGN_IN_WAIT",
            &env,
            file.sign_in_wait_secs
                .map(|v| (v, file_origin("sign_in_wait_secs"))),
            1..=600,
        )?
        .unwrap_or(DEFAULT_SIGN_IN_WAIT_SECS);
        let auth_params = file
            .auth_params
            .clone()
            .unwrap_or_default()
            .into_iter()
            .collect();
        let dirs = app_folders().ok_or_else(|| ConfigError::Value {
            source_name: "HOME".into(),
            message: "cannot find the home directory to keep sign-in state in; set HOME".into(),
        })?;
        let paths = AuthPaths::new(&dirs.data, &dirs.config);

        Ok(Settings {
            profile,
            api_base,
            max_result_chars,
            request_timeout: Duration::from_secs(request_timeout_secs),
            max_response_bytes,
            env_token,
            config_file,
            issuer,
            client_id,
            scopes,
            auth_params,
            token_store,
            paths,
            sign_in,
            sign_in_wait: Duration::from_secs(sign_in_wait_secs),
        })
    }
}

fn check_profile_name(profile: &str) -> Result<(), ConfigError> {
    let ok = !profile.is_empty()
        && profile.len() <= 64
        && profile
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.');
    if ok {
        Ok(())
    } else {
        Err(ConfigError::Value {
            source_name: "profile".into(),
            message: format!("must be 1-64 letters, digits, '-', '_' or '.'; got {profile:?}"),
        })
    }
}

/// Read one profile's table. A missing file is fine unless it was named explicitly.
fn load_profile(
    path: &Path,
    profile: &str,
    explicit: bool,
) -> Result<Option<ProfileFile>, ConfigError> {
    let text = match crate::files::read_text(path, crate::files::READ_CAP) {
        Ok(text) => text,
        Err(e) if e.is_not_found() && !explicit => return Ok(None),
        Err(e) => {
            return Err(ConfigError::Read {
                path: path.to_path_buf(),
                source: std::io::Error::other(e.reason()),
            });
        }
    };
    let mut profiles: BTreeMap<String, ProfileFile> =
        toml::from_str(&text).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            message: one_line(&e.to_string()),
        })?;
    Ok(Some(profiles.remove(profile).unwrap_or_default()))
}

/// toml's messages span several lines with a source excerpt; keep them readable in one line.
fn one_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && *l != "|")
        .collect::<Vec<_>>()
        .join(" ")
}

fn pick_number(
    flag: (Option<&str>, &str),
    var: &str,
    env: &impl Fn(&str) -> Option<String>,
    file: Option<(u64, Origin<'_>)>,
    range: std::ops::RangeInclusive<u64>,
) -> Result<Option<u64>, ConfigError> {
    let (value, origin) = if let Some(v) = flag.0 {
        (
            parse_number(v, &Origin::Flag(flag.1))?,
            Origin::Flag(flag.1),
        )
    } else if let Some(v) = env(var) {
        (parse_number(&v, &Origin::Env(var))?, Origin::Env(var))
    } else if let Some((v, origin)) = file {
        (v, origin)
    } else {
        return Ok(None);
    };
    if range.contains(&value) {
        Ok(Some(value))
    } else {
        Err(ConfigError::Value {
            source_name: origin.name(),
            message: format!(
                "must be between {} and {}; got {value}",
                range.start(),
                range.end()
            ),
        })
    }
}

fn parse_number(text: &str, origin: &Origin<'_>) -> Result<u64, ConfigError> {
    text.trim().parse::<u64>().map_err(|_| ConfigError::Value {
        source_name: origin.name(),
        message: format!("must be a whole number; got {text:?}"),
    })
}

fn parse_store(text: &str, origin: Origin<'_>) -> Result<StoreChoice, ConfigError> {
    StoreChoice::parse(text).ok_or_else(|| ConfigError::Value {
        source_name: origin.name(),
        message: format!("must be auto, keychain or file; got {text:?}"),
    })
}

fn parse_sign_in(text: &str, origin: Origin<'_>) -> Result<SignInMode, ConfigError> {
    match text.trim() {
        "auto" => Ok(SignInMode::Auto),
        "never" => Ok(SignInMode::Never),
        _ => Err(ConfigError::Value {
            source_name: origin.name(),
            message: format!("must be auto or never; got {text:?}"),
        }),
    }
}

fn normalize_api_base(raw: &str, origin: Origin<'_>) -> Result<String, ConfigError> {
    normalize_url(raw, origin)
}

fn normalize_url(raw: &str, origin: Origin<'_>) -> Result<String, ConfigError> {
    service_url(raw).map_err(|e| ConfigError::Value {
        source_name: origin.name(),
        message: e.to_string(),
    })
}

/// Why a URL may not be sent a token, code or verifier, or serve signing keys.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    #[error("must be an absolute URL such as {DEFAULT_API_BASE}; got {url:?} ({reason})")]
    NotAbsolute { url: String, reason: String },
    #[error(
        "must use https:// (http:// is allowed only for 127.0.0.1, ::1 and localhost); got {url:?}"
    )]
    NotHttps { url: String },
    #[error("must be an https:// URL; got scheme {scheme:?} in {url:?}")]
    Scheme { url: String, scheme: String },
    #[error("must not carry a query, fragment or user name; got {url:?}")]
    Extra { url: String },
}

/// The one rule for every URL a secret goes to or keys come from: `https://`, or
/// `http://` to a loopback host only, so nothing secret crosses a network in clear
/// text. Endpoints may carry a query; none may carry credentials.
pub fn secure_url(raw: &str) -> Result<reqwest::Url, UrlError> {
    let url = reqwest::Url::parse(raw).map_err(|e| UrlError::NotAbsolute {
        url: raw.to_string(),
        reason: e.to_string(),
    })?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(UrlError::Extra {
            url: raw.to_string(),
        });
    }
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        "http" => Err(UrlError::NotHttps {
            url: raw.to_string(),
        }),
        other => Err(UrlError::Scheme {
            url: raw.to_string(),
            scheme: other.to_string(),
        }),
    }
}

/// A service root (the API base, an issuer): [`secure_url`] without a query or
/// fragment, trailing `/` dropped.
pub fn service_url(raw: &str) -> Result<String, UrlError> {
    let trimmed = raw.trim().trim_end_matches('/');
    let url = secure_url(trimmed)?;
    if url.query().is_some() || url.fragment().is_some() {
        return Err(UrlError::Extra {
            url: trimmed.to_string(),
        });
    }
    Ok(trimmed.to_string())
}

/// 127.0.0.0/8, ::1 or `localhost`: traffic that never leaves the machine.
pub fn is_loopback(url: &reqwest::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(args: GlobalArgs, env: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::resolve_with(&args, move |name| {
            env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
        })
    }

    fn no_file() -> GlobalArgs {
        GlobalArgs {
            config: Some(PathBuf::from("/nonexistent/for-tests.toml")),
            ..Default::default()
        }
    }

    #[test]
    fn store_choice_parses() {
        assert_eq!(StoreChoice::parse("auto"), Some(StoreChoice::Auto));
        assert_eq!(StoreChoice::parse("file"), Some(StoreChoice::File));
        assert_eq!(StoreChoice::parse("keychain"), Some(StoreChoice::Keychain));
        assert_eq!(StoreChoice::parse("vault"), None);
    }

    #[test]
    fn defaults_apply_without_flags_env_or_file() {
        let s = resolve(no_file_ok(), &[]).unwrap();
        assert_eq!(s.profile, "default");
        assert_eq!(s.api_base, DEFAULT_API_BASE);
        assert_eq!(s.max_result_chars, 100_000);
        assert_eq!(s.request_timeout, Duration::from_secs(30));
        assert_eq!(s.max_response_bytes, 32 * 1024 * 1024);
        assert!(s.env_token.is_none());
    }

    #[test]
    fn an_explicit_missing_config_file_is_an_error() {
        let err = resolve(no_file(), &[]).unwrap_err().to_string();
        assert!(err.contains("/nonexistent/for-tests.toml"), "{err}");
    }

    #[test]
    fn flag_beats_env_beats_file() {
        let dir = tempdir("precedence");
        let path = dir.join("config.toml");
        std::fs::write(
            &path,
            "[default]\napi_base = \"https://file.example\"\nmax_result_chars = 5000\n",
        )
        .unwrap();
        let args = GlobalArgs {
            config: Some(path.clone()),
            ..Default::default()
        };
        let s = resolve(args.clone(), &[]).unwrap();
        assert_eq!(s.api_base, "https://file.example");
        assert_eq!(s.max_result_chars, 5000);

        let s = resolve(
            args.clone(),
            &[("DIGIUSHER_API_BASE_URL", "https://env.example/")],
        )
        .unwrap();
        assert_eq!(s.api_base, "https://env.example");

        let flagged = GlobalArgs {
            api_base: Some("http://127.0.0.1:9/".into()),
            ..args
        };
        let s = resolve(
            flagged,
            &[("DIGIUSHER_API_BASE_URL", "https://env.example")],
        )
        .unwrap();
        assert_eq!(s.api_base, "http://127.0.0.1:9");
    }

    #[test]
    fn profiles_are_separate_tables() {
        let dir = tempdir("profiles");
        let path = dir.join("config.toml");
        std::fs::write(
            &path,
            "[default]\napi_base = \"https://a.example\"\n[sandbox]\napi_base = \"http://localhost:8080\"\n",
        )
        .unwrap();
        let args = GlobalArgs {
            config: Some(path),
            profile: Some("sandbox".into()),
            ..Default::default()
        };
        assert_eq!(
            resolve(args, &[]).unwrap().api_base,
            "http://localhost:8080"
        );
    }

    #[test]
    fn sign_in_settings_come_from_the_profile_table() {
        let dir = tempdir("signin");
        let path = dir.join("config.toml");
        std::fs::write(
            &path,
            "[default]\nissuer = \"https://id.example/\"\nclient_id = \"abc\"\nscopes = \"profile email\"\ntoken_store = \"file\"\n[default.auth_params]\nprompt = \"consent\"\n",
        )
        .unwrap();
        let args = GlobalArgs {
            config: Some(path),
            ..Default::default()
        };
        let s = resolve(args.clone(), &[]).unwrap();
        assert_eq!(s.issuer.as_deref(), Some("https://id.example"));
        assert_eq!(s.client_id.as_deref(), Some("abc"));
        assert_eq!(s.scopes, ["openid", "profile", "email"]);
        assert_eq!(s.token_store, StoreChoice::File);
        assert_eq!(
            s.auth_params,
            [("prompt".to_string(), "consent".to_string())]
        );
        let s = resolve(
            args.clone(),
            &[
                ("DIGIUSHER_TOKEN_STORE", "keychain"),
                ("DIGIUSHER_CLIENT_ID", "env-id"),
            ],
        )
        .unwrap();
        assert_eq!(s.token_store, StoreChoice::Keychain);
        assert_eq!(s.client_id.as_deref(), Some("env-id"));
        let err = resolve(args, &[("DIGIUSHER_TOKEN_STORE", "vault")])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("DIGIUSHER_TOKEN_STORE: must be auto, keychain or file"),
            "{err}"
        );
        let err = resolve(no_file_ok(), &[("DIGIUSHER_ISSUER", "http://id.example")])
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("DIGIUSHER_ISSUER: must use https://"),
            "{err}"
        );
    }

    #[test]
    fn sign_in_mode_and_wait_come_from_env_or_file() {
        let s = resolve(no_file_ok(), &[]).unwrap();
        assert_eq!(s.sign_in, SignInMode::Auto);
        assert_eq!(s.sign_in_wait, Duration::from_secs(45));
        let dir = tempdir("sign-in");
        let path = dir.join("config.toml");
        std::fs::write(
            &path,
            "[default]\nsign_in = \"never\"\nsign_in_wait_secs = 20\n",
        )
        .unwrap();
        let args = GlobalArgs {
            config: Some(path),
            ..Default::default()
        };
        let s = resolve(args.clone(), &[]).unwrap();
        assert_eq!(s.sign_in, SignInMode::Never);
        assert_eq!(s.sign_in_wait, Duration::from_secs(20));
        let s = resolve(
            args,
            &[
                ("DIGIUSHER_SIGN_IN", "auto"),
                ("DIGIUSHER_SIGN_IN_WAIT", "5"),
            ],
        )
        .unwrap();
        assert_eq!(s.sign_in, SignInMode::Auto);
        assert_eq!(s.sign_in_wait, Duration::from_secs(5));
        let err = resolve(no_file_ok(), &[("DIGIUSHER_SIGN_IN", "always")])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("DIGIUSHER_SIGN_IN: must be auto or never"),
            "{err}"
        );
        let err = resolve(no_file_ok(), &[("DIGIUSHER_SIGN_IN_WAIT", "0")])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("DIGIUSHER_SIGN_IN_WAIT: must be between"),
            "{err}"
        );
    }

    #[test]
    fn a_malformed_file_names_file_line_and_key() {
        let dir = tempdir("malformed");
        let path = dir.join("config.toml");
        std::fs::write(&path, "[default]\napi_bsae = \"https://a.example\"\n").unwrap();
        let args = GlobalArgs {
            config: Some(path.clone()),
            ..Default::default()
        };
        let err = resolve(args, &[]).unwrap_err().to_string();
        assert!(err.contains(path.to_str().unwrap()), "{err}");
        assert!(err.contains("line 2"), "{err}");
        assert!(err.contains("api_bsae"), "{err}");
        assert!(!err.contains('\n'), "{err}");
    }

    #[test]
    fn bad_values_name_their_source() {
        let err = resolve(
            no_file_ok(),
            &[("DIGIUSHER_API_BASE_URL", "http://example.com")],
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.starts_with("DIGIUSHER_API_BASE_URL: must use https://"),
            "{err}"
        );

        let err = resolve(no_file_ok(), &[("DIGIUSHER_MAX_RESULT_CHARS", "lots")])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("DIGIUSHER_MAX_RESULT_CHARS: must be a whole number"),
            "{err}"
        );

        let args = GlobalArgs {
            request_timeout: Some("0".into()),
            ..no_file_ok()
        };
        let err = resolve(args, &[]).unwrap_err().to_string();
        assert!(
            err.contains("--request-timeout: must be between 1 and 600"),
            "{err}"
        );

        let err = resolve(no_file_ok(), &[("DIGIUSHER_API_BASE_URL", "ftp://x")])
            .unwrap_err()
            .to_string();
        assert!(err.contains("scheme"), "{err}");
    }

    #[test]
    fn the_url_rule_allows_https_and_loopback_http_only() {
        for ok in [
            "https://id.example/token",
            "https://id.example:8443/t?x=1",
            "http://127.0.0.1:9/token",
            "http://127.8.9.10/token",
            "http://[::1]:9/token",
            "http://LOCALHOST:9/token",
        ] {
            assert!(secure_url(ok).is_ok(), "{ok} should pass");
        }
        let refused = [
            ("http://192.0.2.2:9/token", "must use https://"),
            ("http://localhost.evil.example/token", "must use https://"),
            ("http://[::ffff:127.0.0.1]/token", "must use https://"),
            ("http://0.0.0.0:9/token", "must use https://"),
            ("ftp://id.example/token", "scheme \"ftp\""),
            ("https://user:pw@id.example/token", "user name"),
            ("/token", "absolute URL"),
        ];
        for (url, rule) in refused {
            let err = secure_url(url).unwrap_err().to_string();
            assert!(err.contains(rule), "{url}: {err}");
            assert!(err.contains(&format!("{url:?}")), "names the URL: {err}");
        }
    }

    #[test]
    fn service_urls_drop_the_trailing_slash_and_refuse_a_query() {
        assert_eq!(
            service_url(" https://id.example/realm/ ").unwrap(),
            "https://id.example/realm"
        );
        let err = service_url("https://id.example/?x=1").unwrap_err();
        assert!(matches!(err, UrlError::Extra { .. }), "{err}");
        let err = service_url("http://10.0.0.1").unwrap_err();
        assert_eq!(
            err,
            UrlError::NotHttps {
                url: "http://10.0.0.1".into()
            }
        );
    }

    #[test]
    fn env_token_is_trimmed_and_redacted() {
        let s = resolve(no_file_ok(), &[("DIGIUSHER_TOKEN", " abc \n")]).unwrap();
        assert_eq!(s.env_token.as_ref().unwrap().expose(), "abc");
        assert!(!format!("{s:?}").contains("abc"));
    }

    fn no_file_ok() -> GlobalArgs {
        let dir = tempdir("empty");
        let path = dir.join("config.toml");
        std::fs::write(&path, "").unwrap();
        GlobalArgs {
            config: Some(path),
            ..Default::default()
        }
    }

    fn tempdir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "digiusher-mcp-test-{}-{name}-{}",
            std::process::id(),
            fastrand::u64(..)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// Arbitrary config files never panic the parser: they give settings, or one
    /// line of error that names the file and where to look in it.
    mod arbitrary_files {
        use super::*;
        use proptest::prelude::*;

        const KEYS: &[&str] = &[
            "api_base",
            "issuer",
            "client_id",
            "scopes",
            "token_store",
            "auth_params",
            "max_result_chars",
            "request_timeout_secs",
            "max_response_bytes",
        ];

        /// Two thousand cases each by default (seconds in debug); `PROPTEST_CASES`
        /// asks for more or fewer.
        fn config() -> ProptestConfig {
            let cases = crate::testing::proptest_cases(2000);
            ProptestConfig {
                cases,
                failure_persistence: None,
                ..ProptestConfig::default()
            }
        }

        fn key() -> impl Strategy<Value = String> {
            prop_oneof![
                4 => proptest::sample::select(KEYS).prop_map(str::to_string),
                1 => "[a-z_]{1,12}",
                1 => "\\PC{0,8}",
            ]
        }

        /// TOML values, well-formed or not, of every type.
        fn value() -> impl Strategy<Value = String> {
            let leaf = prop_oneof![
                any::<String>().prop_map(|s| toml_string(&s)),
                "(https?|ftp)://[a-z0-9.:\\[\\]@/?#%-]{0,30}".prop_map(|s| toml_string(&s)),
                any::<i64>().prop_map(|n| n.to_string()),
                any::<u64>().prop_map(|n| n.to_string()),
                any::<f64>().prop_map(|n| format!("{n:?}")),
                any::<bool>().prop_map(|b| b.to_string()),
                Just("\"auto\"".to_string()),
                Just("\"file\"".to_string()),
                "\"[^\"\\\\]{0,20}\"",
                "\\PC{0,12}",
                ".{0,12}",
            ];
            leaf.prop_recursive(2, 8, 4, |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..4)
                        .prop_map(|v| format!("[{}]", v.join(", "))),
                    prop::collection::vec((key(), inner), 0..3).prop_map(|kv| {
                        let items: Vec<String> =
                            kv.iter().map(|(k, v)| format!("{k} = {v}")).collect();
                        format!("{{ {} }}", items.join(", "))
                    }),
                ]
            })
        }

        fn toml_string(s: &str) -> String {
            toml::Value::String(s.to_string()).to_string()
        }

        fn line() -> impl Strategy<Value = String> {
            prop_oneof![
                1 => Just("[default]".to_string()),
                1 => Just("[default.auth_params]".to_string()),
                1 => "\\[[a-z.]{1,10}\\]",
                6 => (key(), value()).prop_map(|(k, v)| format!("{k} = {v}")),
                1 => ".{0,20}",
                1 => Just(String::new()),
            ]
        }

        /// Resolve `text` as the config file, with no flags and no environment.
        fn resolve_text(text: &str) -> (PathBuf, Result<Settings, ConfigError>) {
            thread_local! {
                static DIR: PathBuf = tempdir("proptest");
            }
            let path = DIR.with(|d| d.join("config.toml"));
            std::fs::write(&path, text).unwrap();
            let args = GlobalArgs {
                config: Some(path.clone()),
                ..Default::default()
            };
            (path, resolve(args, &[]))
        }

        /// One line; a parse error gives the line, a bad value its file and key.
        fn check(path: &Path, result: Result<Settings, ConfigError>) -> Result<(), TestCaseError> {
            let Err(err) = result else {
                return Ok(());
            };
            let message = err.to_string();
            let file = path.display().to_string();
            prop_assert!(!message.contains('\n'), "several lines: {message}");
            match &err {
                ConfigError::Parse { .. } => {
                    prop_assert!(message.contains(&file), "no file: {message}");
                    prop_assert!(message.contains("line "), "no line: {message}");
                }
                ConfigError::Value { source_name, .. } => {
                    let key = source_name.strip_prefix(&format!("{file} [default] "));
                    prop_assert!(
                        key.is_some_and(|k| KEYS.contains(&k)),
                        "no file or key: {message}"
                    );
                }
                ConfigError::Read { .. } => prop_assert!(false, "unreadable: {message}"),
            }
            Ok(())
        }

        proptest! {
            #![proptest_config(config())]

            #[test]
            fn toml_ish_text(lines in prop::collection::vec(line(), 0..8)) {
                let (path, result) = resolve_text(&lines.join("\n"));
                check(&path, result)?;
            }

            #[test]
            fn any_value_for_a_known_key(
                key in proptest::sample::select(KEYS),
                value in value().prop_filter("on the key's line", |v| !v.contains('\n')),
            ) {
                let (path, result) = resolve_text(&format!("[default]\n{key} = {value}\n"));
                let named = match &result {
                    Err(ConfigError::Parse { message, .. }) => message.contains(key),
                    _ => true,
                };
                check(&path, result)?;
                prop_assert!(named, "the key is not named");
            }
        }
    }
}
