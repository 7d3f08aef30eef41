//! Recursive Length Prefix, the encoding of signed transactions and of GenLayer's transaction data:
//! a strict decoder (canonical lengths only, bounded depth) and the encoder the signing hash needs.

use thiserror::Error;

/// One decoded item; byte strings borrow from the input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Item<'a> {
    Bytes(&'a [u8]),
    List(Vec<Item<'a>>),
}

#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum RlpError {
    #[error("RLP input ends inside an item")]
    Truncated,
    #[error("RLP input has bytes after its item")]
    Trailing,
    #[error("RLP length is not in its shortest form")]
    NonCanonical,
    #[error("RLP nesting deeper than {MAX_DEPTH}")]
    TooDeep,
    #[error("RLP: expected a byte string")]
    NotBytes,
    #[error("RLP: expected a list")]
    NotList,
}

/// Deeper nesting than any transaction has is refused before it can exhaust the stack.
const MAX_DEPTH: usize = 16;

impl<'a> Item<'a> {
    pub fn bytes(&self) -> Result<&'a [u8], RlpError> {
        match self {
            Item::Bytes(bytes) => Ok(bytes),
            Item::List(_) => Err(RlpError::NotBytes),
        }
    }

    pub fn list(&self) -> Result<&[Item<'a>], RlpError> {
        match self {
            Item::List(items) => Ok(items),
            Item::Bytes(_) => Err(RlpError::NotList),
        }
    }
}

/// Decodes `input`, which must be exactly one item.
pub fn decode(input: &[u8]) -> Result<Item<'_>, RlpError> {
    let (item, rest) = decode_one(input, 0)?;
    if !rest.is_empty() {
        return Err(RlpError::Trailing);
    }
    Ok(item)
}

fn split(input: &[u8], at: usize) -> Result<(&[u8], &[u8]), RlpError> {
    if at > input.len() {
        return Err(RlpError::Truncated);
    }
    Ok(input.split_at(at))
}

/// A big-endian length of `width` bytes, in its shortest form and at least 56.
fn long_length(input: &[u8], width: usize) -> Result<(usize, &[u8]), RlpError> {
    let (digits, rest) = split(input, width)?;
    if digits.first() == Some(&0) {
        return Err(RlpError::NonCanonical);
    }
    let mut length: usize = 0;
    for &digit in digits {
        length = length
            .checked_mul(256)
            .and_then(|l| l.checked_add(usize::from(digit)))
            .ok_or(RlpError::Truncated)?;
    }
    if length < 56 {
        return Err(RlpError::NonCanonical);
    }
    Ok((length, rest))
}

fn decode_one(input: &[u8], depth: usize) -> Result<(Item<'_>, &[u8]), RlpError> {
    if depth > MAX_DEPTH {
        return Err(RlpError::TooDeep);
    }
    let (&prefix, rest) = input.split_first().ok_or(RlpError::Truncated)?;
    match prefix {
        0x00..=0x7f => Ok((Item::Bytes(&input[..1]), rest)),
        0x80..=0xb7 => {
            let (bytes, rest) = split(rest, usize::from(prefix - 0x80))?;
            if let [single] = bytes {
                if *single < 0x80 {
                    return Err(RlpError::NonCanonical);
                }
            }
            Ok((Item::Bytes(bytes), rest))
        }
        0xb8..=0xbf => {
            let (length, rest) = long_length(rest, usize::from(prefix - 0xb7))?;
            let (bytes, rest) = split(rest, length)?;
            Ok((Item::Bytes(bytes), rest))
        }
        0xc0..=0xf7 => {
            let (body, rest) = split(rest, usize::from(prefix - 0xc0))?;
            Ok((Item::List(decode_list(body, depth)?), rest))
        }
        0xf8..=0xff => {
            let (length, rest) = long_length(rest, usize::from(prefix - 0xf7))?;
            let (body, rest) = split(rest, length)?;
            Ok((Item::List(decode_list(body, depth)?), rest))
        }
    }
}

fn decode_list(mut body: &[u8], depth: usize) -> Result<Vec<Item<'_>>, RlpError> {
    let mut items = Vec::new();
    while !body.is_empty() {
        let (item, rest) = decode_one(body, depth + 1)?;
        items.push(item);
        body = rest;
    }
    Ok(items)
}

