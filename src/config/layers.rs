//! One setting read through its layers ([`pick`]), its value checked and any
//! error naming the flag, variable or file key that gave it, so the user knows
//! what to fix.

use std::ops::RangeInclusive;
use std::path::Path;

use super::error::ConfigError;
use super::pick::{Layer, pick};
use super::urls::service_url;

/// A setting's names: its flag (if it has one), environment variable and key in
/// the config file.
#[derive(Clone, Copy)]
pub struct Setting {
    flag: Option<&'static str>,
    env: &'static str,
    key: &'static str,
}

impl Setting {
    /// Set by a flag, an environment variable or the config file.
    pub const fn any(flag: &'static str, env: &'static str, key: &'static str) -> Setting {
        Setting {
            flag: Some(flag),
            env,
            key,
        }
    }

    /// Set by an environment variable or the config file only.
    pub const fn env_or_file(env: &'static str, key: &'static str) -> Setting {
        Setting {
            flag: None,
            env,
            key,
        }
    }

    /// A whole number within `range`, `default` when nothing sets it.
    pub const fn number(self, range: RangeInclusive<u64>, default: u64) -> Number {
        Number {
            setting: self,
            range,
            default,
        }
    }
}

/// A whole-number setting: its names, bounds and default, in one place.
pub struct Number {
    setting: Setting,
    range: RangeInclusive<u64>,
    default: u64,
}

impl Number {
    /// Whether the default is one the user could give too (checked when compiling).
    pub const fn default_in_bounds(&self) -> bool {
        *self.range.start() <= self.default && self.default <= *self.range.end()
    }
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

    fn error(&self, message: String) -> ConfigError {
        ConfigError::Value {
            source_name: self.name(),
            message,
        }
    }
}

/// What the layers below the flags hold for one profile: the environment (blank
/// values already dropped) and where the config file is.
pub struct Layers<'a> {
    pub env: &'a dyn Fn(&str) -> Option<String>,
    pub file: &'a Path,
    pub profile: &'a str,
}

impl Layers<'_> {
    /// The setting's text from its highest layer, unchecked.
    pub fn text(
        &self,
        setting: &Setting,
        flag: Option<&str>,
        file: Option<&str>,
    ) -> Option<String> {
        self.raw(setting, flag, file).map(|(text, _)| text)
    }

    /// A service root ([`service_url`]): the API base, an issuer.
    pub fn url(
        &self,
        setting: &Setting,
        flag: Option<&str>,
        file: Option<&str>,
    ) -> Result<Option<String>, ConfigError> {
        let Some((raw, origin)) = self.raw(setting, flag, file) else {
            return Ok(None);
        };
        service_url(&raw)
            .map(Some)
            .map_err(|e| origin.error(e.to_string()))
    }

    /// A whole number within its bounds, or its default; the file holds
    /// numbers, flags and the environment text.
    pub fn number(
        &self,
        number: &Number,
        flag: Option<&str>,
        file: Option<u64>,
    ) -> Result<u64, ConfigError> {
        let Number {
            setting,
            range,
            default,
        } = number;
        let env = (self.env)(setting.env);
        let text = |t: &str| Given::Text(t.to_string());
        let Some((given, layer)) = pick(
            flag.map(text),
            env.as_deref().map(text),
            file.map(Given::Value),
        ) else {
            return Ok(*default);
        };
        let origin = self.origin(setting, layer);
        let value = match given {
            Given::Text(t) => t
                .trim()
                .parse::<u64>()
                .map_err(|_| origin.error(format!("must be a whole number; got {t:?}")))?,
            Given::Value(v) => v,
        };
        if range.contains(&value) {
            Ok(value)
        } else {
            Err(origin.error(format!(
                "must be between {} and {}; got {value}",
                range.start(),
                range.end()
            )))
        }
    }

    /// One of a few words, read by `parse`; `expected` lists them for the error.
    pub fn choice<T>(
        &self,
        setting: &Setting,
        file: Option<&str>,
        parse: fn(&str) -> Option<T>,
        expected: &str,
    ) -> Result<Option<T>, ConfigError> {
        let Some((raw, origin)) = self.raw(setting, None, file) else {
            return Ok(None);
        };
        parse(&raw)
            .map(Some)
            .ok_or_else(|| origin.error(format!("must be {expected}; got {raw:?}")))
    }

    fn raw(
        &self,
        setting: &Setting,
        flag: Option<&str>,
        file: Option<&str>,
    ) -> Option<(String, Origin<'_>)> {
        let (raw, layer) = pick(
            flag.map(str::to_string),
            (self.env)(setting.env),
            file.map(str::to_string),
        )?;
        Some((raw, self.origin(setting, layer)))
    }

    fn origin(&self, setting: &Setting, layer: Layer) -> Origin<'_> {
        match layer {
            Layer::Flag => Origin::Flag(setting.flag.unwrap_or(setting.key)),
            Layer::Env => Origin::Env(setting.env),
            Layer::File => Origin::File(self.file, self.profile, setting.key),
        }
    }
}

