//! The kinds of the fields of events, receipts and reports, shared by the event declarations and
//! the schema (so that neither imports the other).

/// What a field holds, as JSON clients see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldKind {
    /// `0x` + 40 lowercase hex digits.
    Address,
    /// A normalized API name.
    ApiName,
    /// A wei amount (u128) as a decimal string.
    Wei,
    /// A count of calls (u64).
    Count,
    /// A UTC day number (`timestamp / 86400`).
    Day,
    /// Unix seconds.
    Timestamp,
    Bool,
    /// A text: a fixed one, or one the caller chose (a credit note's reason).
    Text,
    /// A list of addresses.
    Addresses,
    /// An address or null.
    OptionalAddress,
    /// A list of percents (ints 1 to 99).
    Percents,
    /// A count (u64) or null.
    OptionalCount,
}

pub type Fields = &'static [(&'static str, FieldKind)];
