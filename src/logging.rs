//! Logs go to stderr (and optionally a file), never to stdout, which carries JSON-RPC.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::sync::Arc;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::writer::MakeWriterExt;

/// Set up logging. `RUST_LOG` wins; else `--log-level` for our crate, third-party
/// crates at `warn`. Problems are never fatal: they come back as lines for the
/// caller to show, since a bad log setting may be what keeps the log quiet.
#[must_use = "the problems are for the user"]
pub fn init(log_level: Option<&str>, log_file: Option<&Path>, default_level: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let level = match log_level {
        Some(l) if ["error", "warn", "info", "debug", "trace", "off"].contains(&l) => l,
        Some(other) => {
            problems.push(format!(
                "ignoring --log-level {other:?}; use error, warn, info, debug, trace or off"
            ));
            default_level
        }
        None => default_level,
    };
    let filter = match std::env::var("RUST_LOG") {
        Ok(spec) if !spec.trim().is_empty() => EnvFilter::try_new(&spec).unwrap_or_else(|e| {
            problems.push(format!("ignoring RUST_LOG ({e})"));
            EnvFilter::new(format!("warn,digiusher_mcp={level}"))
        }),
        _ => EnvFilter::new(format!("warn,digiusher_mcp={level}")),
    };
    let file = log_file.and_then(|path| {
        open_private(path)
            .map_err(|e| {
                problems.push(format!(
                    "cannot open log file {}: {e}; logging to stderr only",
                    path.display()
                ))
            })
            .ok()
    });
    let ansi = file.is_none() && std::io::stderr().is_terminal();
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_target(false);
    let stderr = || OneLine(std::io::stderr());
    match file {
        Some(file) => {
            let file = Arc::new(file);
            builder
                .with_writer(stderr.and(move || OneLine(file.clone())))
                .init()
        }
        None => builder.with_writer(stderr).init(),
    }
    problems
}

/// Keeps each log event on one line. tracing escapes ESC and C1 controls in
/// logged values but not CR, LF and the other C0 controls, so a logged value
/// from a server or a tool argument could forge log lines or hide text with a
/// CR. The formatter hands over one whole event per write, ending in `\n`.
struct OneLine<W>(W);

impl<W: Write> Write for OneLine<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let (event, end) = match buf.strip_suffix(b"\n") {
            Some(event) => (event, &b"\n"[..]),
            None => (buf, &b""[..]),
        };
        if !event.iter().any(|&b| is_unsafe_byte(b)) {
            self.0.write_all(buf)?;
            return Ok(buf.len());
        }
        let mut out = Vec::with_capacity(buf.len() + 16);
        for &b in event {
            match b {
                b'\n' => out.extend_from_slice(b"\\n"),
                b'\r' => out.extend_from_slice(b"\\r"),
                b if is_unsafe_byte(b) => {
                    let _ = write!(out, "\\u{{{b:x}}}");
                }
                b => out.push(b),
            }
        }
        out.extend_from_slice(end);
        self.0.write_all(&out)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// C0 controls other than ESC (our colours; tracing escapes foreign ones) and
/// TAB. Bytes of multi-byte UTF-8 characters are never below 0x80.
fn is_unsafe_byte(b: u8) -> bool {
    b < 0x20 && b != 0x1b && b != b'\t'
}

/// Open the log for appending; a new file is readable by the user only (0600), as
/// logs name accounts, organizations and URLs.
fn open_private(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one_line(event: &str) -> String {
        let mut w = OneLine(Vec::new());
        w.write_all(event.as_bytes()).unwrap();
        String::from_utf8(w.0).unwrap()
    }

    #[test]
    fn an_event_stays_one_line() {
        assert_eq!(
            one_line("WARN reason: bad\r\nINFO forged\x0e\x07\n"),
            "WARN reason: bad\\r\\nINFO forged\\u{e}\\u{7}\n"
        );
        let plain = "\x1b[33m WARN\x1b[0m Zoë\tok\n";
        assert_eq!(one_line(plain), plain);
    }

    #[cfg(unix)]
    #[test]
    fn a_new_log_file_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!(
            "digiusher-mcp-test-{}-log-{}",
            std::process::id(),
            fastrand::u64(..)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("mcp.log");
        drop(open_private(&path).unwrap());
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
