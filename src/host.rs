//! The contract's only window on the world: storage, the call's context, value transfers and events.

use alloc::vec::Vec;

use crate::{Address, CallBilled, Event, JsonText, Receipt, Value};

/// What a VM (or a test) provides to one call of the contract.
///
/// The contract checks everything before it writes anything, but a host must still make each call
/// atomic: a call that ends in an error has its writes, events and transfers discarded.
pub trait Host {
    /// The bytes stored under `key`, or `None` when nothing is.
    fn storage_get(&mut self, key: &[u8]) -> Option<Vec<u8>>;
    fn storage_set(&mut self, key: &[u8], value: &[u8]);
    fn storage_remove(&mut self, key: &[u8]);
    /// Block time, in unix seconds.
    fn block_timestamp(&self) -> u64;
    /// The account that made this call.
    fn sender(&self) -> Address;
    /// Value attached to this call, in wei (0 when none was).
    fn attached_value(&self) -> u128;
    /// Sends `amount` wei of the contract's balance to `to`. The contract only sends what its ledger
    /// says it holds; a host that cannot send must abort the whole call.
    fn send_value(&mut self, to: &Address, amount: u128);
    fn emit_event(&mut self, event: Event);

    /// Emits a bill's `CallBilled`. Hosts that hand events on as calldata override it to write the
    /// bytes straight from the fields ([`CallBilled::encode`]): what `emit_event` writes for the same
    /// event, without building its `Event` on the hot path.
    fn emit_call_billed(&mut self, event: CallBilled) {
        self.emit_event(Event::from(event))
    }

    /// What a bill answers: its receipt's value. A host that hands the answer on as calldata may
    /// override it to keep `receipt.encode()` as the call's output (and answer `Value::Null` here), so
    /// the hot path builds no `Value`; the bytes are the same.
    fn answer_receipt(&mut self, receipt: Receipt) -> Value {
        receipt.to_value()
    }

    /// What a report answers: its JSON text as a string value. A host that hands the answer on as
    /// calldata may override it to send [`JsonText::calldata_after`]'s bytes as the call's output (and
    /// answer `Value::Null` here), so the document is neither validated nor copied; the bytes are the
    /// same.
    fn answer_json(&mut self, json: JsonText) -> Value {
        json.into_value()
    }
}
