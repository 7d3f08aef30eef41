//! Block times as people and GenVM's message read them (proleptic Gregorian calendar, UTC).

/// `(year, month, day, hour, minute, second)` of unix seconds.
fn civil(timestamp: u64) -> (i64, i64, i64, u64, u64, u64) {
    let days = (timestamp / 86_400) as i64;
    let seconds = timestamp % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day, seconds / 3_600, seconds % 3_600 / 60, seconds % 60)
}

/// `YYYY-MM-DD HH:MM:SS UTC`.
pub fn utc(timestamp: u64) -> String {
    let (year, month, day, hour, minute, second) = civil(timestamp);
    format!("{year:04}-{month:02}-{day:02} {hour:02}:{minute:02}:{second:02} UTC")
}

/// `2026-01-01T00:00:00Z`, GenVM's message `datetime`.
pub fn rfc3339(timestamp: u64) -> String {
    let (year, month, day, hour, minute, second) = civil(timestamp);
    format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}Z")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_the_calendar() {
        assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(rfc3339(1_767_225_600), "2026-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_709_208_000), "2024-02-29T12:00:00Z");
        assert_eq!(rfc3339(253_402_300_799), "9999-12-31T23:59:59Z");
    }
}
