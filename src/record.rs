//! The stored records' bytes, written and read by hand in borsh's layout (docs/STORAGE.md).
//!
//! The records keep their borsh derives, and the record tests (`src/state/record_tests.rs`) check
//! both codecs give the same bytes and accept the same inputs; the contract's own load and save go through this module because
//! borsh's reader put about 8 KB into each artifact (its error type, `core::fmt` for its messages,
//! a generic reader per record). Borsh's rules, kept here: integers little-endian, `bool` and an
//! `Option`'s tag 0 or 1 only, a `Vec` or `String` a `u32` length then its items, a `String` UTF-8,
//! and a record that does not end where its bytes end is refused.

use alloc::string::String;
use alloc::vec::Vec;

use crate::Address;

/// A value with a stored form.
pub(crate) trait Record: Sized {
    fn write(&self, out: &mut Vec<u8>);
    /// `None`: the bytes are not a record of this type.
    fn read(input: &mut Input<'_>) -> Option<Self>;
}

/// The bytes not read yet.
pub(crate) struct Input<'a>(&'a [u8]);

impl<'a> Input<'a> {
    fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        let (head, rest) = self.0.split_first_chunk::<N>()?;
        self.0 = rest;
        Some(*head)
    }

    fn bytes(&mut self, len: usize) -> Option<&'a [u8]> {
        let (head, rest) = self.0.split_at_checked(len)?;
        self.0 = rest;
        Some(head)
    }

    fn len(&mut self) -> Option<usize> {
        usize::try_from(u32::read(self)?).ok()
    }
}

/// `bytes` as one whole record: `None` if they do not decode or have bytes left over.
pub(crate) fn decode<T: Record>(bytes: &[u8]) -> Option<T> {
    let mut input = Input(bytes);
    let record = T::read(&mut input)?;
    input.0.is_empty().then_some(record)
}

/// A length as borsh writes it. The contract bounds every list and name far below `u32::MAX`; one
/// past it would be written as `u32::MAX`, which no stored record can hold, so it reads back as
/// corrupt instead of being misread.
fn write_len(out: &mut Vec<u8>, len: usize) {
    u32::try_from(len).unwrap_or(u32::MAX).write(out);
}

macro_rules! int_record {
    ($($t:ty),*) => {$(
        impl Record for $t {
            fn write(&self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
            fn read(input: &mut Input<'_>) -> Option<$t> {
                input.array().map(<$t>::from_le_bytes)
            }
        }
    )*};
}
int_record!(u8, u32, u64, u128);

impl Record for bool {
    fn write(&self, out: &mut Vec<u8>) {
        out.push(u8::from(*self));
    }
    fn read(input: &mut Input<'_>) -> Option<bool> {
        match u8::read(input)? {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        }
    }
}

impl Record for Address {
    fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.0);
    }
    fn read(input: &mut Input<'_>) -> Option<Address> {
        input.array().map(Address)
    }
}

impl<T: Record> Record for Option<T> {
    fn write(&self, out: &mut Vec<u8>) {
        match self {
            None => out.push(0),
            Some(value) => {
                out.push(1);
                value.write(out);
            }
        }
    }
    fn read(input: &mut Input<'_>) -> Option<Option<T>> {
        match bool::read(input)? {
            false => Some(None),
            true => T::read(input).map(Some),
        }
    }
}

impl<T: Record> Record for Vec<T> {
    fn write(&self, out: &mut Vec<u8>) {
        write_len(out, self.len());
        self.iter().for_each(|item| item.write(out));
    }
    fn read(input: &mut Input<'_>) -> Option<Vec<T>> {
        let len = input.len()?;
        // Every item takes at least a byte: a length past the bytes left cannot reserve memory.
        let mut items = Vec::with_capacity(len.min(input.0.len()));
        for _ in 0..len {
            items.push(T::read(input)?);
        }
        Some(items)
    }
}

impl Record for String {
    fn write(&self, out: &mut Vec<u8>) {
        write_len(out, self.len());
        out.extend_from_slice(self.as_bytes());
    }
    fn read(input: &mut Input<'_>) -> Option<String> {
        let len = input.len()?;
        let text = core::str::from_utf8(input.bytes(len)?).ok()?;
        Some(String::from(text))
    }
}

/// Implements [`Record`] for a struct: its fields in declaration order, as borsh's derive writes
/// them (the record tests in `src/state/` check the two agree).
macro_rules! struct_record {
    ($($name:ident { $($field:ident),* })*) => {$(
        impl $crate::record::Record for $name {
            fn write(&self, out: &mut alloc::vec::Vec<u8>) {
                $($crate::record::Record::write(&self.$field, out);)*
            }
            fn read(input: &mut $crate::record::Input<'_>) -> Option<$name> {
                Some($name { $($field: $crate::record::Record::read(input)?),* })
            }
        }
    )*};
}
pub(crate) use struct_record;
