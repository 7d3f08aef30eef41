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
        // Nine digits at a time into 32-bit limbs: n² / 300 limb steps, where a byte and a digit at a
        // time took n² / 5 (an 80,000-digit argument took 1.5 s).
        let mut limbs: Vec<u32> = alloc::vec![0];
        for chunk in digits.as_bytes().chunks(CHUNK_DIGITS) {
            let (scale, value) = chunk
                .iter()
                .fold((1u64, 0u64), |(scale, value), d| (scale * 10, value * 10 + u64::from(d - b'0')));
            let mut carry = value;
            for limb in limbs.iter_mut() {
                let v = u64::from(*limb) * scale + carry;
                *limb = v as u32;
                carry = v >> 32;
            }
            if carry > 0 {
                limbs.push(carry as u32);
            }
        }
        let mut le: Vec<u8> = limbs.iter().flat_map(|limb| limb.to_le_bytes()).collect();
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
        // Divided by 10^9 at a time over 32-bit limbs, least significant chunk first.
        let mut limbs: Vec<u32> =
            le.chunks(4).map(|c| c.iter().rev().fold(0u32, |acc, b| (acc << 8) | u32::from(*b))).collect();
        let mut digits = Vec::new();
        while limbs.iter().any(|&limb| limb != 0) {
            let mut remainder = 0u64;
            for limb in limbs.iter_mut().rev() {
                let current = (remainder << 32) | u64::from(*limb);
                *limb = (current / CHUNK) as u32;
                remainder = current % CHUNK;
            }
            while limbs.last() == Some(&0) {
                limbs.pop();
            }
            let more = !limbs.is_empty();
            for _ in 0..CHUNK_DIGITS {
                digits.push(b'0' + (remainder % 10) as u8);
                remainder /= 10;
                if remainder == 0 && !more {
                    break;
                }
            }
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

/// Decimal digits handled at once: 10^9 fits a 32-bit limb.
const CHUNK_DIGITS: usize = 9;
const CHUNK: u64 = 1_000_000_000;

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
        assert_eq!(
            Int::parse_decimal("000000000000000000012").map(|i| i.to_decimal()).as_deref(),
            Some("12")
        );
        assert_eq!(Int::parse_decimal("1000000000").map(|i| i.to_decimal()).as_deref(), Some("1000000000"));
        assert_eq!(
            Int::parse_decimal("-1000000000000000000"),
            Some(Int::from(-1_000_000_000_000_000_000i64))
        );
    }

    #[test]
    fn long_decimals_round_trip_quickly() {
        // 80,000 digits took 1.5 s a byte and a digit at a time (release); 20,000 keep the test short.
        let mut text = alloc::string::String::from("9");
        for i in 0..20_000u32 {
            text.push(char::from(b'0' + (i % 10) as u8));
        }
        let int = Int::parse_decimal(&text).unwrap();
        assert_eq!(int.to_decimal(), text);
        let negative = alloc::format!("-{text}");
        assert_eq!(Int::parse_decimal(&negative).unwrap().to_decimal(), negative);
        let tens = alloc::format!("1{}", "0".repeat(999));
        assert_eq!(Int::parse_decimal(&tens).unwrap().to_decimal(), tens);
    }
}
