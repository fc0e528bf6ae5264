//! Opening the system browser without waiting for it: `$BROWSER` when set (as
//! the `open` crate ignores it), else the platform's opener.

use std::process::{Command, Stdio};

/// Try to open `url`; `Ok(description)` says what was launched.
pub fn open(url: &str) -> Result<String, String> {
    if let Ok(browser) = std::env::var("BROWSER") {
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
                Ok(_child) => return Ok(format!("opened with $BROWSER ({program})")),
                Err(e) => tracing::debug!("cannot start {program}: {e}"),
            }
        }
        return Err("none of the programs in $BROWSER could be started".into());
    }
    open::that_detached(url)
        .map(|()| "opened in the default browser".to_string())
        .map_err(|e| format!("cannot open a browser: {e}"))
}
