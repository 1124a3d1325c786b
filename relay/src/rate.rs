//! A token bucket: `capacity` requests at once, refilled at `per_second`. Pure, so the
//! arithmetic is tested natively; the edge keeps one bucket per visitor thread in memory.

/// A token bucket.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TokenBucket {
    capacity: f64,
    per_second: f64,
    tokens: f64,
    updated_ms: u64,
}

impl TokenBucket {
    /// A full bucket.
    pub fn new(capacity: u32, per_second: f64, now_ms: u64) -> Self {
        Self {
            capacity: f64::from(capacity),
            per_second,
            tokens: f64::from(capacity),
            updated_ms: now_ms,
        }
    }

    /// Takes one token at `now_ms`, or says how many whole seconds until one is available.
    pub fn take(&mut self, now_ms: u64) -> Result<(), u64> {
        let elapsed = now_ms.saturating_sub(self.updated_ms) as f64 / 1000.0;
        self.tokens = (self.tokens + elapsed * self.per_second).min(self.capacity);
        self.updated_ms = self.updated_ms.max(now_ms);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - self.tokens) / self.per_second).ceil().max(1.0) as u64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Takes at each time in `times`; checks which takes succeed (`Ok`) or the wait (`Err`).
    fn check(capacity: u32, per_second: f64, times: &[u64], expected: &[Result<(), u64>]) {
        let mut bucket = TokenBucket::new(capacity, per_second, 0);
        let actual: Vec<_> = times.iter().map(|&now| bucket.take(now)).collect();
        assert_eq!(actual, expected);
    }

    #[test]
    fn limits_bursts_and_refills() {
        check(2, 1.0, &[0, 0, 0], &[Ok(()), Ok(()), Err(1)]);
        check(2, 1.0, &[0, 0, 1000], &[Ok(()), Ok(()), Ok(())]);
        check(
            1,
            0.1,
            &[0, 0, 5000, 10_000],
            &[Ok(()), Err(10), Err(5), Ok(())],
        );
        // Refill never exceeds the capacity.
        check(1, 1.0, &[0, 60_000, 60_000], &[Ok(()), Ok(()), Err(1)]);
        // A clock that goes backwards refills nothing.
        check(1, 1.0, &[5000, 0], &[Ok(()), Err(1)]);
    }
}
