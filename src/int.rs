//! Integer arguments of any size and sign, as calldata carries them, and their range checks.

use alloc::vec::Vec;

/// An integer as the caller sent it: its sign and magnitude are kept whatever their size, so that
/// each entrypoint can run the seed's sign checks before it asks whether the value fits.
///
/// Following GenLayer's calldata, the value is `n` when not `negative`, and `-n - 1` when `negative`.
/// The representation is canonical: `n` lives in `Small` whenever it fits a `u128`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Int {
    Small {
        negative: bool,
        n: u128,
    },
    /// `n` above `u128::MAX`, as little-endian bytes without trailing zeros.
    Wide {
        negative: bool,
        n_le: Vec<u8>,
    },
}

impl Int {
    /// The integer `n` (or `-n - 1` when `negative`), with `n` given as little-endian bytes.
    pub fn from_le_bytes(negative: bool, n_le: &[u8]) -> Int {
        let len = n_le.iter().rposition(|&b| b != 0).map_or(0, |last| last + 1);
        let significant = n_le.get(..len).unwrap_or_default();
        if significant.len() <= 16 {
            let mut buf = [0u8; 16];
            for (dst, src) in buf.iter_mut().zip(significant) {
                *dst = *src;
            }
            Int::Small { negative, n: u128::from_le_bytes(buf) }
        } else {
            Int::Wide { negative, n_le: significant.to_vec() }
        }
    }

    /// The exact sum of two `u128`, which may not fit one.
    pub fn sum(a: u128, b: u128) -> Int {
        match a.checked_add(b) {
            Some(total) => Int::from(total),
            None => {
                let mut n_le = a.wrapping_add(b).to_le_bytes().to_vec();
                n_le.push(1);
                Int::Wide { negative: false, n_le }
            }
        }
    }

    pub fn is_negative(&self) -> bool {
        matches!(self, Int::Small { negative: true, .. } | Int::Wide { negative: true, .. })
    }

    pub fn is_positive(&self) -> bool {
        match self {
            Int::Small { negative, n } => !negative && *n > 0,
            Int::Wide { negative, .. } => !negative,
        }
    }

    /// The value when it is a `u128` (0 included).
    pub fn to_u128(&self) -> Option<u128> {
        match self {
            Int::Small { negative: false, n } => Some(*n),
            _ => None,
        }
    }

    /// The value when it is a `u64` (0 included).
    pub fn to_u64(&self) -> Option<u64> {
        self.to_u128().and_then(|n| u64::try_from(n).ok())
    }

    /// The integer a decimal literal (`-?[0-9]+`) spells, whatever its size.
    pub fn parse_decimal(text: &str) -> Option<Int> {
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let mut le: Vec<u8> = alloc::vec![0];
        for digit in digits.bytes() {
            let mut carry = u32::from(digit - b'0');
            for byte in le.iter_mut() {
                let v = u32::from(*byte) * 10 + carry;
                *byte = (v & 0xff) as u8;
                carry = v >> 8;
            }
            while carry > 0 {
                le.push((carry & 0xff) as u8);
                carry >>= 8;
            }
        }
        if !negative || le.iter().all(|&b| b == 0) {
            return Some(Int::from_le_bytes(false, &le));
        }
        // -n - 1 = v  =>  n = |v| - 1
        for byte in le.iter_mut() {
            let (difference, borrow) = byte.overflowing_sub(1);
            *byte = difference;
            if !borrow {
                break;
            }
        }
        Some(Int::from_le_bytes(true, &le))
    }

    /// The value in decimal, whatever its size, without `core::fmt`.
    pub fn to_decimal(&self) -> alloc::string::String {
        let (negative, mut le) = match self {
            Int::Small { negative, n } => (*negative, n.to_le_bytes().to_vec()),
            Int::Wide { negative, n_le } => (*negative, n_le.clone()),
        };
        if negative {
            // value = -n - 1 = -(n + 1)
            let carry = le.iter_mut().try_for_each(|byte| {
                let (sum, overflow) = byte.overflowing_add(1);
                *byte = sum;
                if overflow {
                    Ok(())
                } else {
                    Err(())
                }
            });
            if carry.is_ok() {
                le.push(1);
            }
        }
        let mut digits = Vec::new();
        while le.iter().any(|&b| b != 0) {
            let mut remainder = 0u32;
            for byte in le.iter_mut().rev() {
                let current = (remainder << 8) | u32::from(*byte);
                *byte = (current / 10) as u8;
                remainder = current % 10;
            }
            digits.push(b'0' + remainder as u8);
        }
        if digits.is_empty() {
            digits.push(b'0');
        }
        if negative {
            digits.push(b'-');
        }
        digits.iter().rev().map(|&d| char::from(d)).collect()
    }
}

impl From<u128> for Int {
    fn from(n: u128) -> Int {
        Int::Small { negative: false, n }
    }
}

impl From<u64> for Int {
    fn from(n: u64) -> Int {
        Int::from(u128::from(n))
    }
}

impl From<i128> for Int {
    fn from(v: i128) -> Int {
        if v < 0 {
            // -n - 1 = v  =>  n = -(v + 1) = !v for two's complement
            Int::Small { negative: true, n: (!v).unsigned_abs() }
        } else {
            Int::Small { negative: false, n: v.unsigned_abs() }
        }
    }
}

impl From<i64> for Int {
    fn from(v: i64) -> Int {
        Int::from(i128::from(v))
    }
}

impl From<i32> for Int {
    fn from(v: i32) -> Int {
        Int::from(i128::from(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_and_ranges() {
        assert!(Int::from(-1).is_negative());
        assert_eq!(Int::from(-1), Int::Small { negative: true, n: 0 });
        assert_eq!(Int::from(i128::MIN), Int::Small { negative: true, n: i128::MAX as u128 });
        assert!(!Int::from(0).is_positive());
        assert!(Int::from(1).is_positive());
        assert_eq!(Int::from(u128::MAX).to_u128(), Some(u128::MAX));
        assert_eq!(Int::from(u128::MAX).to_u64(), None);
        assert_eq!(Int::from(u64::MAX).to_u64(), Some(u64::MAX));
        let beyond = Int::sum(u128::MAX, 1);
        assert!(beyond.is_positive());
        assert_eq!(beyond.to_u128(), None);
        assert_eq!(
            beyond,
            Int::from_le_bytes(false, &[0; 16].iter().chain(&[1, 0, 0]).copied().collect::<Vec<_>>())
        );
        assert_eq!(Int::from_le_bytes(false, &[5, 0, 0]), Int::from(5));
    }

    #[test]
    fn decimals_round_trip_at_every_size() {
        for text in [
            "0",
            "1",
            "-1",
            "-2",
            "255",
            "256",
            "340282366920938463463374607431768211455",
            "340282366920938463463374607431768211456",
            "-340282366920938463463374607431768211457",
            "115792089237316195423570985008687907853269984665640564039457584007913129639936",
        ] {
            let int = Int::parse_decimal(text).unwrap();
            assert_eq!(int.to_decimal(), text);
        }
        assert_eq!(Int::parse_decimal("-1"), Some(Int::from(-1)));
        assert_eq!(Int::parse_decimal("-0"), Some(Int::from(0)));
        assert_eq!(Int::parse_decimal("1.5"), None);
        assert_eq!(Int::parse_decimal(""), None);
        assert_eq!(Int::parse_decimal("-"), None);
    }
}