/// A number as given: text from a flag or the environment, a value from the file.
enum Given {
    Text(String),
    Value(u64),
}

#[cfg(test)]
mod tests {
    use super::*;

    const WAIT: Setting = Setting::any("wait", "TEST_WAIT", "wait_secs");
    const WAIT_SECS: Number = WAIT.number(1..=9, 5);

    fn check(env: &[(&str, &str)], f: impl FnOnce(&Layers<'_>)) {
        let env = |name: &str| {
            env.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        };
        f(&Layers {
            env: &env,
            file: Path::new("/etc/test.toml"),
            profile: "p",
        });
    }

    #[test]
    fn a_bad_value_below_the_winner_is_never_read() {
        check(&[("TEST_WAIT", "soon")], |layers| {
            assert_eq!(layers.number(&WAIT_SECS, Some("7"), None).unwrap(), 7);
            let err = layers.number(&WAIT_SECS, None, Some(3)).unwrap_err();
            assert_eq!(
                err.to_string(),
                "TEST_WAIT: must be a whole number; got \"soon\""
            );
        });
        check(&[], |layers| {
            assert_eq!(layers.number(&WAIT_SECS, None, Some(3)).unwrap(), 3);
            assert_eq!(layers.number(&WAIT_SECS, None, None).unwrap(), 5);
        });
    }

    #[test]
    fn errors_name_the_flag_variable_or_file_key_that_gave_the_value() {
        check(&[], |layers| {
            let err = layers.number(&WAIT_SECS, None, Some(30)).unwrap_err();
            assert_eq!(
                err.to_string(),
                "/etc/test.toml [p] wait_secs: must be between 1 and 9; got 30"
            );
            let err = layers.number(&WAIT_SECS, Some(" 0 "), None).unwrap_err();
            assert_eq!(err.to_string(), "--wait: must be between 1 and 9; got 0");
            let err = layers
                .url(&WAIT, None, Some("http://example.com"))
                .unwrap_err();
            assert!(
                err.to_string()
                    .starts_with("/etc/test.toml [p] wait_secs: must use https://"),
                "{err}"
            );
        });
        check(&[("TEST_WAIT", "later")], |layers| {
            let parse = |t: &str| (t.trim() == "now").then_some(());
            let err = layers.choice(&WAIT, Some("now"), parse, "now").unwrap_err();
            assert_eq!(err.to_string(), "TEST_WAIT: must be now; got \"later\"");
        });
    }

    #[test]
    fn text_and_urls_come_from_the_highest_layer() {
        check(&[("TEST_WAIT", "https://env.example/")], |layers| {
            assert_eq!(
                layers
                    .url(&WAIT, None, Some("https://file.example"))
                    .unwrap(),
                Some("https://env.example".to_string())
            );
            assert_eq!(
                layers.text(&WAIT, Some("flag"), Some("file")).as_deref(),
                Some("flag")
            );
        });
        check(&[], |layers| {
            assert_eq!(
                layers.text(&WAIT, None, Some("file")).as_deref(),
                Some("file")
            );
            assert_eq!(layers.url(&WAIT, None, None).unwrap(), None);
        });
    }
}
