//! Storage as the executor sees it during one call: the caller's committed slots under a
//! copy-on-write overlay of this call's writes, which the caller commits only on `Return`.

use std::collections::BTreeMap;

use sha3::{Digest, Sha3_256};

/// The committed contents of a contract's 32-byte slots. Bytes past the end of what `read` returns,
/// and slots it has no entry for, read as zero (as GenVM's never-written bytes do).
pub trait SlotStore {
    fn read(&self, slot: &[u8; 32]) -> Option<Vec<u8>>;
}

impl SlotStore for BTreeMap<[u8; 32], Vec<u8>> {
    fn read(&self, slot: &[u8; 32]) -> Option<Vec<u8>> {
        self.get(slot).cloned()
    }
}

impl SlotStore for BTreeMap<Vec<u8>, Vec<u8>> {
    fn read(&self, slot: &[u8; 32]) -> Option<Vec<u8>> {
        self.get(slot.as_slice()).cloned()
    }
}

/// The mock chain's transaction: slot ids are its storage keys (as the wasmi GenVM host keeps them).
impl SlotStore for billing_chain_core::Tx {
    fn read(&self, slot: &[u8; 32]) -> Option<Vec<u8>> {
        self.storage_peek(slot)
    }
}

impl<S: SlotStore + ?Sized> SlotStore for &S {
    fn read(&self, slot: &[u8; 32]) -> Option<Vec<u8>> {
        (**self).read(slot)
    }
}

/// Any lookup as a store: `FnStore(|slot| chain_view.get(slot))`.
pub struct FnStore<F>(pub F);

impl<F: Fn(&[u8; 32]) -> Option<Vec<u8>>> SlotStore for FnStore<F> {
    fn read(&self, slot: &[u8; 32]) -> Option<Vec<u8>> {
        (self.0)(slot)
    }
}

/// Where GenVM keeps a contract's code: `SHA3-256(32 zero bytes ‖ le32(1))`, holding
/// `le32(len) ‖ code` (genvm `host/message.rs`, `root_offsets::CODE`).
pub fn code_slot() -> [u8; 32] {
    let mut hasher = Sha3_256::new();
    hasher.update([0u8; 32]);
    hasher.update(1u32.to_le_bytes());
    hasher.finalize().into()
}

/// The largest slot a call may grow (index + length of a write). GenVM itself has no such bound;
/// the driver keeps whole slots in memory, so a write past it is answered "out of storage gas",
/// which the executor turns into a VM error, instead of an allocation of up to 4 GiB.
pub const MAX_SLOT_BYTES: usize = 1 << 24;

/// This call's writes: the whole new contents of every slot it wrote (its committed bytes with the
/// writes laid over them, grown where a write went past the end).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Overlay {
    slots: BTreeMap<[u8; 32], Vec<u8>>,
    writes: u32,
}

impl Overlay {
    /// `len` bytes of `slot` from byte `index`: this call's writes, else `base` (the committed
    /// contents), zero past the end of both.
    pub fn read(
        &self,
        slot: &[u8; 32],
        index: u32,
        len: u32,
        base: impl FnOnce() -> Option<Vec<u8>>,
    ) -> Vec<u8> {
        let mut out = vec![0u8; len as usize];
        let owned;
        let stored: &[u8] = match self.slots.get(slot) {
            Some(bytes) => bytes,
            None => {
                owned = base().unwrap_or_default();
                &owned
            }
        };
        let start = (index as usize).min(stored.len());
        let end = (index as usize).saturating_add(len as usize).min(stored.len());
        if let (Some(src), Some(dst)) = (stored.get(start..end), out.get_mut(..end - start)) {
            dst.copy_from_slice(src);
        }
        out
    }

    /// Lays `data` over `slot` at `index`; false (nothing written) past [`MAX_SLOT_BYTES`].
    pub fn write(
        &mut self,
        slot: &[u8; 32],
        index: u32,
        data: &[u8],
        base: impl FnOnce() -> Option<Vec<u8>>,
    ) -> bool {
        let start = index as usize;
        let Some(end) = start.checked_add(data.len()).filter(|end| *end <= MAX_SLOT_BYTES) else {
            return false;
        };
        let bytes = self.slots.entry(*slot).or_insert_with(|| base().unwrap_or_default());
        if bytes.len() < end {
            bytes.resize(end, 0);
        }
        if let Some(dst) = bytes.get_mut(start..end) {
            dst.copy_from_slice(data);
        }
        self.writes = self.writes.saturating_add(1);
        true
    }

    /// Every slot this call wrote, with its whole new contents.
    pub fn slots(&self) -> &BTreeMap<[u8; 32], Vec<u8>> {
        &self.slots
    }

    pub fn into_slots(self) -> BTreeMap<[u8; 32], Vec<u8>> {
        self.slots
    }

    /// How many `storage_write` requests the executor made.
    pub fn writes(&self) -> u32 {
        self.writes
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SLOT: [u8; 32] = [7; 32];

    #[test]
    fn writes_overlay_the_committed_bytes_and_read_back_with_zeros_past_the_end() {
        let base = || Some(b"ABCDEFGH".to_vec());
        let mut overlay = Overlay::default();
        assert_eq!(overlay.read(&SLOT, 6, 4, base), b"GH\0\0");
        assert!(overlay.write(&SLOT, 2, b"xy", base));
        assert_eq!(overlay.read(&SLOT, 0, 10, || None), b"ABxyEFGH\0\0");
        assert!(overlay.write(&SLOT, 10, b"z", || panic!("the slot is already in the overlay")));
        assert_eq!(overlay.slots()[&SLOT], b"ABxyEFGH\0\0z");
        assert_eq!(overlay.read(&SLOT, u32::MAX - 1, 2, || None), [0, 0]);
        assert_eq!(overlay.writes(), 2);
    }

    #[test]
    fn a_write_past_the_bound_is_refused_without_allocating() {
        let mut overlay = Overlay::default();
        assert!(!overlay.write(&SLOT, u32::MAX - 3, &[1; 4], || None));
        assert!(overlay.is_empty());
    }

    #[test]
    fn the_code_slot_is_genvms() {
        // glbatch.py: sha3_256(b"\0" * 32 + (1).to_bytes(4, "little"))
        let hex: String = code_slot().iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, "e1ae23412792df6b6a98fb7c9839701fb8b02b6fc7ed022810f78346494685e7");
    }
}
