//! Logs go to stderr (and optionally a file), never to stdout, which carries JSON-RPC.

use std::io::IsTerminal;
use std::path::Path;
use std::sync::Arc;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::writer::MakeWriterExt;

use crate::terminal::errln;

/// Set up logging. `RUST_LOG` wins; else `--log-level` for our crate, third-party
/// crates at `warn`. Problems are reported on stderr, never fatal.
pub fn init(log_level: Option<&str>, log_file: Option<&Path>, default_level: &str) {
    let level = match log_level {
        Some(l) if ["error", "warn", "info", "debug", "trace", "off"].contains(&l) => l,
        Some(other) => {
            errln!(
                "digiusher-mcp: ignoring --log-level {other:?}; use error, warn, info, debug, trace or off"
            );
            default_level
        }
        None => default_level,
    };
    let filter = match std::env::var("RUST_LOG") {
        Ok(spec) if !spec.trim().is_empty() => EnvFilter::try_new(&spec).unwrap_or_else(|e| {
            errln!("digiusher-mcp: ignoring RUST_LOG ({e})");
            EnvFilter::new(format!("warn,digiusher_mcp={level}"))
        }),
        _ => EnvFilter::new(format!("warn,digiusher_mcp={level}")),
    };
    let file = log_file.and_then(|path| {
        open_private(path)
            .map_err(|e| {
                errln!(
                    "digiusher-mcp: cannot open log file {}: {e}; logging to stderr only",
                    path.display()
                )
            })
            .ok()
    });
    let ansi = file.is_none() && std::io::stderr().is_terminal();
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_target(false);
    match file {
        Some(file) => builder
            .with_writer(std::io::stderr.and(Arc::new(file)))
            .init(),
        None => builder.with_writer(std::io::stderr).init(),
    }
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
