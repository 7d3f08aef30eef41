//! 20-byte account addresses and their `0x` + 40 lowercase hex text form.

use alloc::string::String;
use borsh::{BorshDeserialize, BorshSerialize};

/// An account or contract address.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, BorshSerialize, BorshDeserialize,
)]
pub struct Address(pub [u8; 20]);

const HEX: &[u8; 16] = b"0123456789abcdef";

impl Address {
    /// Parses `0x`/`0X` followed by exactly 40 hex digits in any case.
    pub fn parse(text: &str) -> Option<Address> {
        let digits = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X"))?.as_bytes();
        if digits.len() != 40 {
            return None;
        }
        let mut bytes = [0u8; 20];
        for (byte, pair) in bytes.iter_mut().zip(digits.chunks_exact(2)) {
            let (hi, lo) = match pair {
                [hi, lo] => (hex_value(*hi)?, hex_value(*lo)?),
                _ => return None,
            };
            *byte = (hi << 4) | lo;
        }
        Some(Address(bytes))
    }

    /// The canonical text form: `0x` + 40 lowercase hex digits.
    pub fn to_hex(&self) -> String {
        let mut out = String::with_capacity(42);
        out.push_str("0x");
        for byte in self.0 {
            out.push(HEX[usize::from(byte >> 4)] as char);
            out.push(HEX[usize::from(byte & 0x0f)] as char);
        }
        out
    }
}

fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_any_case_and_prints_lowercase() {
        let text = "0X5B38Da6a701c568545dCfcB03FcB875f56beddC4";
        let address = Address::parse(text).expect("valid address");
        assert_eq!(address.to_hex(), "0x5b38da6a701c568545dcfcb03fcb875f56beddc4");
    }

    #[test]
    fn rejects_malformed_text() {
        for bad in [
            "",
            "0x",
            "5b38da6a701c568545dcfcb03fcb875f56beddc4",
            "0x5b38da6a701c568545dcfcb03fcb875f56beddc",
            "0x5b38da6a701c568545dcfcb03fcb875f56beddc4a",
            "0x5b38da6a701c568545dcfcb03fcb875f56beddcg",
            " 0x5b38da6a701c568545dcfcb03fcb875f56beddc4",
            "0x5b38da6a701c568545dcfcb03fcb875f56bedd\u{e9}",
        ] {
            assert_eq!(Address::parse(bad), None, "{bad:?}");
        }
    }
}
