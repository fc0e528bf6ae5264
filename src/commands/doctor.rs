//! `digiusher-mcp doctor [--json] [--host HOST] [--offline]`: every check of
//! `doctor.rs` as one line with what to do next, or one JSON object. Exit 1 when
//! a check failed.

use std::io::IsTerminal;

use super::CommandError;
use crate::config::{ConfigError, Settings};
use crate::doctor::{self, Check, Status};
use crate::setup_hosts::SetupHost;
use crate::terminal::{Clean, json_for_terminal, outln};

pub struct Options {
    pub json: bool,
    pub host: Option<SetupHost>,
    pub offline: bool,
}

pub async fn run(
    settings: Result<Settings, ConfigError>,
    opts: Options,
) -> Result<(), CommandError> {
    let worker = doctor::Options {
        host: opts.host,
        offline: opts.offline,
    };
    let checks = doctor::run(settings, &worker).await;
    if opts.json {
        let text = serde_json::to_string_pretty(&doctor::as_json(&checks)).unwrap_or_default();
        outln!("{}", json_for_terminal(&text));
    } else {
        let marks = Marks::choose(|n| std::env::var(n).ok(), std::io::stdout().is_terminal());
        for check in &checks {
            print_check(check, &marks);
        }
        let (warned, failed) = counts(&checks);
        outln!(
            "{} checks: {failed} failed, {warned} warning(s).",
            checks.len()
        );
    }
    if checks.iter().any(|c| c.status == Status::Fail) {
        Err(CommandError::Reported)
    } else {
        Ok(())
    }
}

fn counts(checks: &[Check]) -> (usize, usize) {
    let n = |s| checks.iter().filter(|c| c.status == s).count();
    (n(Status::Warn), n(Status::Fail))
}

/// How a status is shown: ✓/!/✗ in colour, or plain words where the terminal
/// has no UTF-8 or the user asked for no colour.
struct Marks {
    symbols: bool,
    color: bool,
}

impl Marks {
    fn choose(env: impl Fn(&str) -> Option<String>, terminal: bool) -> Marks {
        let no_color = env("NO_COLOR").is_some_and(|v| !v.is_empty());
        let locale = ["LC_ALL", "LC_CTYPE", "LANG"]
            .iter()
            .find_map(|n| env(n).filter(|v| !v.is_empty()))
            .unwrap_or_default()
            .to_ascii_lowercase();
        // Windows consoles take UTF-8 from us whatever the locale variables say.
        let utf8 = cfg!(windows) || locale.contains("utf-8") || locale.contains("utf8");
        Marks {
            symbols: utf8 && !no_color,
            color: terminal && !no_color,
        }
    }

    fn mark(&self, status: Status) -> String {
        let (symbol, word, code) = match status {
            Status::Ok => ("✓", "ok", "32"),
            Status::Warn => ("!", "warn", "33"),
            Status::Fail => ("✗", "fail", "31"),
        };
        let text = if self.symbols { symbol } else { word };
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

/// Details carry paths and text from files and servers: printed through `Clean`.
fn print_check(check: &Check, marks: &Marks) {
    outln!("{} {}", marks.mark(check.status), Clean(&check.detail));
    if let Some(fix) = &check.fix {
        outln!("    → {}", Clean(fix));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marks(env: &[(&str, &str)], terminal: bool) -> Marks {
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Marks::choose(
            |n| env.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone()),
            terminal,
        )
    }

    #[test]
    fn plain_words_without_utf8_or_with_no_color() {
        let m = marks(&[("LANG", "en_US.UTF-8")], false);
        assert_eq!(m.mark(Status::Ok), "✓");
        assert_eq!(m.mark(Status::Fail), "✗");
        if !cfg!(windows) {
            assert_eq!(marks(&[("LANG", "C")], false).mark(Status::Warn), "warn");
        }
        let m = marks(&[("LC_ALL", "C.UTF-8"), ("NO_COLOR", "1")], true);
        assert_eq!(m.mark(Status::Fail), "fail");
        assert_eq!(
            marks(&[("LANG", "C.utf8")], true).mark(Status::Warn),
            "\x1b[33m!\x1b[0m"
        );
    }
}
