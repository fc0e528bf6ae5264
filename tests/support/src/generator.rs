//! The deterministic cost generator of tools.md 14.3 and the precomputed world the
//! routes read from. Everything is computed once at start-up so that a request only
//! sums precomputed numbers.

use crate::dates::{self, Day};
use crate::fixtures::{Fixtures, Line};

/// First day with cost data.
pub fn data_start() -> Day {
    dates::days_from_civil(2024, 7, 1)
}

/// The anomaly day: line 1 costs three times its usual amount.
pub fn anomaly_day() -> Day {
    dates::days_from_civil(2025, 6, 10)
}

/// `f = ((days_since_epoch(day) × 7 + line × 3) mod 11) − 5`.
pub fn f_value(line: u32, day: Day) -> i64 {
    (day * 7 + i64::from(line) * 3).rem_euclid(11) - 5
}

/// `billed_cost(line, day)` in cents: `base × (1 + f/100)` is exact in cents because
/// every base is a whole amount.
pub fn billed_cents(line: &Line, day: Day) -> i64 {
    let cents = line.base * (100 + f_value(line.n, day));
    if line.n == 1 && day == anomaly_day() {
        cents * 3
    } else {
        cents
    }
}

/// Effective cost factor: line 1 is covered by a savings plan.
pub fn effective_factor(line: &Line) -> f64 {
    if line.n == 1 { 0.9 } else { 1.0 }
}

pub const LIST_FACTOR: f64 = 1.15;

/// Rounds to two decimals (amounts).
pub fn round2(x: f64) -> f64 {
    let r = (x * 100.0).round() / 100.0;
    if r == 0.0 { 0.0 } else { r }
}

/// Rounds to `n` significant digits (ratios such as cost per unit).
pub fn round_sig(x: f64, n: i32) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return 0.0;
    }
    let mag = x.abs().log10().floor() as i32;
    let scale = 10f64.powi(n - 1 - mag);
    (x * scale).round() / scale
}

/// Fixtures plus the generated daily costs.
pub struct World {
    pub fx: Fixtures,
    /// Simulated now, Unix seconds.
    pub now: i64,
    pub today: Day,
    pub first_day: Day,
    /// Yesterday: the last day with cost data (may be before `first_day`).
    pub last_day: Day,
    /// Per line (index into `fx.lines`): prefix sums of billed cost by day offset.
    prefix_billed: Vec<Vec<f64>>,
}

impl World {
    pub fn new(now: i64) -> World {
        let fx = Fixtures::build();
        let today = now.div_euclid(dates::SECS_PER_DAY);
        let first_day = data_start();
        let last_day = today - 1;
        let ndays = usize::try_from((last_day - first_day + 1).max(0)).unwrap_or(0);
        let prefix_billed = fx
            .lines
            .iter()
            .map(|l| {
                let mut p = Vec::with_capacity(ndays + 1);
                let mut acc = 0.0;
                p.push(acc);
                for i in 0..ndays {
                    acc += billed_cents(l, first_day + i as Day) as f64 / 100.0;
                    p.push(acc);
                }
                p
            })
            .collect();
        World {
            fx,
            now,
            today,
            first_day,
            last_day,
            prefix_billed,
        }
    }

    pub fn has_data(&self, day: Day) -> bool {
        day >= self.first_day && day <= self.last_day
    }

    /// Billed cost of a line (index into `fx.lines`) on a day; 0 outside the data range.
    pub fn billed(&self, idx: usize, day: Day) -> f64 {
        if !self.has_data(day) {
            return 0.0;
        }
        billed_cents(&self.fx.lines[idx], day) as f64 / 100.0
    }

    /// Sum of billed cost of a line over `from..=to`, clamped to the data range.
    pub fn billed_range(&self, idx: usize, from: Day, to: Day) -> f64 {
        let from = from.max(self.first_day);
        let to = to.min(self.last_day);
        if to < from {
            return 0.0;
        }
        let p = &self.prefix_billed[idx];
        let a = (from - self.first_day) as usize;
        let b = (to - self.first_day) as usize + 1;
        match (p.get(b), p.get(a)) {
            (Some(hi), Some(lo)) => hi - lo,
            _ => 0.0,
        }
    }

