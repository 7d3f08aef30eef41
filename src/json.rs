//! Compact JSON written straight into one byte buffer, for the views' reports: the bytes serde_json's
//! compact writer gave (tests/ pin them), without building each value first, without its serializer
//! in the artifact, and without a `String` to validate: the wasm hosts send the bytes as they are.

use alloc::string::String;
use alloc::vec::Vec;

use crate::{calldata, Address, Value};

/// Bytes kept free before the document: a wasm host writes its calldata header there (GenVM: the
/// `Return` map's too), so the answer leaves without a copy of the document.
const HEADROOM: usize = 16;

/// Spare bytes past every write: pieces go in whole words and may write a few zeros past their end.
const SLACK: usize = 8;

/// A piece of fixed text as whole little-endian words (built when the contract is compiled by
/// [`piece!`]): writing it is a few word stores, not a byte copy.
#[derive(Clone, Copy)]
pub(crate) struct Piece {
    pub words: &'static [[u8; 8]],
    pub len: usize,
}

/// The words of `text`, zero-padded; for [`piece!`].
pub(crate) const fn words<const K: usize>(text: &str) -> [[u8; 8]; K] {
    let bytes = text.as_bytes();
    let mut out = [[0u8; 8]; K];
    let mut i = 0;
    while i < bytes.len() {
        out[i / 8][i % 8] = bytes[i];
        i += 1;
    }
    out
}

/// A [`Piece`] of fixed JSON text: punctuation and keys as written (`",\"api_name\":"`), the
/// contract's own text, nothing to escape.
macro_rules! piece {
    ($text:expr) => {{
        const TEXT: &str = $text;
        const WORDS: [[u8; 8]; TEXT.len().div_ceil(8)] = $crate::json::words(TEXT);
        $crate::json::Piece { words: &WORDS, len: TEXT.len() }
    }};
}
pub(crate) use piece;

/// A compact JSON document being written at a cursor into zeroed room. Punctuation and keys come as
/// written pieces, commas included: the reports' shapes are fixed, so nothing tracks them.
pub(crate) struct Json {
    /// [`HEADROOM`], the document up to `at`, then room (zeroed: the allocator's memory is fresh).
    buf: Vec<u8>,
    at: usize,
}

impl Json {
    /// Room for `capacity` bytes of document: a report that fits is written without a reallocation.
    pub fn with_capacity(capacity: usize) -> Json {
        Json { buf: alloc::vec![0; HEADROOM + capacity + SLACK], at: HEADROOM }
    }

    /// Room for `len` more bytes and the slack after them.
    fn room(&mut self, len: usize) {
        let need = self.at.saturating_add(len).saturating_add(SLACK);
        if need > self.buf.len() {
            self.grow(need);
        }
    }

    #[cold]
    #[inline(never)]
    fn grow(&mut self, need: usize) {
        self.buf.resize(need.max(self.buf.len().saturating_mul(2)), 0);
    }

    /// Eight bytes at `at`, which [`Json::room`] made room for; the document's end stays the caller's.
    #[inline(always)]
    fn word(&mut self, at: usize, word: [u8; 8]) {
        if let Some(slot) = self.buf.get_mut(at..).and_then(|rest| rest.first_chunk_mut::<8>()) {
            *slot = word;
        }
    }

    #[inline(always)]
    fn byte(&mut self, at: usize, byte: u8) {
        if let Some(slot) = self.buf.get_mut(at) {
            *slot = byte;
        }
    }

    /// Fixed text: see [`piece!`].
    pub fn raw(&mut self, piece: Piece) {
        self.room(piece.len.saturating_add(8));
        let mut at = self.at;
        for word in piece.words {
            self.word(at, *word);
            at += 8;
        }
        self.at += piece.len;
    }

