//! Compact JSON written straight into one string, for the views' reports: the bytes serde_json's
//! compact writer gave (tests/ pin them), without building each value first and without its
//! serializer in the artifact.

use alloc::string::String;

use crate::Address;

/// A compact JSON document being written. Every value starts with [`Json::separate`], so commas fall
/// between the items of an object or array and nowhere else.
pub(crate) struct Json {
    out: String,
    /// A value was just completed: the next key or item needs a comma.
    after_value: bool,
}

const HEX: &[u8; 16] = b"0123456789abcdef";

impl Json {
    pub fn with_capacity(capacity: usize) -> Json {
        Json { out: String::with_capacity(capacity), after_value: false }
    }

    fn separate(&mut self) {
        if self.after_value {
            self.out.push(',');
        }
    }

    pub fn open_object(&mut self) {
        self.separate();
        self.out.push('{');
        self.after_value = false;
    }

    pub fn close_object(&mut self) {
        self.out.push('}');
        self.after_value = true;
    }

    pub fn open_array(&mut self) {
        self.separate();
        self.out.push('[');
        self.after_value = false;
    }

    pub fn close_array(&mut self) {
        self.out.push(']');
        self.after_value = true;
    }

    /// An object key, given as written: quoted, with its colon (`"\"api_name\":"`); the contract's
    /// own field names, nothing to escape.
    pub fn key(&mut self, quoted: &'static str) {
        self.separate();
        self.out.push_str(quoted);
        self.after_value = false;
    }

    pub fn str(&mut self, text: &str) {
        self.separate();
        self.out.push('"');
        escape_into(&mut self.out, text);
        self.out.push('"');
        self.after_value = true;
    }

    /// An address as its `0x` + 40 lowercase hex digits, quoted.
    pub fn address(&mut self, address: &Address) {
        self.separate();
        let mut quoted = [b'"'; 44];
        if let Some(prefix) = quoted.get_mut(1..3) {
            prefix.copy_from_slice(b"0x");
        }
        for (pair, byte) in quoted.get_mut(3..43).unwrap_or_default().chunks_exact_mut(2).zip(address.0) {
            if let [high, low] = pair {
                *high = HEX[usize::from(byte >> 4)];
                *low = HEX[usize::from(byte & 0x0f)];
            }
        }
        // One piece: pushing is a call, and converting 44 bytes costs less than 44 calls.
        self.out.push_str(core::str::from_utf8(&quoted).unwrap_or_default());
        self.after_value = true;
    }

    pub fn u64(&mut self, n: u64) {
        self.separate();
        push_decimal(&mut self.out, u128::from(n));
        self.after_value = true;
    }

    /// A wei amount: a decimal string (JSON readers lose precision above 2^53).
    pub fn wei(&mut self, n: u128) {
        self.separate();
        self.out.push('"');
        push_decimal(&mut self.out, n);
        self.out.push('"');
        self.after_value = true;
    }

    pub fn bool(&mut self, flag: bool) {
        self.separate();
        self.out.push_str(if flag { "true" } else { "false" });
        self.after_value = true;
    }

    pub fn null(&mut self) {
        self.separate();
        self.out.push_str("null");
        self.after_value = true;
    }

    pub fn finish(self) -> String {
        self.out
    }
}

/// `text` as serde_json escapes it inside quotes: `"` and `\`, the short escapes, other control
/// characters as `\u00xx`; everything else as it is.
fn escape_into(out: &mut String, text: &str) {
    let mut plain_from = 0;
    for (at, byte) in text.bytes().enumerate() {
        let escape = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0x00..=0x1f => "",
            _ => continue,
        };
        out.push_str(text.get(plain_from..at).unwrap_or_default());
        if escape.is_empty() {
            out.push_str("\\u00");
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0x0f)]));
        } else {
            out.push_str(escape);
        }
        plain_from = at + 1;
    }
    out.push_str(text.get(plain_from..).unwrap_or_default());
}

/// Appends `n` in decimal, without `core::fmt`. Digits come from u64 arithmetic: a u128 division is
/// a long software routine in wasm, so it runs at most twice, not once per digit.
pub(crate) fn push_decimal(out: &mut String, n: u128) {
    const TEN_POW_19: u128 = 10_000_000_000_000_000_000;
    match u64::try_from(n) {
        Ok(small) => push_u64(out, small, 0),
        Err(_) => {
            push_decimal(out, n / TEN_POW_19);
            push_u64(out, (n % TEN_POW_19) as u64, 19);
        }
    }
}

/// Appends `n` in decimal, zero-padded to `width` digits.
fn push_u64(out: &mut String, mut n: u64, width: usize) {
    let mut digits = [b'0'; 20];
    let mut start = digits.len();
    while n > 0 || start == digits.len() {
        start -= 1;
        if let Some(slot) = digits.get_mut(start) {
            *slot = b'0' + (n % 10) as u8;
        }
        n /= 10;
    }
    let start = start.min(digits.len().saturating_sub(width));
    out.push_str(digits.get(start..).and_then(|d| core::str::from_utf8(d).ok()).unwrap_or_default());
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;

    #[test]
    fn strings_escape_as_serde_json_does() {
        for text in ["plain", "q\"uote", "back\\slash", "\n\r\t\u{8}\u{c}", "\u{1}\u{1f}\u{7f}", "é∑", ""]
        {
            let mut json = Json::with_capacity(8);
            json.str(text);
            assert_eq!(json.finish(), serde_json::to_string(text).unwrap(), "{text:?}");
        }
    }

    #[test]
    fn commas_fall_between_items_only() {
        let mut json = Json::with_capacity(8);
        json.open_object();
        json.key("\"a\":");
        json.open_array();
        json.u64(1);
        json.open_object();
        json.close_object();
        json.null();
        json.close_array();
        json.key("\"b\":");
        json.wei(u128::MAX);
        json.key("\"c\":");
        json.bool(false);
        json.key("\"d\":");
        json.address(&Address([0xab; 20]));
        json.close_object();
        let expected = format!(
            "{{\"a\":[1,{{}},null],\"b\":\"{}\",\"c\":false,\"d\":\"0x{}\"}}",
            u128::MAX,
            "ab".repeat(20)
        );
        assert_eq!(json.finish(), expected);
    }

    #[test]
    fn decimals_cover_the_range() {
        for n in [0, 7, 10_000_000_000_000_000_000, u128::from(u64::MAX), u128::from(u64::MAX) + 1, u128::MAX]
        {
            let mut out = String::new();
            push_decimal(&mut out, n);
            assert_eq!(out, format!("{n}"));
        }
    }
}
