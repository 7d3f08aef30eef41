//! The consensus contract's `addTransaction` call, ABI-decoded: genlayer-js 1.x sends the five
//! argument form, newer chains and the fallback the six argument one with `_validUntil`.

use thiserror::Error;

use crate::eth::keccak;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddTransaction {
    pub sender: [u8; 20],
    pub recipient: [u8; 20],
    pub num_initial_validators: u128,
    pub max_rotations: u128,
    pub tx_data: Vec<u8>,
    /// Seconds since the epoch after which the transaction may not run; 0 or absent: no limit.
    pub valid_until: Option<u128>,
}

#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum AbiError {
    #[error("the transaction does not call the consensus contract's addTransaction (selector {0})")]
    UnknownSelector(String),
    #[error("addTransaction arguments are truncated")]
    Truncated,
    #[error("addTransaction argument `{0}` is out of range")]
    OutOfRange(&'static str),
}

pub const SIGNATURE_V5: &str = "addTransaction(address,address,uint256,uint256,bytes)";
pub const SIGNATURE_V6: &str = "addTransaction(address,address,uint256,uint256,bytes,uint256)";

fn selector(signature: &str) -> [u8; 4] {
    let hash = keccak(signature.as_bytes());
    [hash[0], hash[1], hash[2], hash[3]]
}

fn word(args: &[u8], index: usize) -> Result<&[u8; 32], AbiError> {
    let start = index.checked_mul(32).ok_or(AbiError::Truncated)?;
    args.get(start..start + 32).and_then(|w| w.try_into().ok()).ok_or(AbiError::Truncated)
}

fn address(args: &[u8], index: usize, name: &'static str) -> Result<[u8; 20], AbiError> {
    let w = word(args, index)?;
    if w[..12].iter().any(|&b| b != 0) {
        return Err(AbiError::OutOfRange(name));
    }
    let mut out = [0u8; 20];
    out.copy_from_slice(&w[12..]);
    Ok(out)
}

/// A uint256 that must fit 128 bits (every count and time here does).
fn uint(args: &[u8], index: usize, name: &'static str) -> Result<u128, AbiError> {
    let w = word(args, index)?;
    if w[..16].iter().any(|&b| b != 0) {
        return Err(AbiError::OutOfRange(name));
    }
    let mut low = [0u8; 16];
    low.copy_from_slice(&w[16..]);
    Ok(u128::from_be_bytes(low))
}

fn offset(args: &[u8], index: usize, name: &'static str) -> Result<usize, AbiError> {
    usize::try_from(uint(args, index, name)?).map_err(|_| AbiError::OutOfRange(name))
}

pub fn decode_add_transaction(input: &[u8]) -> Result<AddTransaction, AbiError> {
    let (head, args) = input.split_at_checked(4).ok_or(AbiError::Truncated)?;
    let six = if head == selector(SIGNATURE_V6) {
        true
    } else if head == selector(SIGNATURE_V5) {
        false
    } else {
        return Err(AbiError::UnknownSelector(crate::hex::data(head)));
    };
    let at = offset(args, 4, "_txData")?;
    let length_word = at.checked_div(32).filter(|_| at % 32 == 0).ok_or(AbiError::OutOfRange("_txData"))?;
    let length = offset(args, length_word, "_txData")?;
    let start = at.checked_add(32).ok_or(AbiError::Truncated)?;
    let end = start.checked_add(length).ok_or(AbiError::Truncated)?;
    let tx_data = args.get(start..end).ok_or(AbiError::Truncated)?.to_vec();
    Ok(AddTransaction {
        sender: address(args, 0, "_sender")?,
        recipient: address(args, 1, "_recipient")?,
        num_initial_validators: uint(args, 2, "_numOfInitialValidators")?,
        max_rotations: uint(args, 3, "_maxRotations")?,
        tx_data,
        valid_until: if six { Some(uint(args, 5, "_validUntil")?).filter(|&t| t != 0) } else { None },
    })
}

/// Encodes `addTransaction` the way viem does, for tests and the load test.
pub fn encode_add_transaction(call: &AddTransaction) -> Vec<u8> {
    let six = call.valid_until.is_some();
    let mut out = selector(if six { SIGNATURE_V6 } else { SIGNATURE_V5 }).to_vec();
    let pad = |out: &mut Vec<u8>, bytes: &[u8]| {
        out.extend(std::iter::repeat_n(0u8, 32 - bytes.len()));
        out.extend_from_slice(bytes);
    };
    pad(&mut out, &call.sender);
    pad(&mut out, &call.recipient);
    pad(&mut out, &call.num_initial_validators.to_be_bytes());
    pad(&mut out, &call.max_rotations.to_be_bytes());
    let head_words: u128 = if six { 6 } else { 5 };
    pad(&mut out, &(head_words * 32).to_be_bytes());
    if let Some(until) = call.valid_until {
        pad(&mut out, &until.to_be_bytes());
    }
    pad(&mut out, &(call.tx_data.len() as u128).to_be_bytes());
    out.extend_from_slice(&call.tx_data);
    out.extend(std::iter::repeat_n(0u8, (32 - call.tx_data.len() % 32) % 32));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(valid_until: Option<u128>) -> AddTransaction {
        AddTransaction {
            sender: [0xaa; 20],
            recipient: [0xc0; 20],
            num_initial_validators: 5,
            max_rotations: 3,
            tx_data: (0..70).collect(),
            valid_until,
        }
    }

    #[test]
    fn both_forms_round_trip() {
        for call in [sample(None), sample(Some(1_767_229_200))] {
            assert_eq!(decode_add_transaction(&encode_add_transaction(&call)), Ok(call));
        }
        // The older CLI sends the six argument form with `_validUntil` = 0: no limit.
        let mut zero = encode_add_transaction(&sample(Some(1)));
        let at = 4 + 5 * 32 + 31;
        zero[at] = 0;
        assert_eq!(decode_add_transaction(&zero).map(|c| c.valid_until), Ok(None));
    }

    #[test]
    fn selectors_are_the_published_ones() {
        // `cast sig` of both signatures.
        assert_eq!(crate::hex::data(&selector(SIGNATURE_V5)), "0x27241a99");
        assert_eq!(crate::hex::data(&selector(SIGNATURE_V6)), "0xe71d5196");
    }

    #[test]
    fn malformed_calls_are_refused() {
        let good = encode_add_transaction(&sample(None));
        assert!(matches!(decode_add_transaction(&good[..3]), Err(AbiError::Truncated)));
        assert!(matches!(decode_add_transaction(&good[..good.len() - 40]), Err(AbiError::Truncated)));
        assert!(matches!(decode_add_transaction(&[1, 2, 3, 4]), Err(AbiError::UnknownSelector(_))));
        let mut dirty = good.clone();
        dirty[4] = 1;
        assert_eq!(decode_add_transaction(&dirty), Err(AbiError::OutOfRange("_sender")));
        let mut far = good;
        far[4 + 4 * 32 + 20] = 0xff;
        assert!(decode_add_transaction(&far).is_err());
    }
}