    /// Bytes of any length (a copy).
    fn bytes(&mut self, bytes: &[u8]) {
        self.room(bytes.len());
        let end = self.at + bytes.len();
        if let Some(slot) = self.buf.get_mut(self.at..end) {
            slot.copy_from_slice(bytes);
        }
        self.at = end;
    }

    pub fn str(&mut self, text: &str) {
        self.bytes(b"\"");
        escape_into(self, text);
        self.bytes(b"\"");
    }

    /// An address as its `0x` + 40 lowercase hex digits, quoted: seven word stores.
    pub fn address(&mut self, address: &Address) {
        self.room(44);
        let at = self.at;
        self.word(at, *b"\"0x\0\0\0\0\0");
        for (k, four) in address.0.chunks_exact(4).enumerate() {
            self.word(at + 3 + 8 * k, hex8(four));
        }
        self.byte(at + 43, b'"');
        self.at = at + 44;
    }

    pub fn u64(&mut self, n: u64) {
        self.digits(n, decimal_len(n));
    }

    /// `n` in decimal, without `core::fmt`. Digits come from u64 arithmetic: a u128 division is a long
    /// software routine in wasm (about 1.1 KB of each artifact), so a value above u64 is cut into 19
    /// digits at a time by [`div_small`]. The reports quote wei amounts (JSON readers lose precision
    /// above 2^53), and their quotes go with the pieces around.
    pub fn decimal(&mut self, n: u128) {
        match u64::try_from(n) {
            Ok(small) => self.u64(small),
            Err(_) => {
                // n = ((q * 10 + r2) * 10^9 + r1) * 10^9 + r0, so n % 10^19 = r2 10^18 + r1 10^9 + r0.
                let (q, r0) = div_small(n, 1_000_000_000);
                let (q, r1) = div_small(q, 1_000_000_000);
                let (q, r2) = div_small(q, 10);
                self.decimal(q);
                let low =
                    u64::from(r2) * 1_000_000_000_000_000_000 + u64::from(r1) * 1_000_000_000 + u64::from(r0);
                self.digits(low, 19);
            }
        }
    }

    /// The low `len` decimal digits of `n`, zero-padded, two per division.
    fn digits(&mut self, mut n: u64, len: usize) {
        self.room(len);
        let mut end = self.at + len;
        let mut left = len;
        while left >= 2 {
            let pair = (n % 100) as usize * 2;
            n /= 100;
            end -= 2;
            left -= 2;
            let two = PAIRS.get(pair..).and_then(|rest| rest.first_chunk::<2>());
            if let (Some(slot), Some(two)) =
                (self.buf.get_mut(end..).and_then(|r| r.first_chunk_mut::<2>()), two)
            {
                *slot = *two;
            }
        }
        if left == 1 {
            self.byte(end - 1, b'0' + (n % 10) as u8);
        }
        self.at += len;
    }

    pub fn bool(&mut self, flag: bool) {
        self.raw(if flag { piece!("true") } else { piece!("false") });
    }

    pub fn null(&mut self) {
        self.raw(piece!("null"));
    }

    pub fn finish(mut self) -> JsonText {
        self.buf.truncate(self.at);
        JsonText { bytes: self.buf, at: HEADROOM }
    }
}

/// Digits of `n` in decimal.
/// `(n / d, n % d)` by 32-bit limbs, each step a u64 division (`d` is a non-zero constant: the
/// remainder stays below 2^32, so `rem << 32 | limb` fits).
fn div_small(n: u128, d: u32) -> (u128, u32) {
    let d = u64::from(d.max(1));
    let limbs = [(n >> 96) as u32, (n >> 64) as u32, (n >> 32) as u32, n as u32];
    let (mut q, mut rem) = (0u128, 0u64);
    for limb in limbs {
        let cur = (rem << 32) | u64::from(limb);
        q = (q << 32) | u128::from(cur / d);
        rem = cur % d;
    }
    (q, rem as u32)
}

