//! Durations as connection strings write them: Go's form (`30s`, `1h30m`,
//! `1500ms`, `.5s`) or a bare number of seconds.

use std::time::Duration;

const UNITS: &[(&str, u128)] = &[
    ("ns", 1),
    ("us", 1_000),
    ("µs", 1_000),
    ("μs", 1_000),
    ("ms", 1_000_000),
    ("s", 1_000_000_000),
    ("m", 60_000_000_000),
    ("h", 3_600_000_000_000),
];

/// The accepted forms, for error messages.
pub(crate) const FORMS: &str =
    "a number of seconds (30, 1.5) or a duration such as 30s, 1500ms, 2m, 1h30m, 250us";

/// Why a duration did not parse; the caller adds the option and value.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum DurationError {
    Negative,
    Overflow,
    Malformed,
}

/// Parses `text` in Go's duration syntax; a bare number is seconds.
pub(crate) fn parse(text: &str) -> Result<Duration, DurationError> {
    if text.starts_with('-') {
        return Err(DurationError::Negative);
    }
    // Go accepts an explicit plus sign (`+1s`), as Couchbase's strings may
    // carry one.
    let text = text.strip_prefix('+').unwrap_or(text);
    if text.is_empty() {
        return Err(DurationError::Malformed);
    }
    let mut rest = text;
    let mut total: u128 = 0;
    let mut bare = true;
    while !rest.is_empty() {
        let (int, frac, after) = number(rest).ok_or(DurationError::Malformed)?;
        let (unit, after) = match UNITS
            .iter()
            .filter(|(name, _)| after.starts_with(name))
            .max_by_key(|(name, _)| name.len())
        {
            Some((name, nanos)) => {
                bare = false;
                (*nanos, &after[name.len()..])
            }
            // Only a whole text that is one plain number means seconds.
            None if bare && after.is_empty() && rest.len() == text.len() => (1_000_000_000, after),
            None => return Err(DurationError::Malformed),
        };
        total = total
            .checked_add(scale(int, frac, unit)?)
            .ok_or(DurationError::Overflow)?;
        rest = after;
    }
    let max = Duration::MAX.as_nanos();
    if total > max {
        return Err(DurationError::Overflow);
    }
    let secs = u64::try_from(total / 1_000_000_000).map_err(|_| DurationError::Overflow)?;
    Ok(Duration::new(secs, (total % 1_000_000_000) as u32))
}

/// Splits a leading decimal number into whole digits, fraction digits and the rest.
fn number(text: &str) -> Option<(&str, &str, &str)> {
    let int_end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (int, rest) = text.split_at(int_end);
    let (frac, rest) = match rest.strip_prefix('.') {
        Some(after) => {
            let end = after
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(after.len());
            after.split_at(end)
        }
        None => ("", rest),
    };
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    Some((int, frac, rest))
}

fn scale(int: &str, frac: &str, unit: u128) -> Result<u128, DurationError> {
    let whole: u128 = if int.is_empty() {
        0
    } else {
        int.parse().map_err(|_| DurationError::Overflow)?
    };
    let mut nanos = whole.checked_mul(unit).ok_or(DurationError::Overflow)?;
    // Digits beyond nanosecond precision cannot change the result.
    let mut place = unit;
    for digit in frac.bytes().take(24) {
        place /= 10;
        nanos += u128::from(digit - b'0') * place;
    }
    Ok(nanos)
}

/// Formats a duration so that [`parse`] reads it back exactly: `1h30m`,
/// `45s`, `1500ms`, `250us`, `7ns`.
pub(crate) fn format(d: Duration) -> String {
    let nanos = d.as_nanos();
    if nanos == 0 {
        return "0s".into();
    }
    if !nanos.is_multiple_of(1_000_000_000) {
        return if nanos.is_multiple_of(1_000_000) {
            format!("{}ms", nanos / 1_000_000)
        } else if nanos.is_multiple_of(1_000) {
            format!("{}us", nanos / 1_000)
        } else {
            format!("{nanos}ns")
        };
    }
    let secs = d.as_secs();
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    let mut out = String::new();
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if m > 0 {
        out.push_str(&format!("{m}m"));
    }
    if s > 0 {
        out.push_str(&format!("{s}s"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn go_forms() {
        assert_eq!(parse("30s"), Ok(ms(30_000)));
        assert_eq!(parse("2m"), Ok(ms(120_000)));
        assert_eq!(parse("1h30m"), Ok(ms(5_400_000)));
        assert_eq!(parse("1500ms"), Ok(ms(1_500)));
        assert_eq!(parse("250us"), Ok(Duration::from_micros(250)));
        assert_eq!(parse("250µs"), Ok(Duration::from_micros(250)));
        assert_eq!(parse("7ns"), Ok(Duration::from_nanos(7)));
        assert_eq!(parse(".5s"), Ok(ms(500)));
        assert_eq!(parse("1.25m"), Ok(ms(75_000)));
        assert_eq!(parse("1m0.5s"), Ok(ms(60_500)));
    }

    #[test]
    fn bare_numbers_are_seconds() {
        assert_eq!(parse("10"), Ok(ms(10_000)));
        assert_eq!(parse("1.5"), Ok(ms(1_500)));
        assert_eq!(parse("+1s"), Ok(ms(1_000)));
        assert_eq!(parse("+"), Err(DurationError::Malformed));
        assert_eq!(parse("+-1s"), Err(DurationError::Malformed));
        assert_eq!(parse("0"), Ok(Duration::ZERO));
    }

    #[test]
    fn rejects() {
        assert_eq!(parse("-1s"), Err(DurationError::Negative));
        assert_eq!(parse("-5"), Err(DurationError::Negative));
        for bad in [
            "", "s", "1x", "1s2", "1 s", "1.s.", "..5s", "ten", "1e3", "++1s", "1s 2m",
        ] {
            assert_eq!(parse(bad), Err(DurationError::Malformed), "{bad:?}");
        }
        assert_eq!(
            parse("99999999999999999999999h"),
            Err(DurationError::Overflow)
        );
        assert_eq!(parse("18446744073709551616"), Err(DurationError::Overflow));
        assert_eq!(
            parse("999999999999999999999999999999999999999999999999ns"),
            Err(DurationError::Overflow)
        );
    }

    #[test]
    fn format_round_trips() {
        for d in [
            ms(0),
            ms(1),
            ms(1_500),
            ms(30_000),
            ms(5_400_000),
            ms(3_600_000),
            Duration::from_nanos(1_000_001),
            Duration::from_micros(3),
            Duration::MAX,
        ] {
            assert_eq!(parse(&format(d)), Ok(d), "{d:?} -> {}", format(d));
        }
        assert_eq!(format(ms(5_400_000)), "1h30m");
        assert_eq!(format(ms(1_500)), "1500ms");
    }
}
