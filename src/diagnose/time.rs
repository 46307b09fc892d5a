//! Just enough time handling for back-off arithmetic: RFC 3339, kubectl's RFC 1123 dates, and
//! Go durations. Kept in-house so the library needs no date crate.
//!
//! Every string here comes from the input: parsing works on bytes or `str::get` (never a byte
//! slice of a `str` that could split a character), fields are range-checked (years 0-9999), and
//! arithmetic cannot overflow, so no input panics.

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719468;
    let era = if z >= 0 { z } else { z - 146096 } / 146097;
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Years outside this range are not timestamps a cluster writes.
const MAX_YEAR: i64 = 9999;

/// A run of 1-9 ASCII digits as a number (9 digits cannot overflow).
fn num_bytes(b: &[u8]) -> Option<i64> {
    if b.is_empty() || b.len() > 9 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0, |n, d| n * 10 + i64::from(d - b'0')))
}

fn num(s: &str) -> Option<i64> {
    num_bytes(s.as_bytes())
}

/// Unix seconds of a checked civil date and time.
fn unix(y: i64, mo: i64, d: i64, h: i64, mi: i64, se: i64, offset: i64) -> Option<i64> {
    let valid = (0..=MAX_YEAR).contains(&y)
        && (1..=12).contains(&mo)
        && (1..=31).contains(&d)
        && (0..=23).contains(&h)
        && (0..=59).contains(&mi)
        && (0..=60).contains(&se)
        && (-86_400..=86_400).contains(&offset);
    valid.then(|| days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - offset)
}

/// Parse `2026-01-10T17:11:41Z`, `…T17:11:41.123456789+08:00` into Unix seconds.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let s = s.trim();
    let b = s.as_bytes();
    if b.len() < 19
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[4] != b'-'
        || b[7] != b'-'
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let (y, mo, d) = (
        num_bytes(&b[0..4])?,
        num_bytes(&b[5..7])?,
        num_bytes(&b[8..10])?,
    );
    let (h, mi, se) = (
        num_bytes(&b[11..13])?,
        num_bytes(&b[14..16])?,
        num_bytes(&b[17..19])?,
    );
    // Bytes 0..19 are ASCII now, so 19 is a character boundary.
    let mut rest = s.get(19..)?;
    if let Some(r) = rest.strip_prefix('.') {
        let digits = r.bytes().take_while(u8::is_ascii_digit).count();
        rest = &r[digits..];
    }
    let offset = match rest {
        "Z" | "z" | "" => 0,
        _ => {
            let sign = match rest.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let r = rest.get(1..)?;
            let (oh, om) = r.split_once(':').unwrap_or((r.get(..2)?, r.get(2..)?));
            let (oh, om) = (num(oh)?, num(om)?);
            if oh > 23 || om > 59 {
                return None;
            }
            sign * (oh * 3600 + om * 60)
        }
    };
    unix(y, mo, d, h, mi, se, offset)
}

/// Parse kubectl describe's `Sat, 10 Jan 2026 17:11:41 +0800`.
pub fn parse_rfc1123z(s: &str) -> Option<i64> {
    let s = s.trim();
    let s = s.split_once(", ").map_or(s, |(_, r)| r);
    let f: Vec<&str> = s.split_whitespace().collect();
    if f.len() < 4 {
        return None;
    }
    let months = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let mo = months.iter().position(|m| *m == f[1])? as i64 + 1;
    let (d, y) = (num(f[0])?, num(f[2])?);
    let t: Vec<&str> = f[3].split(':').collect();
    if t.len() != 3 {
        return None;
    }
    let (h, mi, se) = (num(t[0])?, num(t[1])?, num(t[2])?);
    let offset = match f.get(4).map(|z| z.as_bytes()) {
        Some(z) if z.len() == 5 => {
            let sign = if z[0] == b'-' { -1 } else { 1 };
            let (oh, om) = (num_bytes(&z[1..3])?, num_bytes(&z[3..5])?);
            if oh > 23 || om > 59 {
                return None;
            }
            sign * (oh * 3600 + om * 60)
        }
        _ => 0,
    };
    unix(y, mo, d, h, mi, se, offset)
}

/// Either format.
pub fn parse_time(s: &str) -> Option<i64> {
    parse_rfc3339(s).or_else(|| parse_rfc1123z(s))
}

