//! Local time in a brand's zone, through a [`ZoneClock`].
//!
//! The Worker knows IANA zones through the runtime's `Intl` (as
//! `edge/thread/object/assistant.rs` reads them), which native code cannot call; so the
//! figures take a clock that gives the zone's UTC offset at an instant, and derive the local
//! weekday, minute and date from it. The edge implements it with `Intl`; tests and fixed
//! zones (Asia/Shanghai is +8 all year) use [`FixedOffset`].

/// Milliseconds in a minute.
pub const MINUTE_MS: u64 = 60_000;
/// Milliseconds in a day.
pub const DAY_MS: u64 = 24 * 60 * MINUTE_MS;

/// A time zone: its offset from UTC at an instant.
pub trait ZoneClock {
    /// Minutes to add to UTC to read the zone's clock at `at` (ms since the epoch).
    fn offset_minutes(&self, at: u64) -> i32;
}

/// A zone whose offset never changes, in minutes east of UTC.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FixedOffset(pub i32);

impl ZoneClock for FixedOffset {
    fn offset_minutes(&self, _at: u64) -> i32 {
        self.0
    }
}

/// An instant as the zone's clock reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Local {
    /// Days since 1970-01-01 in the zone.
    pub day: i64,
    /// 1 = Monday … 7 = Sunday.
    pub weekday: u8,
    /// Minute of the day, 0 to 1439.
    pub minute: u32,
}

/// The local reading of `at`.
pub fn local(zone: &dyn ZoneClock, at: u64) -> Local {
    let ms = local_ms(zone, at);
    let day = ms.div_euclid(DAY_MS as i64);
    Local {
        day,
        weekday: weekday(day),
        minute: (ms.rem_euclid(DAY_MS as i64) / MINUTE_MS as i64) as u32,
    }
}

/// `at` on the zone's clock, as ms since the local epoch.
pub fn local_ms(zone: &dyn ZoneClock, at: u64) -> i64 {
    at as i64 + i64::from(zone.offset_minutes(at)) * MINUTE_MS as i64
}

/// The instant the zone's clock reads `local` (ms since the local epoch). Around a change
/// of offset, the offset is taken where the clock is read with the offset at `local`
/// itself, which is exact everywhere but inside the hour a change skips or repeats.
pub fn instant(zone: &dyn ZoneClock, local: i64) -> i64 {
    let guess = local - i64::from(zone.offset_minutes(local.max(0) as u64)) * MINUTE_MS as i64;
    local - i64::from(zone.offset_minutes(guess.max(0) as u64)) * MINUTE_MS as i64
}

/// The ISO weekday of a day since 1970-01-01 (a Thursday).
pub fn weekday(day: i64) -> u8 {
    ((day + 3).rem_euclid(7) + 1) as u8
}

/// A day since 1970-01-01 as `YYYY-MM-DD` (proleptic Gregorian; H. Hinnant's
/// `civil_from_days`).
pub fn date(day: i64) -> String {
    let z = day + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}
