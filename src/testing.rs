//! Helpers for the unit tests.

/// How many cases a property test runs: `PROPTEST_CASES` when set, else
/// `default`, sized so that the property takes seconds in a debug build.
pub fn proptest_cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default)
}
