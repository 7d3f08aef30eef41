//! An optional record of the fuel a call had burned at each host call it made, to break its fuel
//! into phases (`cargo costs --phases`). Off unless asked for: then a host call only tests an `Option`.

use wasmi::Caller;

/// The fuel burned from the start of the call until it made one host call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FuelMark {
    /// The import called (`storage_read`, `gl_call`, …).
    pub import: &'static str,
    /// The first byte of the storage key it names, where it names one the contract can read back
    /// (the billing ABI's storage calls; a GenVM slot id is a hash and says nothing).
    pub key_prefix: Option<u8>,
    /// Fuel burned so far, this host call's own charge included.
    pub fuel: u64,
}

/// Where a store's data keeps its trace.
pub(crate) trait Traced {
    fn trace(&mut self) -> &mut Option<Vec<FuelMark>>;
}

/// Notes that the contract calls `import` now, if this call is traced. The mark holds the fuel left;
/// the host turns it into fuel burned when the call ends (it knows what the call started with).
pub(crate) fn mark<T: Traced>(caller: &mut Caller<'_, T>, import: &'static str, key_prefix: Option<u8>) {
    if caller.data_mut().trace().is_none() {
        return;
    }
    let fuel = caller.get_fuel().unwrap_or(0);
    if let Some(marks) = caller.data_mut().trace() {
        marks.push(FuelMark { import, key_prefix, fuel });
    }
}
