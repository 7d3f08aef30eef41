//! GenLayer's calldata encoding: every [`Value`] to bytes and back, strictly as the reference does.
//!
//! A value starts with a ULEB128 header `h`: `h & 7` is the type, `h >> 3` its number. Types: 0 special
//! (0 null, 1 false, 2 true, 3 address + 20 bytes), 1 int `n`, 2 int `-n - 1`, 3 bytes, 4 UTF-8 string,
//! 5 array, 6 map (keys: ULEB length + UTF-8, strictly ascending by bytes). ULEBs are minimal; sizes
//! fit 32 bits; the whole input is one value.

use alloc::string::String;
use alloc::vec::Vec;

use crate::{Address, Error, Int, Value};

const SPECIAL: u8 = 0;
const POS_INT: u8 = 1;
const NEG_INT: u8 = 2;
const BYTES: u8 = 3;
const STR: u8 = 4;
const ARRAY: u8 = 5;
const MAP: u8 = 6;

const NULL: u64 = 0;
const FALSE: u64 = 1;
const TRUE: u64 = 2;
const ADDRESS: u64 = 3;

/// Nesting deeper than this is refused, so hostile input cannot exhaust the stack.
const MAX_DEPTH: u32 = 64;
/// Items reserved ahead for an array or map: beyond this a container grows as its items actually
/// decode, so a claimed count never drives allocation (docs/ABI.md, "Memory").
const MAX_RESERVED_ITEMS: usize = 16;

/// The longest string, bytes value or map key a call's arguments may hold. No entrypoint takes more
/// (names are at most 256 bytes raw, addresses 42), so a longer one is refused on its length, before
/// it is validated or copied ([`too_long`]).
pub const MAX_ARGUMENT_TEXT: usize = 4096;

/// The refusal of an argument text longer than [`MAX_ARGUMENT_TEXT`], the same natively and in wasm.
pub fn too_long() -> Error {
    Error::InvalidArguments(String::from("a string or bytes argument is longer than 4096 bytes"))
}

/// Decodes exactly one value that spans all of `input`.
pub fn decode(input: &[u8]) -> Result<Value, Error> {
    decode_limited(input, usize::MAX)
}

/// [`decode`] for a call's arguments: a string, bytes value or map key longer than
/// [`MAX_ARGUMENT_TEXT`] is refused ([`too_long`]) as soon as its length is read.
pub fn decode_arguments(input: &[u8]) -> Result<Value, Error> {
    decode_limited(input, MAX_ARGUMENT_TEXT)
}

fn decode_limited(input: &[u8], max_text: usize) -> Result<Value, Error> {
    let mut reader = Reader { input, at: 0, max_text, lend: None, lent: None };
    let value = reader.value(0)?;
    if reader.at == input.len() {
        Ok(value)
    } else {
        Err(Error::InvalidCalldata)
    }
}

/// [`decode`] of a map whose entry `key` holds bytes, lending those bytes rather than copying them:
/// the map comes back with that entry's value `Null` and the bytes beside it (`None` if the entry is
/// missing or not bytes). GenVM's message lends its `entry_data`, which may be most of it.
pub fn decode_lending<'a>(input: &'a [u8], key: &'static str) -> Result<(Value, Option<&'a [u8]>), Error> {
    let mut reader = Reader { input, at: 0, max_text: usize::MAX, lend: Some(key), lent: None };
    let value = reader.value(0)?;
    if reader.at == input.len() {
        Ok((value, reader.lent))
    } else {
        Err(Error::InvalidCalldata)
    }
}

/// Encodes `value`; map keys are written in ascending byte order, whatever order the map holds.
pub fn encode(value: &Value) -> Vec<u8> {
    // Room for a receipt or a refusal: growing from empty copies it four times over.
    let mut out = Vec::with_capacity(128);
    write_value(&mut out, value);
    out
}

struct Reader<'a> {
    input: &'a [u8],
    at: usize,
    /// Longest string, bytes value or map key accepted.
    max_text: usize,
    /// The top-level map entry whose bytes are lent, not copied ([`decode_lending`]).
    lend: Option<&'static str>,
    lent: Option<&'a [u8]>,
}

