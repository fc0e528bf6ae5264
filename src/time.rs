//! The one calendar of the crate (UTC, no dependencies): dates as tools take them
//! (`YYYY-MM-DD`, with their Unix-second bounds), and RFC 3339 timestamps for
//! `status`.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

impl Date {
    /// Parse `YYYY-MM-DD` strictly: four-digit year, two-digit month and day, a day
    /// that exists (leap years counted).
    pub fn parse(text: &str) -> Option<Date> {
        let b = text.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let digits = |r: std::ops::Range<usize>| -> Option<u32> {
            let s = text.get(r)?;
            s.bytes()
                .all(|c| c.is_ascii_digit())
                .then(|| s.parse().ok())
                .flatten()
        };
        let year = digits(0..4)? as i32;
        let month = digits(5..7)?;
        let day = digits(8..10)?;
        if year < 1970 || !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month)
        {
            return None;
        }
        Some(Date { year, month, day })
    }

    pub fn is_first_of_month(self) -> bool {
        self.day == 1
    }

    pub fn is_last_of_month(self) -> bool {
        self.day == days_in_month(self.year, self.month)
    }

    /// The last day of this date's month.
    pub fn end_of_month(self) -> Date {
        Date {
            day: days_in_month(self.year, self.month),
            ..self
        }
    }

    /// Days since 1970-01-01.
    pub fn days_since_epoch(self) -> i64 {
        // Howard Hinnant's days_from_civil.
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The date `days` days after 1970-01-01 (Howard Hinnant's civil_from_days).
    pub fn from_days(days: i64) -> Date {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Date { year, month, day }
    }

    /// Today in UTC.
    pub fn today() -> Date {
        Date::from_days((unix_now() / 86_400) as i64)
    }

    /// This date moved by `days` (negative: earlier).
    pub fn add_days(self, days: i64) -> Date {
        Date::from_days(self.days_since_epoch() + days)
    }

    /// 00:00:00 UTC of this day, in Unix seconds.
    pub fn start_unix(self) -> i64 {
        self.days_since_epoch() * 86_400
    }

    /// 23:59:59 UTC of this day, in Unix seconds.
    pub fn end_unix(self) -> i64 {
        self.start_unix() + 86_399
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

/// `2025-06-15T12:00:00Z`.
pub fn rfc3339(unix: u64) -> String {
    let date = Date::from_days((unix / 86_400) as i64);
    let secs = unix % 86_400;
    format!(
        "{date}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        (secs % 3600) / 60,
        secs % 60
    )
}

/// Seconds since 1970 by the system clock (0 if the clock is set before it).
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::{Date, rfc3339};

    #[test]
    fn parses_only_real_dates() {
        assert!(Date::parse("2024-02-29").is_some());
        for bad in [
            "2025-02-29",
            "2025-13-01",
            "2025-00-10",
            "2025-04-31",
            "05/01/2025",
            "2025-5-01",
            "2025-05-01T00:00:00Z",
            "+025-05-01",
            "2025-05-0a",
            "",
            "1969-12-31",
        ] {
            assert!(Date::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn unix_bounds_match_the_spec_examples() {
        assert_eq!(
            Date::parse("2025-06-01").unwrap().start_unix(),
            1_748_736_000
        );
        assert_eq!(Date::parse("2025-06-14").unwrap().end_unix(), 1_749_945_599);
        assert_eq!(Date::parse("1970-01-01").unwrap().days_since_epoch(), 0);
    }

    #[test]
    fn month_boundaries() {
        let d = Date::parse("2024-02-29").unwrap();
        assert!(d.is_last_of_month());
        assert!(!Date::parse("2025-03-30").unwrap().is_last_of_month());
        assert!(Date::parse("2025-03-01").unwrap().is_first_of_month());
        assert_eq!(
            Date::parse("2025-02-10")
                .unwrap()
                .end_of_month()
                .to_string(),
            "2025-02-28"
        );
    }

    #[test]
    fn formats_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_749_988_800), "2025-06-15T12:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn days_round_trip() {
        for days in [0, 59, 365, 10_957, 19_000, 20_454, 40_000] {
            assert_eq!(Date::from_days(days).days_since_epoch(), days);
        }
        assert_eq!(
            Date::parse("2024-03-01").unwrap().add_days(-1).to_string(),
            "2024-02-29"
        );
    }
}
