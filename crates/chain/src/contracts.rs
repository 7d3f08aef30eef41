//! Contracts beyond the billing one: their addresses, and the `.wasm` inside a GenVM deployment
//! archive.

use std::borrow::Cow;

use api_usage_billing::Address;
use sha3::{Digest, Keccak256};

/// The address of `sender`'s `count`-th deploy (from 0): the last 20 bytes of
/// Keccak-256(sender ‖ count as 8 big-endian bytes). Deterministic, and never the same twice.
pub fn contract_address(sender: &Address, count: u64) -> Address {
    let mut hasher = Keccak256::new();
    hasher.update(sender.0);
    hasher.update(count.to_be_bytes());
    let hash: [u8; 32] = hasher.finalize().into();
    let mut address = [0u8; 20];
    address.copy_from_slice(&hash[12..]);
    Address(address)
}

/// Why deploy code was not taken.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    #[error("a deployment archive without a stored (uncompressed) contract.wasm")]
    NoWasmInArchive,
}

/// The module to load on wasmi: a bare `.wasm` as it is, a GenVM `.zip`'s `contract.wasm` (stored
/// entries only: what `cargo build-wasm` writes; GenVM's own tooling writes the same).
pub fn wasm_in(code: &[u8]) -> Result<Cow<'_, [u8]>, CodeError> {
    if !code.starts_with(b"PK\x03\x04") {
        return Ok(Cow::Borrowed(code));
    }
    let u16_at = |at: usize| code.get(at..at + 2).map(|b| u16::from_le_bytes([b[0], b[1]]) as usize);
    let u32_at =
        |at: usize| code.get(at..at + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize);
    let mut at = 0usize;
    while code.get(at..at + 4) == Some(b"PK\x03\x04") {
        let header = (|| {
            let flags = u16_at(at + 6)?;
            let method = u16_at(at + 8)?;
            let size = u32_at(at + 18)?;
            let name_len = u16_at(at + 26)?;
            let extra_len = u16_at(at + 28)?;
            let name_at = at.checked_add(30)?;
            let data_at = name_at.checked_add(name_len)?.checked_add(extra_len)?;
            let name = code.get(name_at..name_at.checked_add(name_len)?)?;
            let data = code.get(data_at..data_at.checked_add(size)?)?;
            Some((flags, method, name, data, data_at.checked_add(size)?))
        })();
        let Some((flags, method, name, data, next)) = header else { break };
        // Bit 3: sizes come after the data, unknown here.
        if flags & 0x08 != 0 {
            break;
        }
        if name == b"contract.wasm" && method == 0 {
            return Ok(Cow::Owned(data.to_vec()));
        }
        at = next;
    }
    Err(CodeError::NoWasmInArchive)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_follow_sender_and_count() {
        let a = contract_address(&Address([1; 20]), 0);
        assert_eq!(a, contract_address(&Address([1; 20]), 0));
        assert_ne!(a, contract_address(&Address([1; 20]), 1));
        assert_ne!(a, contract_address(&Address([2; 20]), 0));
    }

    #[test]
    fn the_wasm_comes_out_of_a_stored_archive_and_bad_archives_are_refused() {
        let wasm = b"\0asm\x01\0\0\0".as_slice();
        assert_eq!(wasm_in(wasm).unwrap(), wasm);
        let zip = billing_artifact_like_zip(wasm);
        assert_eq!(wasm_in(&zip).unwrap(), wasm);
        assert_eq!(wasm_in(b"PK\x03\x04short"), Err(CodeError::NoWasmInArchive));
        assert_eq!(wasm_in(&zip[..zip.len() / 2]), Err(CodeError::NoWasmInArchive));
    }

    /// A stored zip with `runner.json` then `contract.wasm` (local headers only suffice here).
    fn billing_artifact_like_zip(wasm: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        for (name, data) in
            [("runner.json", br#"{"StartWasm":"contract.wasm"}"#.as_slice()), ("contract.wasm", wasm)]
        {
            out.extend_from_slice(b"PK\x03\x04");
            out.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            out.extend_from_slice(&(data.len() as u32).to_le_bytes());
            out.extend_from_slice(&(data.len() as u32).to_le_bytes());
            out.extend_from_slice(&(name.len() as u16).to_le_bytes());
            out.extend_from_slice(&0u16.to_le_bytes());
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(data);
        }
        out
    }
}