fn decimal_len(mut n: u64) -> usize {
    let mut len = 1;
    while n >= 10 {
        n /= 10;
        len += 1;
    }
    len
}

/// A finished JSON document, with room before it for the header of the calldata that carries it.
#[derive(Debug)]
pub struct JsonText {
    /// Free room, then the document.
    bytes: Vec<u8>,
    /// Where the document starts.
    at: usize,
}

impl JsonText {
    /// The document as the string value a native host answers.
    pub fn into_value(self) -> Value {
        Value::Str(self.into_string())
    }

    pub(crate) fn into_string(self) -> String {
        let mut bytes = self.bytes;
        bytes.drain(..self.at.min(bytes.len()));
        // Only whole `&str`s and ASCII went in, so this never falls back.
        String::from_utf8(bytes).unwrap_or_default()
    }

    /// `prefix` ‖ the document as an encoded `Value::Str`: the bytes `prefix` ‖
    /// `calldata::encode(&self.into_value())` gives, written in the room before the document.
    pub fn calldata_after(&mut self, prefix: &[u8]) -> &[u8] {
        let mut head = Vec::with_capacity(HEADROOM);
        head.extend_from_slice(prefix);
        calldata::write_str_header(&mut head, self.bytes.len().saturating_sub(self.at));
        if head.len() > self.at {
            // A prefix longer than the room (no host's is): make room, copying the document once.
            let mut bytes = Vec::with_capacity(head.len() + self.bytes.len().saturating_sub(self.at));
            bytes.resize(head.len(), 0);
            bytes.extend_from_slice(self.bytes.get(self.at..).unwrap_or_default());
            self.bytes = bytes;
            self.at = head.len();
        }
        let start = self.at - head.len();
        if let Some(room) = self.bytes.get_mut(start..self.at) {
            room.copy_from_slice(&head);
        }
        self.bytes.get(start..).unwrap_or_default()
    }
}

