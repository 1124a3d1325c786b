//! Nearest-rank percentiles: the p-th percentile of n sorted values is the value at rank
//! ⌈p·n/100⌉ (1-based; rank 1 for p = 0). Always one of the values, never interpolated, so
//! a figure is a wait some visitor really had.

use confab_protocol::insights::Durations;

/// The `p`-th percentile (0 to 100) of `sorted` (ascending); `None` when empty.
pub fn nearest_rank(sorted: &[u64], p: u32) -> Option<u64> {
    let n = sorted.len() as u64;
    let rank = (u64::from(p.min(100)) * n).div_ceil(100).max(1);
    sorted.get(usize::try_from(rank - 1).ok()?).copied()
}

/// The p50 and p90 of some durations (in any order).
pub fn durations(mut values: Vec<u64>) -> Durations {
    values.sort_unstable();
    Durations {
        count: values.len() as u32,
        p50_ms: nearest_rank(&values, 50),
        p90_ms: nearest_rank(&values, 90),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_are_nearest_and_exact() {
        let ten: Vec<u64> = (1..=10).collect();
        let mut wrong = Vec::new();
        for (values, p, expected) in [
            (&[][..], 50, None),
            (&[7][..], 50, Some(7)),
            (&[7][..], 90, Some(7)),
            (&[1, 2][..], 50, Some(1)),
            (&[1, 2][..], 90, Some(2)),
            (&[1, 2, 3][..], 50, Some(2)),
            (&[1, 2, 3, 4][..], 50, Some(2)),
            (&ten[..], 50, Some(5)),
            (&ten[..], 90, Some(9)),
            (&ten[..], 91, Some(10)),
            (&ten[..], 0, Some(1)),
            (&ten[..], 100, Some(10)),
        ] {
            let got = nearest_rank(values, p);
            if got != expected {
                wrong.push(format!("p{p} of {values:?}: {got:?}, not {expected:?}"));
            }
        }
        assert!(wrong.is_empty(), "{wrong:#?}");
    }

    #[test]
    fn durations_sort_first() {
        let got = durations(vec![30, 10, 20]);
        assert_eq!((got.count, got.p50_ms, got.p90_ms), (3, Some(20), Some(30)));
    }
}
