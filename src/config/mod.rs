//! Settings from flags, environment, config file and defaults, in that order of
//! precedence ([`pick`]). Each setting is one step of [`Settings::resolve_with`];
//! the parts below do the reading, checking and naming.

mod defaults;
mod error;
mod file;
mod layers;
mod modes;
mod paths;
mod pick;
mod urls;

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::cli::GlobalArgs;
use crate::secret::Secret;
use defaults::*;
use file::{ProfileFile, load_profile};
use layers::{Layers, Number, Setting};

pub use defaults::{DEFAULT_API_BASE, DEFAULT_PROFILE};
pub use error::ConfigError;
pub use modes::{SignInMode, StoreChoice};
pub use paths::AuthPaths;
#[cfg(test)]
pub use paths::KEYCHAIN_SERVICE;
use pick::pick;
pub use urls::{UrlError, is_loopback, secure_url, service_url};

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

/// The platform's config file path, e.g. `~/.config/digiusher-mcp/config.toml` on Linux.
pub fn default_config_path() -> Option<PathBuf> {
    app_folders().map(|dirs| dirs.config.join("config.toml"))
}

/// This program's folders on this machine.
fn app_folders() -> Option<crate::platform::AppFolders> {
    crate::platform::user_folders().map(|base| crate::platform::Os::CURRENT.app_folders(&base))
}

// Each setting's names in the layers that may set it; numbers with their
// bounds and default.
const API_BASE: Setting = Setting::any("api-base", "DIGIUSHER_API_BASE_URL", "api_base");
const MAX_RESULT_CHARS: Number = Setting::any(
    "max-result-chars",
    "DIGIUSHER_MAX_RESULT_CHARS",
    "max_result_chars",
)
.number(1_000..=100_000_000, 100_000);
const REQUEST_TIMEOUT_SECS: Number = Setting::any(
    "request-timeout",
    "DIGIUSHER_REQUEST_TIMEOUT",
    "request_timeout_secs",
)
.number(1..=600, 30);
const MAX_RESPONSE_BYTES: Number =
    Setting::env_or_file("DIGIUSHER_MAX_RESPONSE_BYTES", "max_response_bytes")
        .number(1024..=1024 * 1024 * 1024, 32 * 1024 * 1024);
const ISSUER: Setting = Setting::any("issuer", "DIGIUSHER_ISSUER", "issuer");
const CLIENT_ID: Setting = Setting::any("client-id", "DIGIUSHER_CLIENT_ID", "client_id");
const SCOPES: Setting = Setting::env_or_file("DIGIUSHER_SCOPES", "scopes");
const TOKEN_STORE: Setting = Setting::env_or_file("DIGIUSHER_TOKEN_STORE", "token_store");
const SIGN_IN: Setting = Setting::env_or_file("DIGIUSHER_SIGN_IN", "sign_in");
/// Under the 60 s a host commonly waits for a tool call.
const SIGN_IN_WAIT_SECS: Number =
    Setting::env_or_file("DIGIUSHER_SIGN_IN_WAIT", "sign_in_wait_secs").number(1..=600, 45);
const _: () = assert!(
    MAX_RESULT_CHARS.default_in_bounds()
        && REQUEST_TIMEOUT_SECS.default_in_bounds()
        && MAX_RESPONSE_BYTES.default_in_bounds()
        && SIGN_IN_WAIT_SECS.default_in_bounds(),
    "a number's default lies outside its bounds"
);

impl Settings {
    /// Resolve settings from the process environment.
    pub fn resolve(args: &GlobalArgs) -> Result<Settings, ConfigError> {
        Settings::resolve_with(args, |name| std::env::var(name).ok())
    }

