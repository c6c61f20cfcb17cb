//! Durations like `90s`, `15m`, `1h`, `1h30m`, `2d`.

use std::time::Duration;

/// Parses a duration: one or more `<number><unit>` with units `s`, `m`, `h`, `d`, or a plain
/// number of seconds.
pub(crate) fn parse(text: &str) -> Result<Duration, String> {
    let err = || format!("invalid duration {text:?}: use e.g. 90s, 15m, 1h, 1h30m or 2d");
    // Only digits can fail to parse here, and only by overflowing.
    let too_large = || format!("duration {text:?} is too large");
    if text.is_empty() {
        return Err(err());
    }
    if text.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse().map(Duration::from_secs).map_err(|_| too_large());
    }
    let (mut total, mut number) = (0u64, String::new());
    for c in text.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            _ => return Err(err()),
        };
        if number.is_empty() {
            return Err(err());
        }
        let n: u64 = number.parse().map_err(|_| too_large())?;
        total = n.checked_mul(unit).and_then(|v| total.checked_add(v)).ok_or_else(too_large)?;
        number.clear();
    }
    if !number.is_empty() {
        return Err(err());
    }
    Ok(Duration::from_secs(total))
}

/// A server timeout: a [duration](parse) from a second to a day.
pub(crate) fn parse_timeout(text: &str) -> Result<Duration, String> {
    let timeout = parse(text)?;
    if timeout.is_zero() {
        return Err("a timeout of 0 would disconnect every client at once: give at least 1s".to_owned());
    }
    if timeout > cfsign_gate::Server::MAX_HEADER_READ_TIMEOUT {
        return Err(format!(
            "a timeout of {text} is longer than a day, which is no timeout: give at most 1d"
        ));
    }
    Ok(timeout)
}

/// `3 h`, `2 min`, `45 s`, `4 days`.
pub(crate) fn human(secs: u64) -> String {
    match secs {
        0..60 => format!("{secs} s"),
        60..3600 => format!("{} min", secs / 60),
        3600..172_800 => format!("{} h", secs / 3600),
        _ => format!("{} days", secs / 86_400),
    }
}

/// A point in time as `--expires`/`--date-less-than` and `--not-before`/`--date-greater-than`
/// take it — the forms `aws cloudfront sign` accepts: seconds since 1970, `YYYY-MM-DD` (0:00
/// UTC), `YYYY-MM-DDThh:mm:ss` (UTC), or with an offset, `…+hh:mm` / `…-hh:mm` (or `Z`).
pub(crate) fn parse_time(text: &str) -> Result<u64, String> {
    let err = || {
        format!(
            "invalid time {text:?}: use seconds since 1970, YYYY-MM-DD, YYYY-MM-DDThh:mm:ss (UTC) or \
             YYYY-MM-DDThh:mm:ss+hh:mm"
        )
    };
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse().map_err(|_| err());
    }
    let num = |s: &str| -> Result<i64, String> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err());
        }
        s.parse().map_err(|_| err())
    };
    let (date, time) = text.split_once('T').unwrap_or((text, ""));
    let mut d = date.split('-');
    let (Some(y), Some(mo), Some(day), None) = (d.next(), d.next(), d.next(), d.next()) else {
        return Err(err());
    };
    let (y, mo, day) = (num(y)?, num(mo)?, num(day)?);
    if y < 1970 || !(1..=12).contains(&mo) || !(1..=days_in_month(y, mo)).contains(&day) {
        return Err(err());
    }
    let (clock, offset) = match time.find(['+', '-', 'Z']) {
        Some(at) => time.split_at(at),
        None => (time, ""),
    };
    let secs_of_day = if clock.is_empty() && time.is_empty() {
        0
    } else {
        let mut c = clock.split(':');
        let (Some(h), Some(m), Some(s), None) = (c.next(), c.next(), c.next(), c.next()) else {
            return Err(err());
        };
        let (h, m, s) = (num(h)?, num(m)?, num(s)?);
        if h > 23 || m > 59 || s > 59 {
            return Err(err());
        }
        h * 3600 + m * 60 + s
    };
    let offset = match offset {
        "" | "Z" => 0,
        o => {
            let sign = if o.starts_with('-') { -1 } else { 1 };
            let (h, m) = o.get(1..).and_then(|hm| hm.split_once(':')).ok_or_else(err)?;
            let (h, m) = (num(h)?, num(m)?);
            if h > 23 || m > 59 {
                return Err(err());
            }
            sign * (h * 3600 + m * 60)
        }
    };
    let epoch = days_from_civil(y, mo, day) * 86_400 + secs_of_day - offset;
    u64::try_from(epoch).map_err(|_| err())
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse("2d"), Ok(Duration::from_secs(172_800)));
        assert_eq!(parse("600"), Ok(Duration::from_secs(600)));
        for bad in ["", "h", "1x", "1h3", "-1h", "1.5h"] {
            assert!(parse(bad).is_err_and(|e| e.starts_with("invalid duration")), "{bad}");
        }
        // Too large is said as such, not as bad syntax.
        for huge in
            ["99999999999999999999d", "99999999999999999999", "213503982334602d", "1d18446744073709551615s"]
        {
            assert_eq!(parse(huge), Err(format!("duration {huge:?} is too large")), "{huge}");
        }
        assert_eq!(parse_timeout("5s"), Ok(Duration::from_secs(5)));
        assert!(parse_timeout("0s").is_err_and(|e| e.contains("at least 1s")));
        assert_eq!(parse_timeout("1d"), Ok(Duration::from_secs(86_400)));
        for long in ["1d1s", "9223372036854775807s", "213503982334601d"] {
            assert!(parse_timeout(long).is_err_and(|e| e.contains("at most 1d")), "{long}");
        }
        assert_eq!(human(59), "59 s");
        assert_eq!(human(120), "2 min");
        assert_eq!(human(3 * 3600 + 5), "3 h");
        assert_eq!(human(5 * 86_400), "5 days");
    }

    #[test]
    fn times_as_the_aws_cli_takes_them() {
        for (text, epoch) in [
            ("1767290400", 1_767_290_400),
            ("2026-01-01", 1_767_225_600),
            ("2026-01-01T18:00:00", 1_767_290_400),
            ("2026-01-01T18:00:00Z", 1_767_290_400),
            ("2026-01-01T20:00:00+02:00", 1_767_290_400),
            ("2026-01-01T13:30:00-04:30", 1_767_290_400),
            ("2024-02-29", 1_709_164_800),
            ("1970-01-01", 0),
        ] {
            assert_eq!(parse_time(text), Ok(epoch), "{text}");
        }
        for bad in [
            "",
            "2026-13-01",
            "2026-02-29",
            "2026-01-01T24:00:00",
            "2026-1-1x",
            "tomorrow",
            "1969-12-31",
            "-5",
            "2026-01-01T18:00",
        ] {
            assert!(parse_time(bad).is_err(), "{bad}");
        }
    }
}
