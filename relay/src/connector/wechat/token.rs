//! The access token's rules, in pure code: when the one holder hands out the token it has
//! and when it fetches another. It refreshes [`REFRESH_AHEAD_MS`] before expiry; since the
//! stable-token API may answer the same token until its last minutes, a holder whose token
//! is past that point but still good asks again at most once per [`REFETCH_MS`] (handing
//! out the token it has meanwhile), so deliveries never queue behind a fetch that changes
//! nothing.

use serde::{Deserialize, Serialize};

/// An access token and when it expires.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessToken {
    /// The token.
    pub token: String,
    /// When it stops working (ms).
    pub expires_at: u64,
}

/// Refresh a token this long before it expires, so no call carries one about to lapse.
pub const REFRESH_AHEAD_MS: u64 = 10 * 60 * 1000;

/// Within [`REFRESH_AHEAD_MS`] of expiry, fetch again at most this often.
pub const REFETCH_MS: u64 = 60 * 1000;

/// A token with less than this to live is never handed out.
pub const MIN_LIFE_MS: u64 = 30 * 1000;

impl AccessToken {
    /// Whether the token has more than [`REFRESH_AHEAD_MS`] to live at `now` (ms).
    pub fn fresh(&self, now: u64) -> bool {
        now.saturating_add(REFRESH_AHEAD_MS) < self.expires_at
    }

    /// Whether the token may still be carried by a call made at `now`.
    pub fn usable(&self, now: u64) -> bool {
        now.saturating_add(MIN_LIFE_MS) < self.expires_at
    }
}

/// What the holder does when asked at `now`: the token to hand out, or `None` to fetch one
/// (and hand that out). `held` is its token, `refused` whether the caller says WeChat
/// refused it, `last_fetch_at` when it last asked WeChat (ms; 0: never).
pub fn to_hand_out(
    held: Option<&AccessToken>,
    refused: bool,
    last_fetch_at: u64,
    now: u64,
) -> Option<&AccessToken> {
    let held = held.filter(|held| !refused && held.usable(now))?;
    let asked_lately = last_fetch_at > 0 && now < last_fetch_at.saturating_add(REFETCH_MS);
    (held.fresh(now) || asked_lately).then_some(held)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_shared_until_it_nears_expiry_and_refetched_at_most_once_a_minute() {
        let hour = 3_600_000;
        let token = AccessToken {
            token: "t".into(),
            expires_at: 2 * hour,
        };
        let ahead = 2 * hour - REFRESH_AHEAD_MS;
        for (held, refused, last_fetch_at, now, handed) in [
            (None, false, 0, 0, false),
            (Some(&token), false, 1, 1, true),
            (Some(&token), false, 1, ahead - 1, true),
            // Near expiry: fetch, unless a fetch was made within the minute.
            (Some(&token), false, 1, ahead, false),
            (Some(&token), false, ahead, ahead + 59_999, true),
            (Some(&token), false, ahead, ahead + REFETCH_MS, false),
            // Never a token about to lapse, nor one WeChat refused.
            (
                Some(&token),
                false,
                2 * hour - 40_000,
                2 * hour - MIN_LIFE_MS,
                false,
            ),
            (Some(&token), true, 1, 1, false),
        ] {
            assert_eq!(
                to_hand_out(held, refused, last_fetch_at, now).is_some(),
                handed,
                "{held:?} refused {refused} fetched {last_fetch_at} at {now}"
            );
        }
    }
}
