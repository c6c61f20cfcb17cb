//! Time as CloudFront sees it: whole seconds since 1970-01-01 UTC (docs/cloudfront-format.md §8).

use core::fmt;
use core::time::Duration;

#[cfg(any(feature = "std", feature = "time"))]
use crate::Error;

/// A point in time as CloudFront's `AWS:EpochTime`: whole seconds since the Unix epoch, UTC.
///
/// Conversions from finer clocks round *down*, and adding a [`Duration`] ignores its
/// sub-second part, so an expiry is never later than what the caller asked for.
///
/// ```
/// use core::time::Duration;
/// use cfsign::EpochSeconds;
///
/// let now = EpochSeconds::new(1_767_200_000);
/// let expires = now.checked_add(Duration::from_millis(3_600_999)).unwrap();
/// assert_eq!(expires.as_secs(), 1_767_203_600);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct EpochSeconds(u64);

impl EpochSeconds {
    /// The Unix epoch.
    pub const UNIX_EPOCH: EpochSeconds = EpochSeconds(0);

    /// From seconds since the Unix epoch.
    #[must_use]
    pub const fn new(secs: u64) -> Self {
        EpochSeconds(secs)
    }

    /// Seconds since the Unix epoch.
    #[must_use]
    pub const fn as_secs(self) -> u64 {
        self.0
    }

    /// The current time from the system clock, rounded down to the second.
    ///
    /// # Panics
    /// Never; a system clock set before 1970 reads as the epoch itself.
    #[cfg(feature = "std")]
    #[must_use]
    pub fn now() -> Self {
        Self::try_from(std::time::SystemTime::now()).unwrap_or(Self::UNIX_EPOCH)
    }

    /// `self + duration`, whole seconds only (the sub-second part is dropped, never rounded up).
    ///
    /// Returns `None` on overflow.
    #[must_use]
    pub const fn checked_add(self, duration: Duration) -> Option<Self> {
        match self.0.checked_add(duration.as_secs()) {
            Some(s) => Some(EpochSeconds(s)),
            None => None,
        }
    }

    /// `self - duration`, whole seconds only; `None` before the epoch.
    #[must_use]
    pub const fn checked_sub(self, duration: Duration) -> Option<Self> {
        match self.0.checked_sub(duration.as_secs()) {
            Some(s) => Some(EpochSeconds(s)),
            None => None,
        }
    }

    /// The duration from `earlier` to `self`, or `None` if `earlier` is later.
    #[must_use]
    pub const fn duration_since(self, earlier: EpochSeconds) -> Option<Duration> {
        match self.0.checked_sub(earlier.0) {
            Some(s) => Some(Duration::from_secs(s)),
            None => None,
        }
    }

    /// Writes the time as an HTTP date (IMF-fixdate; docs/cloudfront-format.md §5), as used by the
    /// `Expires` cookie attribute: `Thu, 01 Jan 2026 18:00:00 GMT`.
    pub fn fmt_http_date(self, out: &mut impl fmt::Write) -> fmt::Result {
        const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
        const MONTHS: [&str; 12] =
            ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
        let days = self.0 / 86_400;
        let rem = self.0 % 86_400;
        let (y, m, d) = civil_from_days(days);
        write!(
            out,
            "{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT",
            DAYS[(days % 7) as usize],
            d,
            MONTHS[(m - 1) as usize],
            y,
            rem / 3600,
            rem / 60 % 60,
            rem % 60
        )
    }
}

/// Days since 1970-01-01 to (year, month 1..=12, day 1..=31), proleptic Gregorian.
/// Howard Hinnant's `civil_from_days`, for non-negative day counts.
const fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    (y, m, d)
}

impl fmt::Display for EpochSeconds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl From<u64> for EpochSeconds {
    fn from(secs: u64) -> Self {
        EpochSeconds(secs)
    }
}

impl From<EpochSeconds> for u64 {
    fn from(t: EpochSeconds) -> Self {
        t.0
    }
}

