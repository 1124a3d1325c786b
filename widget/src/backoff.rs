//! Reconnection and retry delays: exponential backoff with full jitter, so that thousands of
//! widgets that lost the relay at the same moment do not come back at the same moment.

/// The first retry waits up to this long.
const BASE_MS: f64 = 500.0;
/// No retry waits longer than this.
const CAP_MS: f64 = 30_000.0;

/// The delay before retry number `attempt` (0 for the first), given `random` in `[0, 1)`.
pub fn delay_ms(attempt: u32, random: f64) -> u32 {
    let ceiling = (BASE_MS * 2f64.powi(attempt.min(16) as i32)).min(CAP_MS);
    (ceiling * random.clamp(0.0, 1.0)).round() as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(attempt: u32, random: f64, expected: u32) {
        assert_eq!(
            delay_ms(attempt, random),
            expected,
            "attempt {attempt}, random {random}"
        );
    }

    #[test]
    fn grows_exponentially_with_jitter_up_to_a_cap() {
        check(0, 0.0, 0);
        check(0, 0.999, 500);
        check(1, 0.5, 500);
        check(3, 1.0, 4000);
        check(6, 1.0, 30_000);
        check(60, 1.0, 30_000);
        check(u32::MAX, 0.5, 15_000);
        check(2, -3.0, 0);
        check(2, 7.0, 2000);
    }
}
