//! Durations like `90s`, `15m`, `1h`, `1h30m`, `2d`.

use std::time::Duration;

/// Parses a duration: one or more `<number><unit>` with units `s`, `m`, `h`, `d`, or a plain
/// number of seconds.
pub(crate) fn parse(text: &str) -> Result<Duration, String> {
    let err = || format!("invalid duration {text:?}: use e.g. 90s, 15m, 1h, 1h30m or 2d");
    if text.is_empty() {
        return Err(err());
    }
    if text.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse().map(Duration::from_secs).map_err(|_| err());
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
        let n: u64 = number.parse().map_err(|_| err())?;
        total = n.checked_mul(unit).and_then(|v| total.checked_add(v)).ok_or_else(err)?;
        number.clear();
    }
    if !number.is_empty() {
        return Err(err());
    }
    Ok(Duration::from_secs(total))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse("2d"), Ok(Duration::from_secs(172_800)));
        assert_eq!(parse("600"), Ok(Duration::from_secs(600)));
        for bad in ["", "h", "1x", "1h3", "-1h", "1.5h", "99999999999999999999d"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        assert_eq!(human(59), "59 s");
        assert_eq!(human(120), "2 min");
        assert_eq!(human(3 * 3600 + 5), "3 h");
        assert_eq!(human(5 * 86_400), "5 days");
    }
}
