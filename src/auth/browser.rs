//! Opening the system browser without waiting for it: `$BROWSER` when set (as
//! the `open` crate ignores it), else the platform's opener.

use std::process::{Command, Stdio};

/// Why no browser was opened; the caller then shows the link itself.
#[derive(Debug, thiserror::Error)]
pub enum BrowserError {
    #[error("none of the programs in $BROWSER could be started")]
    NoneStarted,
    #[error("cannot open a browser: {0}")]
    Opener(std::io::Error),
}

/// Try to open `url`; `Ok(description)` says what was launched.
pub fn open(url: &str) -> Result<String, BrowserError> {
    open_with(std::env::var("BROWSER").ok().as_deref(), url)
}

/// [`open`] with `$BROWSER` given.
fn open_with(browser: Option<&str>, url: &str) -> Result<String, BrowserError> {
    if let Some(browser) = browser {
        // Like xdg-open: a colon-separated list, `%s` replaced by the URL.
        for candidate in browser.split(':').map(str::trim).filter(|c| !c.is_empty()) {
            let mut parts = candidate.split_whitespace();
            let Some(program) = parts.next() else {
                continue;
            };
            let mut args: Vec<String> = parts.map(str::to_string).collect();
            if args.iter().any(|a| a.contains("%s")) {
                for a in &mut args {
                    *a = a.replace("%s", url);
                }
            } else {
                args.push(url.to_string());
            }
            let spawned = Command::new(program)
                .args(&args)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .spawn();
            match spawned {
                Ok(child) => {
                    reap(child);
                    return Ok(format!("opened with $BROWSER ({program})"));
                }
                Err(e) => tracing::debug!("cannot start {program}: {e}"),
            }
        }
        return Err(BrowserError::NoneStarted);
    }
    open::that_detached(url)
        .map(|()| "opened in the default browser".to_string())
        .map_err(BrowserError::Opener)
}

/// Wait for the child on a thread of its own, so that it does not stay behind as
/// a zombie for the life of the server (one per sign-in otherwise).
fn reap(mut child: std::process::Child) {
    let waiter = std::thread::Builder::new()
        .name("browser-wait".into())
        .spawn(move || {
            let _ = child.wait();
        });
    if let Err(e) = waiter {
        tracing::debug!("cannot wait for the browser process: {e}");
    }
}

#[cfg(test)]
#[cfg(target_os = "linux")]
mod tests {
    use super::*;

    #[test]
    fn a_browser_list_of_programs_that_cannot_start_says_so() {
        let err = open_with(
            Some("/nonexistent/browser-a : /nonexistent/browser-b %s"),
            "https://x",
        )
        .unwrap_err();
        assert!(matches!(err, BrowserError::NoneStarted), "{err}");
        assert_eq!(
            err.to_string(),
            "none of the programs in $BROWSER could be started"
        );
    }

    /// Children of this process that exited and were never waited for, by name.
    fn zombies_named(name: &str) -> usize {
        let me = std::process::id().to_string();
        std::fs::read_dir("/proc")
            .unwrap()
            .flatten()
            .filter_map(|e| std::fs::read_to_string(e.path().join("stat")).ok())
            .filter(|stat| {
                let Some((comm, rest)) = stat.split_once(") ") else {
                    return false;
                };
                let mut fields = rest.split(' ');
                comm.ends_with(&format!("({name}"))
                    && fields.next() == Some("Z")
                    && fields.next() == Some(me.as_str())
            })
            .count()
    }

    #[test]
    fn the_browser_process_is_reaped() {
        let marker = std::env::temp_dir().join(format!("brz{}", fastrand::u32(..)));
        let script = format!("{}.sh", marker.display());
        std::fs::write(&script, "#!/bin/sh\nexit 0\n").unwrap();
        std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
        let name: String = std::path::Path::new(&script)
            .file_name()
            .unwrap()
            .to_string_lossy()
            .chars()
            .take(15)
            .collect();
        for _ in 0..3 {
            open_with(Some(&script), "https://id.example/auth").unwrap();
        }
        // The script ends at once; then its exit is either collected or not.
        std::thread::sleep(std::time::Duration::from_millis(300));
        let started = std::time::Instant::now();
        while zombies_named(&name) > 0 && started.elapsed().as_secs() < 3 {
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let _ = std::fs::remove_file(&script);
        assert_eq!(zombies_named(&name), 0, "a <defunct> browser child stays");
    }
}
