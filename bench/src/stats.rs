//! Percentiles of samples (milliseconds).

/// Nearest-rank percentile, `q` in 0..=1; NaN for no samples.
pub fn percentile(v: &[f64], q: f64) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    if s.is_empty() {
        return f64::NAN;
    }
    let rank = ((q * s.len() as f64).ceil() as usize).clamp(1, s.len());
    s[rank - 1]
}

pub fn median(v: &[f64]) -> f64 {
    percentile(v, 0.5)
}

pub fn p95(v: &[f64]) -> f64 {
    percentile(v, 0.95)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(median(&v), 50.0);
        assert_eq!(p95(&v), 95.0);
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(p95(&[7.0]), 7.0);
        assert!(median(&[]).is_nan());
    }
}