impl<'a> Reader<'a> {
    /// The `len` bytes of a string, bytes value or map key, refused on its length if over the limit.
    fn text(&mut self, len: usize) -> Result<&'a [u8], Error> {
        if len > self.max_text {
            return Err(too_long());
        }
        self.take(len)
    }

    fn take(&mut self, len: usize) -> Result<&'a [u8], Error> {
        let end = self.at.checked_add(len).ok_or(Error::InvalidCalldata)?;
        let bytes = self.input.get(self.at..end).ok_or(Error::InvalidCalldata)?;
        self.at = end;
        Ok(bytes)
    }

    /// The bytes of one minimal ULEB128, continuation bits included.
    fn uleb(&mut self) -> Result<&'a [u8], Error> {
        let rest = self.input.get(self.at..).ok_or(Error::InvalidCalldata)?;
        let len = rest.iter().position(|b| b & 0x80 == 0).ok_or(Error::InvalidCalldata)? + 1;
        let groups = self.take(len)?;
        if len > 1 && groups.last() == Some(&0) {
            return Err(Error::InvalidCalldata);
        }
        Ok(groups)
    }

    /// A ULEB that must fit 32 bits (sizes, counts, key lengths), shifted right by `shift`.
    fn small(groups: &[u8], shift: u32) -> Result<usize, Error> {
        if groups.len() > 5 {
            return Err(Error::InvalidCalldata);
        }
        let value = groups.iter().rev().fold(0u64, |acc, g| (acc << 7) | u64::from(g & 0x7f));
        let n = u32::try_from(value >> shift).map_err(|_| Error::InvalidCalldata)?;
        usize::try_from(n).map_err(|_| Error::InvalidCalldata)
    }

    /// A value that, if it is bytes, is lent (and `Null` stands in for it); otherwise decoded.
    fn lend_bytes(&mut self, depth: u32) -> Result<Value, Error> {
        let start = self.at;
        let header = self.uleb()?;
        if header.first().map(|b| b & 7) == Some(BYTES) {
            let len = Self::small(header, 3)?;
            self.lent = Some(self.text(len)?);
            return Ok(Value::Null);
        }
        self.at = start;
        self.value(depth)
    }

    /// `count`, if the input left can hold that many items of at least `min_size` bytes each.
    fn holdable(&self, count: usize, min_size: usize) -> Result<usize, Error> {
        let left = self.input.len().saturating_sub(self.at);
        match count.checked_mul(min_size) {
            Some(needed) if needed <= left => Ok(count),
            _ => Err(Error::InvalidCalldata),
        }
    }

    fn value(&mut self, depth: u32) -> Result<Value, Error> {
        if depth > MAX_DEPTH {
            return Err(Error::InvalidCalldata);
        }
        let header = self.uleb()?;
        let kind = header.first().map_or(0, |b| b & 7);
        match kind {
            SPECIAL => match Self::small(header, 3) {
                Ok(n) if n as u64 == NULL => Ok(Value::Null),
                Ok(n) if n as u64 == FALSE => Ok(Value::Bool(false)),
                Ok(n) if n as u64 == TRUE => Ok(Value::Bool(true)),
                Ok(n) if n as u64 == ADDRESS => {
                    let address = self.take(20)?.try_into().map_err(|_| Error::InvalidCalldata)?;
                    Ok(Value::Address(Address(address)))
                }
                _ => Err(Error::InvalidCalldata),
            },
            POS_INT | NEG_INT => Ok(Value::Int(int_from_header(header, kind == NEG_INT))),
            BYTES => {
                let len = Self::small(header, 3)?;
                Ok(Value::Bytes(self.text(len)?.to_vec()))
            }
            STR => {
                let len = Self::small(header, 3)?;
                Ok(Value::Str(utf8(self.text(len)?)?))
            }
            ARRAY => {
                // Each item takes at least one byte: a count the rest cannot hold is refused at once.
                let count = self.holdable(Self::small(header, 3)?, 1)?;
                let mut items = Vec::with_capacity(count.min(MAX_RESERVED_ITEMS));
                for _ in 0..count {
                    items.push(self.value(depth + 1)?);
                }
                Ok(Value::Array(items))
            }
            MAP => {
                // Each entry takes at least two bytes: its key's length and its value's header.
                let count = self.holdable(Self::small(header, 3)?, 2)?;
                let mut entries: Vec<(String, Value)> = Vec::with_capacity(count.min(MAX_RESERVED_ITEMS));
                for _ in 0..count {
                    let key_len = Self::small(self.uleb()?, 0)?;
                    let key = utf8(self.text(key_len)?)?;
                    if entries.last().is_some_and(|(previous, _)| previous.as_bytes() >= key.as_bytes()) {
                        return Err(Error::InvalidCalldata);
                    }
                    let value = if depth == 0 && self.lend == Some(key.as_str()) {
                        self.lend_bytes(depth + 1)?
                    } else {
                        self.value(depth + 1)?
                    };
                    entries.push((key, value));
                }
                Ok(Value::Map(entries))
            }
            _ => Err(Error::InvalidCalldata),
        }
    }
}

