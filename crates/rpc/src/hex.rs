//! Hex text as JSON-RPC carries it: `0x`-prefixed data and quantities.

pub fn encode(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    out
}

/// `0x` + hex of `bytes`.
pub fn data(bytes: &[u8]) -> String {
    format!("0x{}", encode(bytes))
}

/// A quantity: `0x` + hex without leading zeros (`0x0` for zero).
pub fn quantity(value: u128) -> String {
    format!("{value:#x}")
}

fn digit(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Hex digits (an optional `0x` prefix, an even count) to bytes.
pub fn decode(text: &str) -> Option<Vec<u8>> {
    let text = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")).unwrap_or(text);
    let bytes = text.as_bytes();
    if !bytes.len().is_multiple_of(2) {
        return None;
    }
    bytes.chunks_exact(2).map(|pair| Some(digit(pair[0])? << 4 | digit(pair[1])?)).collect()
}

/// `0x`-prefixed bytes of exactly `N` bytes.
pub fn fixed<const N: usize>(text: &str) -> Option<[u8; N]> {
    text.strip_prefix("0x").and_then(decode).and_then(|bytes| bytes.try_into().ok())
}

/// A quantity (`0x…` hex, at most 128 bits) or, leniently, a JSON-safe decimal string.
pub fn parse_quantity(text: &str) -> Option<u128> {
    match text.strip_prefix("0x") {
        Some("") => None,
        Some(digits) if digits.len() <= 32 => u128::from_str_radix(digits, 16).ok(),
        Some(_) => None,
        None => text.parse().ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_both_ways() {
        assert_eq!(data(&[0, 0xab, 0xff]), "0x00abff");
        assert_eq!(decode("0x00ABff"), Some(vec![0, 0xab, 0xff]));
        assert_eq!(decode("0x0"), None);
        assert_eq!(decode("0xzz"), None);
        assert_eq!(quantity(0), "0x0");
        assert_eq!(quantity(61127), "0xeec7");
        assert_eq!(parse_quantity("0xeec7"), Some(61127));
        assert_eq!(parse_quantity("0x"), None);
        assert_eq!(parse_quantity("12"), Some(12));
        assert_eq!(parse_quantity(&format!("0x1{}", "0".repeat(32))), None);
        assert_eq!(fixed::<2>("0x0102"), Some([1, 2]));
        assert_eq!(fixed::<2>("0102"), None);
    }
}
