//! Months and day arithmetic for the dates a prompt names (UTC).

use crate::time::Date;

/// A calendar month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Month {
    pub year: i32,
    pub month: u32,
}

impl Month {
    /// `YYYY-MM`, strictly.
    pub fn parse(text: &str) -> Option<Month> {
        let first = Date::parse(&format!("{text}-01"))?;
        (text.len() == 7).then_some(Month {
            year: first.year,
            month: first.month,
        })
    }

    pub fn of(date: Date) -> Month {
        Month {
            year: date.year,
            month: date.month,
        }
    }

    pub fn first_day(self) -> Date {
        Date {
            year: self.year,
            month: self.month,
            day: 1,
        }
    }

    pub fn last_day(self) -> Date {
        self.first_day().end_of_month()
    }

    /// The month `n` months before this one.
    pub fn back(self, n: u32) -> Month {
        let index = i64::from(self.year) * 12 + i64::from(self.month) - 1 - i64::from(n);
        Month {
            year: index.div_euclid(12) as i32,
            month: index.rem_euclid(12) as u32 + 1,
        }
    }
}

impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_parse_strictly() {
        assert_eq!(
            Month::parse("2025-05"),
            Some(Month {
                year: 2025,
                month: 5
            })
        );
        for bad in ["2025-5", "2025-13", "2025-05-01", "May 2025", "", "2025-00"] {
            assert_eq!(Month::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn months_go_back_across_years() {
        let m = Month::parse("2025-02").unwrap();
        assert_eq!(m.back(1).to_string(), "2025-01");
        assert_eq!(m.back(2).to_string(), "2024-12");
        assert_eq!(m.back(14).to_string(), "2023-12");
        assert_eq!(
            Month::parse("2024-02").unwrap().last_day().to_string(),
            "2024-02-29"
        );
    }
}
