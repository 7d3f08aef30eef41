//! Signed Ethereum transactions as `eth_sendRawTransaction` receives them: legacy EIP-155 (what
//! genlayer-js signs) and EIP-1559, decoded strictly, the sender recovered from the signature.

use k256::ecdsa::{RecoveryId, Signature, VerifyingKey};
use sha3::{Digest, Keccak256};
use thiserror::Error;

use crate::rlp::{self, Item, RlpError};

pub fn keccak(bytes: &[u8]) -> [u8; 32] {
    Keccak256::digest(bytes).into()
}

/// The address of a public key: the last 20 bytes of the Keccak of its uncompressed point.
pub fn address_of(key: &VerifyingKey) -> [u8; 20] {
    let point = key.to_encoded_point(false);
    let hash = keccak(point.as_bytes().get(1..).unwrap_or_default());
    let mut address = [0u8; 20];
    address.copy_from_slice(&hash[12..]);
    address
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedTx {
    /// Keccak of the raw bytes: the transaction's EVM hash.
    pub hash: [u8; 32],
    pub from: [u8; 20],
    pub nonce: u64,
    pub to: Option<[u8; 20]>,
    pub value: u128,
    pub data: Vec<u8>,
    pub chain_id: u64,
    pub gas: u64,
    pub gas_price: u128,
}

#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum TxError {
    #[error("not a transaction: {0}")]
    Rlp(#[from] RlpError),
    #[error("transaction type 0x{0:02x} is not supported (legacy and EIP-1559 are)")]
    UnsupportedType(u8),
    #[error("a transaction has {expected} fields, this one {found}")]
    FieldCount { expected: usize, found: usize },
    #[error("transaction field `{0}` is not a canonical integer in range")]
    BadInteger(&'static str),
    #[error("transaction field `to` is neither empty nor 20 bytes")]
    BadRecipient,
    #[error("the transaction is not replay-protected (EIP-155): sign it for chain id {0}")]
    Unprotected(u64),
    #[error("invalid signature: {0}")]
    BadSignature(&'static str),
}

fn int_u64(item: &Item<'_>, name: &'static str) -> Result<u64, TxError> {
    rlp::to_u64(item.bytes()?).ok_or(TxError::BadInteger(name))
}

fn int_u128(item: &Item<'_>, name: &'static str) -> Result<u128, TxError> {
    rlp::to_u128(item.bytes()?).ok_or(TxError::BadInteger(name))
}

fn recipient(item: &Item<'_>) -> Result<Option<[u8; 20]>, TxError> {
    match item.bytes()? {
        [] => Ok(None),
        bytes => bytes.try_into().map(Some).map_err(|_| TxError::BadRecipient),
    }
}

/// A 32-byte big-endian scalar; RLP strips leading zeros, so shorter is allowed.
fn scalar(item: &Item<'_>, name: &'static str) -> Result<[u8; 32], TxError> {
    let bytes = item.bytes()?;
    if bytes.len() > 32 || bytes.first() == Some(&0) {
        return Err(TxError::BadSignature(name));
    }
    let mut out = [0u8; 32];
    out[32 - bytes.len()..].copy_from_slice(bytes);
    Ok(out)
}

fn recover(prehash: &[u8; 32], r: [u8; 32], s: [u8; 32], y_odd: bool) -> Result<[u8; 20], TxError> {
    let signature =
        Signature::from_scalars(r, s).map_err(|_| TxError::BadSignature("r or s out of range"))?;
    // Homestead rule: only the low-s form is valid, so a signature cannot be malleated.
    if signature.normalize_s().is_some() {
        return Err(TxError::BadSignature("high s"));
    }
    let key = VerifyingKey::recover_from_prehash(prehash, &signature, RecoveryId::new(y_odd, false))
        .map_err(|_| TxError::BadSignature("no key recovers from it"))?;
    Ok(address_of(&key))
}

fn raw_fields<'a>(items: &[Item<'a>]) -> Result<Vec<Vec<u8>>, TxError> {
    items.iter().map(|item| item.bytes().map(rlp::bytes).map_err(TxError::from)).collect()
}

/// Decodes a raw signed transaction and recovers its sender.
pub fn decode(raw: &[u8]) -> Result<SignedTx, TxError> {
    let hash = keccak(raw);
    match raw.first() {
        Some(0x02) => decode_eip1559(raw.get(1..).unwrap_or_default(), hash),
        Some(&kind) if kind < 0x7f => Err(TxError::UnsupportedType(kind)),
        _ => decode_legacy(raw, hash),
    }
}

fn decode_legacy(raw: &[u8], hash: [u8; 32]) -> Result<SignedTx, TxError> {
    let item = rlp::decode(raw)?;
    let fields = item.list()?;
    let [nonce, gas_price, gas, to, value, data, v, r, s] = fields else {
        return Err(TxError::FieldCount { expected: 9, found: fields.len() });
    };
    let v = int_u64(v, "v")?;
    if v == 27 || v == 28 {
        return Err(TxError::Unprotected(crate::CHAIN_ID));
    }
    let chain_id = v.checked_sub(35).map(|x| x / 2).ok_or(TxError::BadSignature("v"))?;
    let y_odd = (v - 35) % 2 == 1;
    let mut signed = raw_fields(&fields[..6])?;
    signed.extend([rlp::uint(u128::from(chain_id)), rlp::uint(0), rlp::uint(0)]);
    let prehash = keccak(&rlp::encode_list(&signed));
    let from = recover(&prehash, scalar(r, "r")?, scalar(s, "s")?, y_odd)?;
    Ok(SignedTx {
        hash,
        from,
        nonce: int_u64(nonce, "nonce")?,
        to: recipient(to)?,
        value: int_u128(value, "value")?,
        data: data.bytes()?.to_vec(),
        chain_id,
        gas: int_u64(gas, "gas")?,
        gas_price: int_u128(gas_price, "gasPrice")?,
    })
}

fn decode_eip1559(payload: &[u8], hash: [u8; 32]) -> Result<SignedTx, TxError> {
    let item = rlp::decode(payload)?;
    let fields = item.list()?;
    let [chain_id, nonce, _tip, max_fee, gas, to, value, data, access_list, y, r, s] = fields else {
        return Err(TxError::FieldCount { expected: 12, found: fields.len() });
    };
    access_list.list()?;
    let y_odd = match int_u64(y, "yParity")? {
        0 => false,
        1 => true,
        _ => return Err(TxError::BadSignature("yParity")),
    };
    // The signed part is the first nine fields exactly as they were sent, access list included.
    let mut signed = raw_fields(&fields[..8])?;
    signed.push(reencode(access_list));
    let mut prehash_input = vec![0x02];
    prehash_input.extend(rlp::encode_list(&signed));
    let from = recover(&keccak(&prehash_input), scalar(r, "r")?, scalar(s, "s")?, y_odd)?;
    Ok(SignedTx {
        hash,
        from,
        nonce: int_u64(nonce, "nonce")?,
        to: recipient(to)?,
        value: int_u128(value, "value")?,
        data: data.bytes()?.to_vec(),
        chain_id: int_u64(chain_id, "chainId")?,
        gas: int_u64(gas, "gas")?,
        gas_price: int_u128(max_fee, "maxFeePerGas")?,
    })
}

/// Canonical decoding makes re-encoding exact, so the signed bytes can be rebuilt from the items.
fn reencode(item: &Item<'_>) -> Vec<u8> {
    match item {
        Item::Bytes(bytes) => rlp::bytes(bytes),
        Item::List(items) => rlp::encode_list(&items.iter().map(reencode).collect::<Vec<_>>()),
    }
}

/// Signs a legacy EIP-155 transaction as a wallet would (for tests, load tests and tools); `None`
/// if `key` is not a valid secp256k1 private key.
pub fn sign_legacy(
    key: &[u8; 32],
    nonce: u64,
    to: Option<[u8; 20]>,
    value: u128,
    data: &[u8],
    chain_id: u64,
) -> Option<Vec<u8>> {
    let key = k256::ecdsa::SigningKey::from_slice(key).ok()?;
    let mut fields = vec![
        rlp::uint(u128::from(nonce)),
        rlp::uint(0),
        rlp::uint(200_000),
        rlp::bytes(to.as_ref().map_or(&[][..], |t| &t[..])),
        rlp::uint(value),
        rlp::bytes(data),
    ];
    let mut unsigned = fields.clone();
    unsigned.extend([rlp::uint(u128::from(chain_id)), rlp::uint(0), rlp::uint(0)]);
    let (signature, id) = key.sign_prehash_recoverable(&keccak(&rlp::encode_list(&unsigned))).ok()?;
    let (r, s) = signature.split_bytes();
    let v = u128::from(chain_id) * 2 + 35 + u128::from(id.is_y_odd());
    fields.extend([rlp::uint(v), rlp::bytes(strip(&r)), rlp::bytes(strip(&s))]);
    Some(rlp::encode_list(&fields))
}

/// The address a private key signs for.
pub fn address_of_key(key: &[u8; 32]) -> Option<[u8; 20]> {
    k256::ecdsa::SigningKey::from_slice(key).ok().map(|k| address_of(k.verifying_key()))
}

fn strip(bytes: &[u8]) -> &[u8] {
    let skip = bytes.iter().take_while(|&&b| b == 0).count();
    &bytes[skip..]
}

#[cfg(test)]
mod tests {
    use super::*;
    use k256::ecdsa::SigningKey;

    fn key(n: u8) -> SigningKey {
        SigningKey::from_bytes(&[n; 32].into()).unwrap()
    }

    fn sign_legacy(
        key: &SigningKey,
        nonce: u64,
        to: Option<[u8; 20]>,
        value: u128,
        data: &[u8],
        chain_id: u64,
    ) -> Vec<u8> {
        super::sign_legacy(&key.to_bytes().into(), nonce, to, value, data, chain_id).unwrap()
    }

    #[test]
    fn a_signed_legacy_transaction_gives_back_its_sender_and_fields() {
        let key = key(7);
        let raw = sign_legacy(&key, 5, Some([0xb7; 20]), 1234, b"hello", crate::CHAIN_ID);
        let tx = decode(&raw).unwrap();
        assert_eq!(tx.from, address_of(key.verifying_key()));
        assert_eq!((tx.nonce, tx.to, tx.value, tx.chain_id), (5, Some([0xb7; 20]), 1234, crate::CHAIN_ID));
        assert_eq!(tx.data, b"hello");
        assert_eq!(tx.hash, keccak(&raw));
    }

    #[test]
    fn the_well_known_hardhat_key_has_its_well_known_address() {
        let key = SigningKey::from_slice(
            &hex_decode("ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80").unwrap(),
        )
        .unwrap();
        assert_eq!(hex_encode(&address_of(key.verifying_key())), "f39fd6e51aad88f6f4ce6ab8827279cfffb92266");
    }

    #[test]
    fn tampered_or_malformed_transactions_are_refused_or_recover_someone_else() {
        let key = key(9);
        let raw = sign_legacy(&key, 0, Some([1; 20]), 0, b"x", crate::CHAIN_ID);
        // Changing the value changes who signed it.
        let mut tampered = raw.clone();
        let at = tampered.iter().rposition(|&b| b == b'x').unwrap();
        tampered[at] = b'y';
        let other = decode(&tampered).map(|tx| tx.from);
        assert_ne!(other, Ok(address_of(key.verifying_key())));
        assert!(matches!(decode(&raw[..raw.len() - 1]), Err(TxError::Rlp(_))));
        assert!(matches!(decode(&[0x01, 0xc0]), Err(TxError::UnsupportedType(1))));
        assert!(matches!(decode(&rlp::encode_list(&[rlp::uint(1)])), Err(TxError::FieldCount { .. })));
        // A pre-EIP-155 signature (v = 27).
        let fields = [0, 0, 0].map(rlp::uint).to_vec();
        let mut unprotected = fields.clone();
        unprotected.extend([
            rlp::bytes(&[]),
            rlp::uint(0),
            rlp::bytes(&[]),
            rlp::uint(27),
            rlp::uint(1),
            rlp::uint(1),
        ]);
        assert!(matches!(decode(&rlp::encode_list(&unprotected)), Err(TxError::Unprotected(_))));
        // r = 0 is no signature.
        let mut zero_r = fields;
        zero_r.extend([
            rlp::bytes(&[]),
            rlp::uint(0),
            rlp::bytes(&[]),
            rlp::uint(122_289),
            rlp::uint(0),
            rlp::uint(1),
        ]);
        assert!(matches!(decode(&rlp::encode_list(&zero_r)), Err(TxError::BadSignature(_))));
    }

    pub fn hex_decode(text: &str) -> Option<Vec<u8>> {
        crate::hex::decode(text)
    }

    pub fn hex_encode(bytes: &[u8]) -> String {
        crate::hex::encode(bytes)
    }
}