fn utf8(bytes: &[u8]) -> Result<String, Error> {
    if bytes.is_ascii() {
        // ASCII is UTF-8 as it is: in wasm, pushing it costs a fraction of validating it
        // (`from_utf8` is charged its whole multibyte path for every byte of a short string).
        let mut text = String::with_capacity(bytes.len());
        text.extend(bytes.iter().map(|&byte| char::from(byte)));
        return Ok(text);
    }
    core::str::from_utf8(bytes).map(String::from).map_err(|_| Error::InvalidCalldata)
}

/// The int whose header ULEB is `groups`: `n = header >> 3`, of any size.
fn int_from_header(groups: &[u8], negative: bool) -> Int {
    if groups.len() <= 18 {
        // At most 126 bits: the common case, without a buffer.
        let header = groups.iter().rev().fold(0u128, |acc, g| (acc << 7) | u128::from(g & 0x7f));
        return Int::Small { negative, n: header >> 3 };
    }
    // Unpack the 7-bit groups into little-endian bytes, dropping the 3 type bits on the way.
    let mut n_le = Vec::with_capacity(groups.len());
    let (mut acc, mut bits) = (0u32, 0u32);
    let mut skip = 3u32;
    for group in groups {
        let mut chunk = u32::from(group & 0x7f);
        let mut width = 7u32;
        if skip > 0 {
            chunk >>= skip;
            width -= skip;
            skip = 0;
        }
        acc |= chunk << bits;
        bits += width;
        while bits >= 8 {
            n_le.push((acc & 0xff) as u8);
            acc >>= 8;
            bits -= 8;
        }
    }
    if bits > 0 {
        n_le.push((acc & 0xff) as u8);
    }
    Int::from_le_bytes(negative, &n_le)
}

/// Writes the ULEB128 of the little-endian number `le` shifted left by 3, with `kind` in the low bits.
fn write_header_le(out: &mut Vec<u8>, le: &[u8], kind: u8) {
    // Bits of (le << 3 | kind), least significant first, regrouped by 7.
    let mut acc = u32::from(kind);
    let mut bits = 3u32;
    let mut groups: Vec<u8> = Vec::with_capacity(le.len() + 2);
    for byte in le {
        acc |= u32::from(*byte) << bits;
        bits += 8;
        while bits >= 7 {
            groups.push((acc & 0x7f) as u8);
            acc >>= 7;
            bits -= 7;
        }
    }
    groups.push((acc & 0x7f) as u8);
    // Minimal form: drop high zero groups (keep at least one).
    while groups.len() > 1 && groups.last() == Some(&0) {
        groups.pop();
    }
    let last = groups.len() - 1;
    for (i, group) in groups.iter().enumerate() {
        out.push(if i < last { group | 0x80 } else { *group });
    }
}

fn write_header(out: &mut Vec<u8>, n: u128, kind: u8) {
    if n >= 1 << 125 {
        // The header would pass 128 bits.
        return write_header_le(out, &n.to_le_bytes(), kind);
    }
    let mut value = (n << 3) | u128::from(kind);
    loop {
        let group = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(group);
            return;
        }
        out.push(group | 0x80);
    }
}

