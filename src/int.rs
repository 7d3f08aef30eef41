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
}