    /// Indices of an organization's lines.
    pub fn line_indices(&self, org: char) -> Vec<usize> {
        (0..self.fx.lines.len())
            .filter(|&i| self.fx.lines[i].org == org)
            .collect()
    }

    /// Days with data in the current month so far, and the days of the month.
    pub fn month_progress(&self) -> (Day, Day, i64) {
        let start = dates::month_start(self.today);
        let end = dates::month_end(self.today);
        (start, self.last_day.min(end), end - start + 1)
    }

    /// Month-to-date billed cost of some lines and its linear projection to month end.
    pub fn cost_and_forecast(&self, lines: &[usize]) -> (f64, f64) {
        let (start, last, days_in_month) = self.month_progress();
        let cost: f64 = lines
            .iter()
            .map(|&i| self.billed_range(i, start, last))
            .sum();
        let elapsed = (last - start + 1).max(0);
        let forecast = if elapsed > 0 {
            cost / elapsed as f64 * days_in_month as f64
        } else {
            0.0
        };
        (round2(cost), round2(forecast))
    }

    /// Last month's billed cost of some lines.
    pub fn last_month_cost(&self, lines: &[usize]) -> f64 {
        let end = dates::month_start(self.today) - 1;
        let start = dates::month_start(end);
        round2(
            lines
                .iter()
                .map(|&i| self.billed_range(i, start, end))
                .sum(),
        )
    }

    /// Lifetime billed cost of some lines.
    pub fn total_cost(&self, lines: &[usize]) -> f64 {
        round2(
            lines
                .iter()
                .map(|&i| self.billed_range(i, self.first_day, self.last_day))
                .sum(),
        )
    }

    /// Lines (indices) whose pool is in the subtree of `pool_id`.
    pub fn subtree_lines(&self, pool_id: &str) -> Vec<usize> {
        let pools: Vec<&str> = self
            .fx
            .subtree(pool_id)
            .iter()
            .map(|p| p.id.as_str())
            .collect();
        (0..self.fx.lines.len())
            .filter(|&i| pools.contains(&self.fx.lines[i].pool.as_str()))
            .collect()
    }

    /// Midnight (Unix seconds) of a day.
    pub fn ts(day: Day) -> i64 {
        day * dates::SECS_PER_DAY
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn world() -> World {
        World::new(dates::parse_rfc3339("2025-06-15T12:00:00Z").unwrap_or(0))
    }

    #[test]
    fn formula_line_1_on_2025_06_01() {
        let w = world();
        let day = dates::days_from_civil(2025, 6, 1);
        // days_since_epoch = 20240; f = ((20240*7 + 3) mod 11) - 5
        let f = (20240 * 7 + 3) % 11 - 5;
        assert_eq!(f_value(1, day), f);
        let expected = ((95.0 * (1.0 + f as f64 / 100.0)) * 100.0_f64).round() / 100.0;
        assert_eq!(w.billed(0, day), expected);
    }

    #[test]
    fn anomaly_triples_line_1() {
        let w = world();
        let day = anomaly_day();
        let normal = (95 * (100 + f_value(1, day))) as f64 / 100.0;
        assert_eq!(w.billed(0, day), round2(normal * 3.0));
        // Other lines are unaffected.
        let l2 = &w.fx.lines[1];
        assert_eq!(
            w.billed(1, day),
            (l2.base * (100 + f_value(2, day))) as f64 / 100.0
        );
    }

    #[test]
    fn data_range_ends_yesterday() {
        let w = world();
        assert_eq!(w.last_day, dates::days_from_civil(2025, 6, 14));
        assert_eq!(w.billed(0, w.today), 0.0);
        assert_eq!(w.billed(0, data_start() - 1), 0.0);
        let d = dates::days_from_civil(2025, 6, 3);
        assert!((w.billed_range(0, d, d) - w.billed(0, d)).abs() < 1e-9);
    }
}
