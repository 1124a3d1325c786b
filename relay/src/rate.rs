//! A token bucket: `capacity` requests at once, refilled at `per_second`. Pure, so the
//! arithmetic is tested natively; the edge keeps one bucket per visitor thread in memory.
//! [`address_key`] says which addresses count as one client for per-address limits.

use std::net::{IpAddr, Ipv6Addr};

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

/// The key an address is limited by: an IPv4 address whole, an IPv6 address by its /64
/// (one subscriber usually holds a whole /64, so counting single IPv6 addresses would let
/// one client take 2^64 of them). IPv4-mapped IPv6 counts as its IPv4 address; anything
/// that is not an address is `unknown` (all such requests share one key).
pub fn address_key(ip: &str) -> String {
    match ip.trim().parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) => v4.to_string(),
        Ok(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => format!("{}/64", Ipv6Addr::from(u128::from(v6) & !(u128::MAX >> 64))),
        },
        Err(_) => "unknown".to_string(),
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

    #[test]
    fn keys_addresses_by_what_one_client_holds() {
        for (ip, key) in [
            ("203.0.113.7", "203.0.113.7"),
            ("203.0.113.8", "203.0.113.8"),
            (" 203.0.113.7 ", "203.0.113.7"),
            ("10.9.0.1", "10.9.0.1"),
            ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
            ("2001:db8:1:2::9", "2001:db8:1:2::/64"),
            ("2001:DB8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),
            ("2001:db8:1:3::1", "2001:db8:1:3::/64"),
            ("2001:db8::1", "2001:db8::/64"),
            ("::1", "::/64"),
            ("fe80::1", "fe80::/64"),
            ("::ffff:203.0.113.7", "203.0.113.7"),
            ("::ffff:cb00:7107", "203.0.113.7"),
            ("", "unknown"),
            ("unknown", "unknown"),
            ("203.0.113.7:443", "unknown"),
            ("[2001:db8::1]", "unknown"),
            ("2001:db8::1%eth0", "unknown"),
            ("203.0.113.7, 10.0.0.1", "unknown"),
            ("256.0.0.1", "unknown"),
        ] {
            assert_eq!(address_key(ip), key, "{ip:?}");
        }
    }
}
