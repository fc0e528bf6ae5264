//! How long to wait before retrying a 429 or 502/503/504.

use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, RETRY_AFTER};

/// The longest `Retry-After` we wait out inside one tool call; beyond it the call
/// ends at once and tells the model how long to wait.
pub const MAX_RETRY_AFTER_SECS: u64 = 10;

/// `Retry-After` as seconds from now (RFC 9110: delay-seconds or an HTTP date).
pub fn retry_after(headers: &HeaderMap) -> Option<u64> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(secs);
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(
        when.duration_since(SystemTime::now())
            .map(|d| d.as_secs() + u64::from(d.subsec_nanos() > 0))
            .unwrap_or(0),
    )
}

/// The wait before the next attempt: `Retry-After` when it is short enough,
/// otherwise jittered exponential backoff from 0.5 s. `None` means do not retry.
pub fn delay(retry_after: Option<u64>, attempt: u32) -> Option<Duration> {
    match retry_after {
        Some(secs) if secs > MAX_RETRY_AFTER_SECS => None,
        Some(secs) => Some(Duration::from_secs(secs)),
        None => {
            let base = 0.5 * f64::from(1u32 << (attempt.saturating_sub(1)).min(6));
            let jitter = 0.5 + fastrand::f64();
            Some(Duration::from_secs_f64(base * jitter))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn retry_after_in_seconds_and_as_a_date() {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_static("2"));
        assert_eq!(retry_after(&h), Some(2));
        let later = SystemTime::now() + Duration::from_secs(5);
        h.insert(
            RETRY_AFTER,
            HeaderValue::from_str(&httpdate::fmt_http_date(later)).unwrap(),
        );
        let secs = retry_after(&h).unwrap();
        assert!((4..=6).contains(&secs), "{secs}");
        h.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&h), None);
    }

    #[test]
    fn backoff_is_bounded_and_long_waits_are_refused() {
        assert_eq!(delay(Some(11), 1), None);
        assert_eq!(delay(Some(3), 1), Some(Duration::from_secs(3)));
        for _ in 0..100 {
            let d = delay(None, 1).unwrap();
            assert!(d >= Duration::from_millis(250) && d <= Duration::from_millis(750));
            let d = delay(None, 2).unwrap();
            assert!(d >= Duration::from_millis(500) && d <= Duration::from_millis(1500));
        }
    }
}
