//! Small terminal niceties: a countdown while waiting, only on a TTY and never
//! under `NO_COLOR` or when stderr is piped.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// Whether stderr is an interactive terminal that welcomes live updates.
pub fn live_stderr() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

/// Run `work`, showing a spinner and the time left on stderr meanwhile.
pub async fn with_countdown<T>(label: &str, timeout: Duration, work: impl Future<Output = T>) -> T {
    if !live_stderr() {
        return work.await;
    }
    let started = Instant::now();
    let frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
    let mut tick = tokio::time::interval(Duration::from_millis(125));
    tokio::pin!(work);
    let mut frame = 0usize;
    let result = loop {
        tokio::select! {
            out = &mut work => break out,
            _ = tick.tick() => {
                let left = timeout.saturating_sub(started.elapsed()).as_secs();
                let mut err = std::io::stderr().lock();
                let _ = write!(
                    err,
                    "\r{} {label} {}:{:02} left (Ctrl-C to cancel) ",
                    frames[frame % frames.len()],
                    left / 60,
                    left % 60
                );
                let _ = err.flush();
                frame += 1;
            }
        }
    };
    let mut err = std::io::stderr().lock();
    let _ = write!(err, "\r\x1b[2K");
    let _ = err.flush();
    result
}