#[cfg(feature = "std")]
impl TryFrom<std::time::SystemTime> for EpochSeconds {
    type Error = Error;

    /// Rounds down to the second; times before 1970 are [`Error::TimeOutOfRange`].
    fn try_from(t: std::time::SystemTime) -> Result<Self, Error> {
        t.duration_since(std::time::UNIX_EPOCH)
            .map(|d| EpochSeconds(d.as_secs()))
            .map_err(|_| Error::TimeOutOfRange)
    }
}

#[cfg(feature = "std")]
impl From<EpochSeconds> for std::time::SystemTime {
    fn from(t: EpochSeconds) -> Self {
        std::time::UNIX_EPOCH + Duration::from_secs(t.0)
    }
}

#[cfg(feature = "time")]
impl TryFrom<time::OffsetDateTime> for EpochSeconds {
    type Error = Error;

    /// Rounds down to the second; times before 1970 are [`Error::TimeOutOfRange`].
    fn try_from(t: time::OffsetDateTime) -> Result<Self, Error> {
        u64::try_from(t.unix_timestamp()).map(EpochSeconds).map_err(|_| Error::TimeOutOfRange)
    }
}

#[cfg(feature = "time")]
impl TryFrom<EpochSeconds> for time::OffsetDateTime {
    type Error = Error;

    /// Fails for times past the year 9999 (the `time` crate's range).
    fn try_from(t: EpochSeconds) -> Result<Self, Error> {
        let secs = i64::try_from(t.0).map_err(|_| Error::TimeOutOfRange)?;
        time::OffsetDateTime::from_unix_timestamp(secs).map_err(|_| Error::TimeOutOfRange)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::String;

    fn http_date(secs: u64) -> String {
        let mut s = String::new();
        EpochSeconds::new(secs).fmt_http_date(&mut s).unwrap();
        s
    }

    #[test]
    fn http_dates() {
        assert_eq!(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(http_date(1_767_290_400), "Thu, 01 Jan 2026 18:00:00 GMT");
        assert_eq!(http_date(951_782_400), "Tue, 29 Feb 2000 00:00:00 GMT");
        assert_eq!(http_date(4_133_980_799), "Fri, 31 Dec 2100 23:59:59 GMT");
    }

    #[test]
    fn durations_never_round_up() {
        let t = EpochSeconds::new(10);
        assert_eq!(t.checked_add(Duration::from_millis(1999)), Some(EpochSeconds::new(11)));
        assert_eq!(EpochSeconds::new(u64::MAX).checked_add(Duration::from_secs(1)), None);
        assert_eq!(t.checked_sub(Duration::from_secs(11)), None);
    }

    #[cfg(feature = "std")]
    #[test]
    fn system_time_rounds_down() {
        let st = std::time::UNIX_EPOCH + Duration::from_millis(5_999);
        assert_eq!(EpochSeconds::try_from(st), Ok(EpochSeconds::new(5)));
        let before = std::time::UNIX_EPOCH - Duration::from_secs(1);
        assert_eq!(EpochSeconds::try_from(before), Err(Error::TimeOutOfRange));
    }

    #[cfg(feature = "time")]
    #[test]
    fn offset_date_time() {
        let t = time::OffsetDateTime::from_unix_timestamp_nanos(1_767_290_400_999_999_999).unwrap();
        assert_eq!(EpochSeconds::try_from(t), Ok(EpochSeconds::new(1_767_290_400)));
        let back = time::OffsetDateTime::try_from(EpochSeconds::new(1_767_290_400)).unwrap();
        assert_eq!(back.unix_timestamp(), 1_767_290_400);
        let neg = time::OffsetDateTime::from_unix_timestamp(-1).unwrap();
        assert_eq!(EpochSeconds::try_from(neg), Err(Error::TimeOutOfRange));
        assert!(time::OffsetDateTime::try_from(EpochSeconds::new(u64::MAX)).is_err());
    }
}
