//! Block times as people and GenVM's message read them (proleptic Gregorian calendar, UTC).

use api_usage_billing::genvm::protocol::civil;
/// `2026-01-01T00:00:00Z`, GenVM's message `datetime` (the core writes it: the contract reads it).
pub use api_usage_billing::genvm::protocol::rfc3339;

/// `YYYY-MM-DD HH:MM:SS UTC`.
pub fn utc(timestamp: u64) -> String {
    let (year, month, day, hour, minute, second) = civil(timestamp);
    format!("{year:04}-{month:02}-{day:02} {hour:02}:{minute:02}:{second:02} UTC")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_the_calendar() {
        assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc(1_709_251_199), "2024-02-29 23:59:59 UTC");
        assert_eq!(rfc3339(1_767_225_600), "2026-01-01T00:00:00Z");
    }
}
