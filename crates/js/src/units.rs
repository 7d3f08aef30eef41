//! Exact conversions between wei and token amounts (`10^decimals` wei a token) in integer arithmetic.

use alloc::string::{String, ToString};

/// The most decimals a u128 amount can have a whole token of (10^38 < u128::MAX < 10^39).
pub const MAX_DECIMALS: u32 = 38;

/// Why an amount did not parse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UnitsError {
    Syntax,
    TooManyDecimals { decimals: u32 },
    OutOfRange,
    BadDecimals,
}

impl UnitsError {
    pub fn message(&self) -> String {
        match self {
            UnitsError::Syntax => "an amount is digits with at most one '.', like 1.5 or 1000".to_string(),
            UnitsError::TooManyDecimals { decimals } => {
                let mut text = "the amount has more than ".to_string();
                text.push_str(&decimals.to_string());
                text.push_str(" decimals: it is finer than 1 wei");
                text
            }
            UnitsError::OutOfRange => "the amount does not fit in u128 wei".to_string(),
            UnitsError::BadDecimals => "decimals must be 0 to 38".to_string(),
        }
    }
}

/// A wei count (decimal digits) as a u128.
pub fn parse_wei(text: &str) -> Result<u128, UnitsError> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(UnitsError::Syntax);
    }
    text.bytes().try_fold(0u128, |acc, b| {
        acc.checked_mul(10).and_then(|v| v.checked_add(u128::from(b - b'0'))).ok_or(UnitsError::OutOfRange)
    })
}

/// `wei` in tokens: the whole part, and the fraction without trailing zeros ("1.5", "0.000001", "3").
pub fn format_units(wei: u128, decimals: u32) -> Result<String, UnitsError> {
    if decimals > MAX_DECIMALS {
        return Err(UnitsError::BadDecimals);
    }
    let unit = 10u128.pow(decimals);
    let (whole, mut fraction) = (wei / unit, wei % unit);
    let mut text = whole.to_string();
    if fraction == 0 {
        return Ok(text);
    }
    let mut width = decimals;
    while fraction % 10 == 0 {
        fraction /= 10;
        width -= 1;
    }
    let digits = fraction.to_string();
    text.push('.');
    for _ in digits.len()..(width as usize) {
        text.push('0');
    }
    text.push_str(&digits);
    Ok(text)
}

/// A token amount ("1.5", "0.25", "7", ".5") in wei, exactly: a fraction finer than 1 wei and an
/// amount past u128 are refused, never rounded.
pub fn parse_units(text: &str, decimals: u32) -> Result<u128, UnitsError> {
    if decimals > MAX_DECIMALS {
        return Err(UnitsError::BadDecimals);
    }
    let (whole, fraction) = match text.split_once('.') {
        Some((whole, fraction)) => (whole, fraction),
        None => (text, ""),
    };
    let digits_only = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (whole.is_empty() && fraction.is_empty()) || !digits_only(whole) || !digits_only(fraction) {
        return Err(UnitsError::Syntax);
    }
    if text.ends_with('.') {
        return Err(UnitsError::Syntax);
    }
    let significant = fraction.trim_end_matches('0');
    if significant.len() > decimals as usize {
        return Err(UnitsError::TooManyDecimals { decimals });
    }
    let unit = 10u128.pow(decimals);
    let whole_wei = if whole.is_empty() { 0 } else { parse_wei(whole)? }
        .checked_mul(unit)
        .ok_or(UnitsError::OutOfRange)?;
    let fraction_wei = if significant.is_empty() {
        0
    } else {
        parse_wei(significant)?
            .checked_mul(10u128.pow(decimals - significant.len() as u32))
            .ok_or(UnitsError::OutOfRange)?
    };
    whole_wei.checked_add(fraction_wei).ok_or(UnitsError::OutOfRange)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_exactly() {
        assert_eq!(format_units(0, 18).as_deref(), Ok("0"));
        assert_eq!(format_units(1, 18).as_deref(), Ok("0.000000000000000001"));
        assert_eq!(format_units(1_500_000_000_000_000_000, 18).as_deref(), Ok("1.5"));
        assert_eq!(format_units(1_000_000_000_000_000_000_000, 18).as_deref(), Ok("1000"));
        assert_eq!(format_units(u128::MAX, 18).as_deref(), Ok("340282366920938463463.374607431768211455"));
        assert_eq!(format_units(12, 0).as_deref(), Ok("12"));
        assert_eq!(format_units(1, 39), Err(UnitsError::BadDecimals));
    }

    #[test]
    fn parses_exactly_and_refuses_what_would_round() {
        assert_eq!(parse_units("1.5", 18), Ok(1_500_000_000_000_000_000));
        assert_eq!(parse_units(".5", 1), Ok(5));
        assert_eq!(parse_units("0.000000000000000001", 18), Ok(1));
        assert_eq!(parse_units("2.50", 1), Ok(25));
        assert_eq!(parse_units("340282366920938463463.374607431768211455", 18), Ok(u128::MAX));
        assert_eq!(parse_units("340282366920938463463.374607431768211456", 18), Err(UnitsError::OutOfRange));
        assert_eq!(
            parse_units("0.0000000000000000001", 18),
            Err(UnitsError::TooManyDecimals { decimals: 18 })
        );
        for bad in ["", ".", "1.", "-1", "1e3", "1,5", " 1", "1.2.3", "0x10"] {
            assert_eq!(parse_units(bad, 18), Err(UnitsError::Syntax), "{bad:?}");
        }
        assert_eq!(parse_wei("340282366920938463463374607431768211456"), Err(UnitsError::OutOfRange));
    }
}