/// Unix seconds → `2026-01-10T09:11:41Z`.
pub fn format_rfc3339(t: i64) -> String {
    let (days, secs) = (t.div_euclid(86400), t.rem_euclid(86400));
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// Parse a Go duration (`5m0s`, `2m40s`, `10s`, `1h`, `300ms`) into seconds.
pub fn parse_go_duration(s: &str) -> Option<f64> {
    let mut total = 0.0;
    let mut rest = s.trim();
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        // ASCII runs only, so the byte counts below are character boundaries.
        let n = rest
            .bytes()
            .take_while(|b| b.is_ascii_digit() || *b == b'.')
            .count();
        if n == 0 {
            return None;
        }
        let value: f64 = rest.get(..n)?.parse().ok()?;
        rest = rest.get(n..)?;
        let u = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
        let unit = match rest.get(..u)? {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 0.001,
            "us" | "µs" => 0.000001,
            "ns" => 0.000000001,
            _ => return None,
        };
        total += value * unit;
        rest = rest.get(u..)?;
    }
    total.is_finite().then_some(total)
}

/// Seconds → `2m40s` (Go style).
pub fn format_duration(secs: u64) -> String {
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    match (h, m) {
        (0, 0) => format!("{s}s"),
        (0, _) => format!("{m}m{s}s"),
        _ => format!("{h}h{m}m{s}s"),
    }
}

/// The time parsers see input text: no string panics them (`tests/fuzz.rs` covers the other
/// parsers; these are private, so their fuzz target lives here). `PODMORTEM_FUZZ_CASES` runs
/// longer, as for the other targets.
#[cfg(test)]
mod fuzz {
    use super::*;
    use proptest::prelude::*;
    use proptest::test_runner::Config;

    fn config() -> Config {
        let cases = std::env::var("PODMORTEM_FUZZ_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(48);
        Config {
            cases,
            failure_persistence: None,
            ..Config::default()
        }
    }

    proptest! {
        #![proptest_config(config())]

    #[test]
    fn time_parsers(s in "[0-9TZ:+ .,é-]{0,40}|[ -~]{0,40}", t in any::<i64>(), secs in any::<u64>()) {
        let _ = parse_rfc3339(&s);
        let _ = parse_rfc1123z(&s);
        let _ = parse_time(&s);
        let _ = parse_go_duration(&s);
        let _ = format_duration(secs);
        // Formatting and parsing back is the identity over four digit years.
        let t = t.rem_euclid(253_402_300_800);
        prop_assert_eq!(parse_rfc3339(&format_rfc3339(t)), Some(t));
    }

    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Malformed, non-ASCII and out-of-range timestamps are rejected, never a panic.
    #[test]
    fn hostile_timestamps() {
        for bad in [
            "203é-01-1T17:11:41Z",
            "2026-01-10T17:11:4é",
            "2026-01-10T17:11:41+é1:00",
            "2026-01-10T17:11:41+0é:00",
            "2026-13-10T17:11:41Z",
            "2026-01-10T25:11:41Z",
            "2026-01-10T17:11:41+99:00",
            "Sat, 10 Jan 99999999999999999 17:11:41 +0800",
            "Sat, 10 Jan 2026 17:11:41 +8é0",
            "Sat, 10 Jan 11407944 17:11:41 +0800",
            "éééééééééééééééééééééé",
        ] {
            assert_eq!(parse_time(bad), None, "{bad}");
        }
        assert!(parse_go_duration("99999999999999999999999h").is_some_and(f64::is_finite));
        assert_eq!(parse_go_duration(&format!("1{}h", "0".repeat(400))), None);
        assert_eq!(parse_go_duration(&"9".repeat(400)), None);
        assert_eq!(parse_go_duration("5µs"), None);
    }

    #[test]
    fn times() {
        let a = parse_rfc3339("2026-01-10T09:11:41Z").unwrap();
        assert_eq!(
            parse_rfc3339("2026-01-10T17:11:41.075806252+08:00"),
            Some(a)
        );
        assert_eq!(parse_rfc1123z("Sat, 10 Jan 2026 17:11:41 +0800"), Some(a));
        assert_eq!(format_rfc3339(a), "2026-01-10T09:11:41Z");
        assert_eq!(parse_go_duration("2m40s"), Some(160.0));
        assert_eq!(parse_go_duration("5m0s"), Some(300.0));
        assert_eq!(format_duration(160), "2m40s");
        assert!(parse_go_duration("abc").is_none());
    }
}
