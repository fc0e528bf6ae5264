//! Everything bound for a terminal: text from servers made harmless, output that
//! ends quietly when the reader goes away, and a countdown while waiting.
//!
//! Server-controlled text (an identity provider's `error_description`, names from
//! an ID token, API error bodies) can carry escape sequences that recolour, clear
//! or retitle a terminal, and newlines that forge extra lines. Commands print such
//! text through [`Clean`], and print whole error messages through it too: our own
//! messages are one line and free of control characters, so only foreign text is
//! changed.

use std::borrow::Cow;
use std::fmt::{self, Write as _};
use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Text shown with every control character as a visible escape (`\u{1b}`, `\n`).
pub struct Clean<T>(pub T);

impl<T: fmt::Display> fmt::Display for Clean<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(Escaping(f), "{}", self.0)
    }
}

/// Passes text on, escaping what a terminal would act on.
struct Escaping<'a, 'b>(&'a mut fmt::Formatter<'b>);

impl fmt::Write for Escaping<'_, '_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let mut rest = s;
        while let Some(at) = rest.find(is_unsafe) {
            self.0.write_str(&rest[..at])?;
            let c = rest[at..].chars().next().unwrap_or_default();
            write!(self.0, "{}", c.escape_default())?;
            rest = &rest[at + c.len_utf8()..];
        }
        self.0.write_str(rest)
    }
}

/// C0 and C1 controls and DEL (ESC, CR, LF, TAB included), and the bidirectional
/// overrides that make a terminal show text in another order than it reads.
pub fn is_unsafe(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// JSON text with the characters JSON leaves raw (DEL, C1 controls, bidi
/// overrides) written as `\u` escapes: the same JSON value, safe to print. Such
/// characters can only occur inside strings of valid JSON, where `\u` escapes
/// mean the same character. Line feeds and tabs outside strings are layout and
/// stay; a carriage return there becomes a space.
pub fn json_for_terminal(json: &str) -> Cow<'_, str> {
    let escaped = |c: char| is_unsafe(c) && c != '\n' && c != '\t';
    if !json.contains(escaped) {
        return Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if c == '\r' {
            out.push(' ');
        } else if escaped(c) {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                let _ = write!(out, "\\u{unit:04x}");
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

static STDOUT_GONE: AtomicBool = AtomicBool::new(false);
static STDERR_GONE: AtomicBool = AtomicBool::new(false);

/// Print a line on stdout. When the reader has gone (`status | head -1`) the
/// command carries on silently and exits as it would have: `println!` would panic.
pub fn out_line(args: fmt::Arguments<'_>) {
    write_line(&mut std::io::stdout().lock(), args, &STDOUT_GONE);
}

/// Print a line on stderr, quietly giving up when stderr is closed.
pub fn err_line(args: fmt::Arguments<'_>) {
    write_line(&mut std::io::stderr().lock(), args, &STDERR_GONE);
}

fn write_line(w: &mut impl Write, args: fmt::Arguments<'_>, gone: &AtomicBool) {
    if gone.load(Ordering::Relaxed) {
        return;
    }
    // One write per line: stderr is unbuffered, and a child that shares it (the
    // browser) must not land in the middle of our line.
    let mut line = args.to_string();
    line.push('\n');
    if w.write_all(line.as_bytes())
        .and_then(|()| w.flush())
        .is_err()
    {
        gone.store(true, Ordering::Relaxed);
    }
}

/// `println!` that survives a closed stdout.
macro_rules! outln {
    ($($arg:tt)*) => { $crate::terminal::out_line(format_args!($($arg)*)) };
}

/// `eprintln!` that survives a closed stderr.
macro_rules! errln {
    ($($arg:tt)*) => { $crate::terminal::err_line(format_args!($($arg)*)) };
}

pub(crate) use {errln, outln};

/// Whether stderr is an interactive terminal that welcomes live updates.
pub fn live_stderr() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

/// Run `work`, showing a spinner and the time left on stderr meanwhile; where
/// stderr is not a live terminal, one line saying how long it may take.
pub async fn with_countdown<T>(label: &str, timeout: Duration, work: impl Future<Output = T>) -> T {
    if !live_stderr() {
        err_line(format_args!(
            "{label} (up to {} s; Ctrl-C to cancel)…",
            timeout.as_secs()
        ));
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
                    "\r{} {label}… {}:{:02} left (Ctrl-C to cancel) ",
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

#[cfg(test)]
mod tests {
    use super::*;

    fn clean(s: &str) -> String {
        Clean(s).to_string()
    }

    #[test]
    fn control_characters_become_visible_escapes() {
        assert_eq!(
            clean("bad\x1b[2J\x1b]0;title\x07\r\nline\ttab\x7f\u{9b}31m"),
            "bad\\u{1b}[2J\\u{1b}]0;title\\u{7}\\r\\nline\\ttab\\u{7f}\\u{9b}31m"
        );
        assert_eq!(clean("\u{202e}txt.exe"), "\\u{202e}txt.exe");
        assert_eq!(clean("\0"), "\\u{0}");
    }

    #[test]
    fn ordinary_text_is_unchanged() {
        let text = "Zoë Ünal <zoe@example.com> — 東京 🚀 C:\\path \"quoted\" 'single'";
        assert_eq!(clean(text), text);
        assert_eq!(clean(""), "");
    }

    #[test]
    fn escaped_text_has_no_control_characters_left() {
        let all: String = (0u32..0x3000).filter_map(char::from_u32).collect();
        assert!(!clean(&all).contains(is_unsafe));
        let json = serde_json::to_string_pretty(&serde_json::json!({ "all": all })).unwrap();
        let shown = json_for_terminal(&json);
        assert!(!shown.contains(|c| is_unsafe(c) && c != '\n'), "{shown}");
    }

    #[test]
    fn clean_wraps_any_display() {
        let e = std::io::Error::other("a\nb");
        assert_eq!(format!("error: {}", Clean(&e)), "error: a\\nb");
    }

    #[test]
    fn json_keeps_its_value() {
        let value = serde_json::json!({"name": "x\u{7f}\u{85}\u{9b}y\u{202e}", "n": 1});
        let text = serde_json::to_string_pretty(&value).unwrap();
        let shown = json_for_terminal(&text);
        assert!(shown.contains("\\u007f\\u0085\\u009by\\u202e"), "{shown}");
        let back: serde_json::Value = serde_json::from_str(&shown).unwrap();
        assert_eq!(back, value);
        assert!(matches!(json_for_terminal("{\"a\": 1}"), Cow::Borrowed(_)));
    }

    #[test]
    fn a_closed_writer_ends_output_quietly() {
        struct Closed(usize);
        impl Write for Closed {
            fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
                self.0 += 1;
                Err(std::io::ErrorKind::BrokenPipe.into())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let gone = AtomicBool::new(false);
        let mut w = Closed(0);
        write_line(&mut w, format_args!("one"), &gone);
        write_line(&mut w, format_args!("two"), &gone);
        assert!(gone.load(Ordering::Relaxed));
        assert_eq!(w.0, 1, "nothing is written after the reader left");
    }
}