    /// Resolve settings with an explicit environment, for tests. Settings are
    /// read in a fixed order, so the first bad one is the one reported.
    pub fn resolve_with(
        args: &GlobalArgs,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Settings, ConfigError> {
        let env = |name: &str| env(name).filter(|v| !v.trim().is_empty());
        let profile = profile(args, &env)?;
        let config = config_path(args, &env);
        let (file, config_file) = read_file(config.as_ref(), &profile)?;
        let layers = Layers {
            env: &env,
            file: config.as_ref().map_or(Path::new(""), |(path, _)| path),
            profile: &profile,
        };
        let api_base = layers
            .url(
                &API_BASE,
                args.api_base.as_deref(),
                file.api_base.as_deref(),
            )?
            .unwrap_or_else(|| DEFAULT_API_BASE.to_string());
        let max_result_chars = layers.number(
            &MAX_RESULT_CHARS,
            args.max_result_chars.as_deref(),
            file.max_result_chars,
        )? as usize;
        let request_timeout = Duration::from_secs(layers.number(
            &REQUEST_TIMEOUT_SECS,
            args.request_timeout.as_deref(),
            file.request_timeout_secs,
        )?);
        let max_response_bytes =
            layers.number(&MAX_RESPONSE_BYTES, None, file.max_response_bytes)? as usize;
        let env_token = env("DIGIUSHER_TOKEN").map(|t| Secret::new(t.trim()));
        let issuer = layers.url(&ISSUER, args.issuer.as_deref(), file.issuer.as_deref())?;
        let client_id = layers
            .text(
                &CLIENT_ID,
                args.client_id.as_deref(),
                file.client_id.as_deref(),
            )
            .map(|c| c.trim().to_string());
        let scopes = scopes(
            &layers
                .text(&SCOPES, None, file.scopes.as_deref())
                .unwrap_or_else(|| DEFAULT_SCOPES.to_string()),
        );
        let token_store = layers
            .choice(
                &TOKEN_STORE,
                file.token_store.as_deref(),
                StoreChoice::parse,
                "auto, keychain or file",
            )?
            .unwrap_or_default();
        let sign_in = layers
            .choice(
                &SIGN_IN,
                file.sign_in.as_deref(),
                SignInMode::parse,
                "auto or never",
            )?
            .unwrap_or_default();
        let sign_in_wait =
            Duration::from_secs(layers.number(&SIGN_IN_WAIT_SECS, None, file.sign_in_wait_secs)?);
        Ok(Settings {
            api_base,
            max_result_chars,
            request_timeout,
            max_response_bytes,
            env_token,
            config_file,
            issuer,
            client_id,
            scopes,
            auth_params: file.auth_params.unwrap_or_default().into_iter().collect(),
            token_store,
            paths: auth_paths()?,
            sign_in,
            sign_in_wait,
            profile,
        })
    }
}

/// The profile: `--profile`, `DIGIUSHER_PROFILE` or `default` (the config file
/// cannot choose it: it is keyed by profile).
fn profile(args: &GlobalArgs, env: &dyn Fn(&str) -> Option<String>) -> Result<String, ConfigError> {
    let profile = pick(args.profile.clone(), env("DIGIUSHER_PROFILE"), None)
        .map_or_else(|| DEFAULT_PROFILE.to_string(), |(p, _)| p);
    check_profile_name(&profile)?;
    Ok(profile)
}

/// The config file to read, and whether the user named it (then it must exist).
fn config_path(args: &GlobalArgs, env: &dyn Fn(&str) -> Option<String>) -> Option<(PathBuf, bool)> {
    match pick(
        args.config.clone(),
        env("DIGIUSHER_CONFIG").map(PathBuf::from),
        None,
    ) {
        Some((path, _)) => Some((path, true)),
        None => default_config_path().map(|path| (path, false)),
    }
}

/// The profile's table of the config file (empty without one), and the file
/// when it exists.
fn read_file(
    config: Option<&(PathBuf, bool)>,
    profile: &str,
) -> Result<(ProfileFile, Option<PathBuf>), ConfigError> {
    let Some((path, explicit)) = config else {
        return Ok((ProfileFile::default(), None));
    };
    Ok(match load_profile(path, profile, *explicit)? {
        Some(file) => (file, Some(path.clone())),
        None => (ProfileFile::default(), None),
    })
}

/// The scopes to ask for, `openid` always among them.
fn scopes(text: &str) -> Vec<String> {
    let mut scopes: Vec<String> = text.split_whitespace().map(str::to_string).collect();
    if !scopes.iter().any(|s| s == "openid") {
        scopes.insert(0, "openid".into());
    }
    scopes
}

/// Where sign-in state lives: this program's folders in the user's home.
fn auth_paths() -> Result<AuthPaths, ConfigError> {
    let dirs = app_folders().ok_or_else(|| ConfigError::Value {
        source_name: "HOME".into(),
        message: "cannot find the home directory to keep sign-in state in; set HOME".into(),
    })?;
    Ok(AuthPaths::new(&dirs.data, &dirs.config))
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