fn encode_header(out: &mut Vec<u8>, length: usize, short: u8) {
    if length < 56 {
        // `length < 56` fits a byte.
        out.push(short + length as u8);
    } else {
        let digits = length.to_be_bytes();
        let skip = digits.iter().take_while(|&&d| d == 0).count();
        let width = digits.len() - skip;
        out.push(short + 55 + width as u8);
        out.extend_from_slice(&digits[skip..]);
    }
}

/// Appends `bytes` as a byte string.
pub fn encode_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    if let [single] = bytes {
        if *single < 0x80 {
            out.push(*single);
            return;
        }
    }
    encode_header(out, bytes.len(), 0x80);
    out.extend_from_slice(bytes);
}

/// A list of already encoded items.
pub fn encode_list(items: &[Vec<u8>]) -> Vec<u8> {
    let length = items.iter().map(Vec::len).sum();
    let mut out = Vec::with_capacity(length + 9);
    encode_header(&mut out, length, 0xc0);
    for item in items {
        out.extend_from_slice(item);
    }
    out
}

/// One byte string, encoded.
pub fn bytes(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + 9);
    encode_bytes(&mut out, bytes);
    out
}

/// An unsigned integer as RLP's minimal big-endian byte string.
pub fn uint(value: u128) -> Vec<u8> {
    let digits = value.to_be_bytes();
    let skip = digits.iter().take_while(|&&d| d == 0).count();
    bytes(&digits[skip..])
}

/// A canonical big-endian unsigned integer (no leading zero byte) of at most 16 bytes.
pub fn to_u128(bytes: &[u8]) -> Option<u128> {
    if bytes.len() > 16 || bytes.first() == Some(&0) {
        return None;
    }
    Some(bytes.iter().fold(0u128, |acc, &b| (acc << 8) | u128::from(b)))
}

pub fn to_u64(bytes: &[u8]) -> Option<u64> {
    to_u128(bytes).and_then(|v| u64::try_from(v).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_vectors_round_trip() {
        // From the Ethereum wiki's RLP examples.
        assert_eq!(bytes(b"dog"), vec![0x83, b'd', b'o', b'g']);
        assert_eq!(encode_list(&[bytes(b"cat"), bytes(b"dog")]), b"\xc8\x83cat\x83dog".to_vec());
        assert_eq!(bytes(b""), vec![0x80]);
        assert_eq!(encode_list(&[]), vec![0xc0]);
        assert_eq!(uint(0), vec![0x80]);
        assert_eq!(uint(15), vec![0x0f]);
        assert_eq!(uint(1024), vec![0x82, 0x04, 0x00]);
        let long = vec![b'a'; 60];
        let encoded = bytes(&long);
        assert_eq!(&encoded[..2], &[0xb8, 60]);
        assert_eq!(decode(&encoded), Ok(Item::Bytes(&long)));
        let nested = encode_list(&[encode_list(&[]), encode_list(&[encode_list(&[])])]);
        assert_eq!(
            decode(&nested),
            Ok(Item::List(vec![Item::List(vec![]), Item::List(vec![Item::List(vec![])])]))
        );
    }

    #[test]
    fn malformed_input_is_refused() {
        assert_eq!(decode(&[]), Err(RlpError::Truncated));
        assert_eq!(decode(&[0x83, b'd']), Err(RlpError::Truncated));
        assert_eq!(decode(&[0x01, 0x02]), Err(RlpError::Trailing));
        assert_eq!(decode(&[0x81, 0x05]), Err(RlpError::NonCanonical));
        assert_eq!(decode(&[0xb8, 0x05, 1, 2, 3, 4, 5]), Err(RlpError::NonCanonical));
        assert_eq!(decode(&[0xb9, 0x00, 0x40]), Err(RlpError::NonCanonical));
        assert_eq!(decode(&[0xbf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), Err(RlpError::Truncated));
        let mut deep = encode_list(&[]);
        for _ in 0..40 {
            deep = encode_list(&[deep]);
        }
        assert_eq!(decode(&deep), Err(RlpError::TooDeep));
        assert_eq!(to_u128(&[0, 1]), None);
        assert_eq!(to_u128(&[0xff; 17]), None);
        assert_eq!(to_u64(&[1, 0, 0, 0, 0, 0, 0, 0, 0]), None);
        assert_eq!(to_u64(&[]), Some(0));
    }
}
