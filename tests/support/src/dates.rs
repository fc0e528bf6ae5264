//! Calendar arithmetic on UTC days, without a date crate: the simulator only needs
//! whole days, Unix seconds and RFC 3339 / `YYYY-MM-DD` text.

/// Days since 1970-01-01 (UTC).
pub type Day = i64;

pub const SECS_PER_DAY: i64 = 86_400;

/// Days since the epoch of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> Day {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The calendar date of a day number.
pub fn civil_from_days(z: Day) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

pub fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

pub fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(y) => 29,
        _ => 28,
    }
}

/// First day of the month containing `day`.
pub fn month_start(day: Day) -> Day {
    let (y, m, _) = civil_from_days(day);
    days_from_civil(y, m, 1)
}

/// Last day of the month containing `day`.
pub fn month_end(day: Day) -> Day {
    let (y, m, _) = civil_from_days(day);
    days_from_civil(y, m, days_in_month(y, m))
}

/// Monday of the ISO week containing `day`.
pub fn week_start(day: Day) -> Day {
    day - (day + 3).rem_euclid(7)
}

pub fn year_start(day: Day) -> Day {
    let (y, _, _) = civil_from_days(day);
    days_from_civil(y, 1, 1)
}

/// `YYYY-MM-DD`.
pub fn fmt_day(day: Day) -> String {
    let (y, m, d) = civil_from_days(day);
    format!("{y:04}-{m:02}-{d:02}")
}

/// `YYYY-MM`.
pub fn fmt_month(day: Day) -> String {
    let (y, m, _) = civil_from_days(day);
    format!("{y:04}-{m:02}")
}

/// RFC 3339 in UTC with a `Z` suffix, whole seconds.
pub fn fmt_rfc3339(secs: i64) -> String {
    let day = secs.div_euclid(SECS_PER_DAY);
    let rem = secs.rem_euclid(SECS_PER_DAY);
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        fmt_day(day),
        rem / 3600,
        (rem / 60) % 60,
        rem % 60
    )
}

/// Parses a strict `YYYY-MM-DD` that names an existing date.
pub fn parse_day(s: &str) -> Option<Day> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let digits = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = s.get(r)?;
        if !part.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        part.parse().ok()
    };
    let y = digits(0..4)?;
    let m = u32::try_from(digits(5..7)?).ok()?;
    let d = u32::try_from(digits(8..10)?).ok()?;
    if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
        return None;
    }
    Some(days_from_civil(y, m, d))
}

/// Parses RFC 3339 (`2025-06-15T12:00:00Z`, optional fraction, `Z` or `±HH:MM`)
/// into Unix seconds.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.len() < 20 || !s.is_ascii() {
        return None;
    }
    let day = parse_day(s.get(0..10)?)?;
    let sep = s.as_bytes()[10];
    if sep != b'T' && sep != b't' && sep != b' ' {
        return None;
    }
    let time = s.get(11..19)?;
    let tb = time.as_bytes();
    if tb[2] != b':' || tb[5] != b':' {
        return None;
    }
    let num = |p: &str| -> Option<i64> {
        if p.bytes().all(|c| c.is_ascii_digit()) {
            p.parse().ok()
        } else {
            None
        }
    };
    let (h, mi, se) = (num(&time[0..2])?, num(&time[3..5])?, num(&time[6..8])?);
    if h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let mut rest = s.get(19..)?;
    if let Some(frac) = rest.strip_prefix('.') {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return None;
        }
        rest = &frac[n..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ => {
            let b = rest.as_bytes();
            if b.len() != 6 || b[3] != b':' {
                return None;
            }
            let sign = match b[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            sign * (num(&rest[1..3])? * 3600 + num(&rest[4..6])? * 60)
        }
    };
    Some(day * SECS_PER_DAY + h * 3600 + mi * 60 + se - offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        let d = days_from_civil(2025, 6, 1);
        assert_eq!(d * SECS_PER_DAY, 1_748_736_000);
        assert_eq!(civil_from_days(d), (2025, 6, 1));
        assert_eq!(fmt_day(d), "2025-06-01");
        assert_eq!(parse_day("2025-02-29"), None);
        assert_eq!(parse_day("2024-02-29"), Some(days_from_civil(2024, 2, 29)));
        assert_eq!(parse_rfc3339("2025-06-15T12:00:00Z"), Some(1_749_988_800));
        assert_eq!(
            parse_rfc3339("2025-06-15T14:00:00+02:00"),
            Some(1_749_988_800)
        );
        assert_eq!(fmt_rfc3339(1_749_988_800), "2025-06-15T12:00:00Z");
        // 2025-06-16 is a Monday.
        let mon = days_from_civil(2025, 6, 16);
        assert_eq!(week_start(mon + 6), mon);
        assert_eq!(week_start(mon), mon);
        assert_eq!(month_end(d), days_from_civil(2025, 6, 30));
    }
}