/// The 8 lowercase hex digits of 4 bytes, all at once: each nibble spread to its own byte, then
/// `'0' + n`, plus 39 more where `n > 9` (to reach `'a'`). A table lookup per digit costs more.
fn hex8(four: &[u8]) -> [u8; 8] {
    let word: [u8; 4] = four.try_into().unwrap_or_default();
    let v = u64::from(u32::from_le_bytes(word));
    let v = (v | v << 16) & 0x0000_ffff_0000_ffff;
    let v = (v | v << 8) & 0x00ff_00ff_00ff_00ff;
    // Byte 2i: the high nibble of input byte i; byte 2i + 1: its low nibble.
    let nibbles = ((v >> 4) & 0x000f_000f_000f_000f) | ((v & 0x000f_000f_000f_000f) << 8);
    let letters = ((nibbles + 0x0606_0606_0606_0606) >> 4) & 0x0101_0101_0101_0101;
    (nibbles + 0x3030_3030_3030_3030 + letters * 39).to_le_bytes()
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// `text` as serde_json escapes it inside quotes: `"` and `\`, the short escapes, other control
/// characters as `\u00xx`; everything else as it is.
fn escape_into(json: &mut Json, text: &str) {
    let bytes = text.as_bytes();
    let mut plain_from = 0;
    for (at, byte) in bytes.iter().enumerate() {
        let escape: &[u8] = match byte {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0c => b"\\f",
            0x00..=0x1f => b"",
            _ => continue,
        };
        json.bytes(bytes.get(plain_from..at).unwrap_or_default());
        if escape.is_empty() {
            json.bytes(b"\\u00");
            json.bytes(&[HEX[usize::from(byte >> 4)], HEX[usize::from(byte & 0x0f)]]);
        } else {
            json.bytes(escape);
        }
        plain_from = at + 1;
    }
    json.bytes(bytes.get(plain_from..).unwrap_or_default());
}

/// "00" to "99": two digits per division.
const PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;
    use alloc::string::ToString;

    fn text(json: Json) -> String {
        json.finish().into_string()
    }

    #[test]
    fn strings_escape_as_serde_json_does() {
        for s in ["plain", "q\"uote", "back\\slash", "\n\r\t\u{8}\u{c}", "\u{1}\u{1f}\u{7f}", "é∑", ""] {
            let mut json = Json::with_capacity(0);
            json.str(s);
            assert_eq!(text(json), serde_json::to_string(s).unwrap(), "{s:?}");
        }
    }

    #[test]
    fn pieces_write_as_given() {
        let mut json = Json::with_capacity(8);
        json.raw(piece!("{\"a\":["));
        json.u64(1);
        json.raw(piece!(",{},"));
        json.null();
        json.raw(piece!("],\"b\":\""));
        json.decimal(u128::MAX);
        json.raw(piece!("\",\"c\":"));
        json.bool(false);
        json.raw(piece!(",\"d\":"));
        json.address(&Address([0xab; 20]));
        json.raw(piece!(",\"e\":"));
        json.bool(true);
        json.raw(piece!("}"));
        let expected = format!(
            "{{\"a\":[1,{{}},null],\"b\":\"{}\",\"c\":false,\"d\":\"0x{}\",\"e\":true}}",
            u128::MAX,
            "ab".repeat(20)
        );
        assert_eq!(text(json), expected);
    }

    #[test]
    fn a_document_past_its_capacity_grows() {
        let mut json = Json::with_capacity(0);
        let mut expected = String::new();
        for n in 0..2_000u64 {
            json.raw(piece!(",\"k\":"));
            json.u64(n * 7919);
            json.address(&Address([n as u8; 20]));
            expected.push_str(&format!(",\"k\":{}\"0x{}\"", n * 7919, format!("{:02x}", n as u8).repeat(20)));
        }
        assert_eq!(text(json), expected);
    }

    #[test]
    fn addresses_are_lowercase_hex() {
        let mut bytes = [0u8; 20];
        for (i, byte) in bytes.iter_mut().enumerate() {
            *byte = (i as u8).wrapping_mul(37).wrapping_add(9);
        }
        for address in [Address(bytes), Address([0; 20]), Address([0xff; 20]), Address([0x9a; 20])] {
            let mut json = Json::with_capacity(0);
            json.address(&address);
            let hex: String = address.0.iter().map(|b| format!("{b:02x}")).collect();
            assert_eq!(text(json), format!("\"0x{hex}\""));
        }
    }

    #[test]
    fn decimals_cover_the_range() {
        let mut all = [0, 7, 9, 10, 99, 100, 101, 999, 1000, 12_345, u128::from(u32::MAX)].to_vec();
        all.extend([10_000_000_000_000_000_000, u128::from(u64::MAX), u128::from(u64::MAX) + 1, u128::MAX]);
        all.extend((0..39).flat_map(|p| [10u128.pow(p), 10u128.pow(p) - 1, 10u128.pow(p) + 1]));
        for n in all {
            let mut json = Json::with_capacity(0);
            json.decimal(n);
            assert_eq!(text(json), n.to_string());
        }
    }

    #[test]
    fn calldata_is_the_encoded_string() {
        for len in [0, 5, 15, 16, 17, 2000, 300_000] {
            let mut json = Json::with_capacity(0);
            json.bytes("x".repeat(len).as_bytes());
            let mut text = json.finish();
            let expected = calldata::encode(&Value::Str("x".repeat(len)));
            assert_eq!(text.calldata_after(&[]), expected);
            let prefix = [7u8; 12];
            let mut with_prefix = prefix.to_vec();
            with_prefix.extend_from_slice(&expected);
            assert_eq!(text.calldata_after(&prefix), with_prefix);
            assert_eq!(text.calldata_after(&[1; 30])[30..], expected[..]);
            assert_eq!(text.into_value(), Value::Str("x".repeat(len)));
        }
    }
}