fn write_value(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::Null => write_header(out, u128::from(NULL), SPECIAL),
        Value::Bool(false) => write_header(out, u128::from(FALSE), SPECIAL),
        Value::Bool(true) => write_header(out, u128::from(TRUE), SPECIAL),
        Value::Address(address) => {
            write_header(out, u128::from(ADDRESS), SPECIAL);
            out.extend_from_slice(&address.0);
        }
        Value::Int(Int::Small { negative, n }) => {
            write_header(out, *n, if *negative { NEG_INT } else { POS_INT })
        }
        Value::Int(Int::Wide { negative, n_le }) => {
            write_header_le(out, n_le, if *negative { NEG_INT } else { POS_INT })
        }
        Value::Bytes(bytes) => {
            write_header(out, bytes.len() as u128, BYTES);
            out.extend_from_slice(bytes);
        }
        Value::Str(text) => write_str(out, text),
        Value::Array(items) => {
            write_header(out, items.len() as u128, ARRAY);
            for item in items {
                write_value(out, item);
            }
        }
        Value::Map(entries) => {
            write_header(out, entries.len() as u128, MAP);
            let in_order = entries.windows(2).all(|pair| matches!(pair, [a, b] if a.0 <= b.0));
            if in_order {
                entries.iter().for_each(|(key, item)| write_entry(out, key, item));
            } else {
                // Maps here are small: an insertion sort keeps the artifact free of a general sort.
                let mut sorted: Vec<&(String, Value)> = Vec::with_capacity(entries.len());
                for entry in entries {
                    let at = sorted.iter().position(|other| other.0 > entry.0).unwrap_or(sorted.len());
                    sorted.insert(at, entry);
                }
                sorted.iter().for_each(|(key, item)| write_entry(out, key, item));
            }
        }
    }
}

fn write_entry(out: &mut Vec<u8>, key: &str, item: &Value) {
    write_key_len(out, key.len());
    out.extend_from_slice(key.as_bytes());
    write_value(out, item);
}

/// The header of a map of `len` entries; each entry follows as [`write_map_key`] then its value,
/// keys strictly ascending by bytes (the caller's promise). For requests written without a `Value`.
pub(crate) fn write_map_header(out: &mut Vec<u8>, len: usize) {
    write_header(out, len as u128, MAP);
}

/// A map entry's key.
pub(crate) fn write_map_key(out: &mut Vec<u8>, key: &str) {
    write_key_len(out, key.len());
    out.extend_from_slice(key.as_bytes());
}

/// One value, as [`encode`] writes it, appended to `out`.
pub(crate) fn write_encoded(out: &mut Vec<u8>, value: &Value) {
    write_value(out, value);
}

/// An array of one bytes value.
pub(crate) fn write_one_bytes_array(out: &mut Vec<u8>, bytes: &[u8]) {
    write_header(out, 1, ARRAY);
    write_header(out, bytes.len() as u128, BYTES);
    out.extend_from_slice(bytes);
}

/// The event `[name, [[field, value], ...]]` (what `Event::to_value` describes), written directly.
pub fn encode_event(event: &crate::Event) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 + 48 * event.fields.len());
    write_header(&mut out, 2, ARRAY);
    write_str(&mut out, &event.name);
    write_header(&mut out, event.fields.len() as u128, ARRAY);
    for (key, value) in &event.fields {
        write_header(&mut out, 2, ARRAY);
        write_str(&mut out, key);
        write_value(&mut out, value);
    }
    out
}

/// The header of an array of `len` items; the items follow. For values written without a `Value`.
pub(crate) fn write_array_header(out: &mut Vec<u8>, len: usize) {
    write_header(out, len as u128, ARRAY);
}

/// A non-negative int, as `Value::from(n)` encodes.
pub(crate) fn write_uint(out: &mut Vec<u8>, n: u128) {
    write_header(out, n, POS_INT);
}

/// An address, as `Value::Address` encodes.
pub(crate) fn write_address(out: &mut Vec<u8>, address: &Address) {
    write_header(out, u128::from(ADDRESS), SPECIAL);
    out.extend_from_slice(&address.0);
}

/// A string, as `Value::Str` encodes.
pub(crate) fn write_str(out: &mut Vec<u8>, text: &str) {
    write_str_header(out, text.len());
    out.extend_from_slice(text.as_bytes());
}

/// The header of a string of `len` bytes; its bytes follow.
pub(crate) fn write_str_header(out: &mut Vec<u8>, len: usize) {
    write_header(out, len as u128, STR);
}

fn write_key_len(out: &mut Vec<u8>, mut len: usize) {
    loop {
        let group = (len & 0x7f) as u8;
        len >>= 7;
        if len == 0 {
            out.push(group);
            return;
        }
        out.push(group | 0x80);
    }
}
