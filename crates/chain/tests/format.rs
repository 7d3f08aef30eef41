//! The state's format mark: a version 3 state (before deployed contracts) opens, keeps every record
//! and is marked version 4; any other mark gets the message naming `--fresh`.

use api_usage_billing::Address;
use billing_chain::{Abi, Chain, ChainError, WhyUnreadable};
use redb::{Database, ReadableDatabase as _, TableDefinition};

const META: TableDefinition<&[u8], &[u8]> = TableDefinition::new("meta");

/// A value sealed as the chain seals it: CRC-32 of table name, key length, key and value.
fn sealed(key: &[u8], value: &[u8]) -> Vec<u8> {
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(b"meta");
    hasher.update(&(key.len() as u32).to_le_bytes());
    hasher.update(key);
    hasher.update(value);
    let mut out = value.to_vec();
    out.extend_from_slice(&hasher.finalize().to_le_bytes());
    out
}

fn mark(path: &std::path::Path, format: &[u8]) {
    let db = Database::create(path).unwrap();
    let txn = db.begin_write().unwrap();
    txn.open_table(META).unwrap().insert(b"format".as_slice(), sealed(b"format", format).as_slice()).unwrap();
    txn.commit().unwrap();
}

fn read_mark(path: &std::path::Path) -> Vec<u8> {
    let db = Database::create(path).unwrap();
    let txn = db.begin_read().unwrap();
    let table = txn.open_table(META).unwrap();
    let raw = redb::ReadableTable::get(&table, b"format".as_slice()).unwrap().unwrap().value().to_vec();
    raw[..raw.len() - 4].to_vec()
}

#[test]
fn a_version_3_state_opens_whole_and_is_marked_version_4_and_other_marks_are_refused() {
    let dir = std::env::temp_dir().join(format!("billing-chain-format-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("state.redb");
    let wasm = billing_artifact::billing_wasm().unwrap();
    let operator = Address([10; 20]);
    let before = {
        let chain = Chain::open_with(&path, &wasm, true, Abi::Billing).unwrap();
        let report = chain
            .call(operator, 0, None, "register_api", &["weather".into(), 10u64.into(), 5u64.into()])
            .unwrap();
        assert!(report.outcome.is_ok(), "{report:?}");
        chain.state_dump().unwrap()
    };
    mark(&path, b"api-usage-billing sandbox state, version 3");
    {
        let chain = Chain::open_with(&path, &wasm, false, Abi::Billing).unwrap();
        assert_eq!(chain.state_dump().unwrap(), before);
        assert_eq!(chain.contracts().unwrap().len(), 1);
    }
    assert_eq!(read_mark(&path), b"api-usage-billing sandbox state, version 4");
    mark(&path, b"api-usage-billing sandbox state, version 2");
    match Chain::open_with(&path, &wasm, false, Abi::Billing) {
        Err(error @ ChainError::OtherVersion(_)) => assert!(error.to_string().contains("--fresh"), "{error}"),
        Err(other) => panic!("{other}"),
        Ok(_) => panic!("a version 2 state opened"),
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_table_no_state_has_is_damage_not_an_empty_table() {
    let dir = std::env::temp_dir().join(format!("billing-chain-tables-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("state.redb");
    let wasm = billing_artifact::billing_wasm().unwrap();
    drop(Chain::open_with(&path, &wasm, true, Abi::Billing).unwrap());
    assert!(Chain::open_with(&path, &wasm, false, Abi::Billing).is_ok(), "a whole state opens");
    {
        // One flipped bit in a table's name in redb's table directory.
        let db = Database::create(&path).unwrap();
        let txn = db.begin_write().unwrap();
        let misnamed: TableDefinition<&[u8], &[u8]> = TableDefinition::new("contract[storage");
        txn.open_table(misnamed).unwrap();
        txn.commit().unwrap();
    }
    match Chain::open_with(&path, &wasm, false, Abi::Billing) {
        Err(error @ ChainError::Unreadable { why: WhyUnreadable::UnknownTable(_), .. }) => {
            assert!(error.to_string().contains("\"contract[storage\""), "{error}")
        }
        Err(other) => panic!("another error: {other}"),
        Ok(_) => panic!("opened a state with a table no state has"),
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_file_the_store_cannot_read_keeps_the_store_error_as_its_source() {
    let dir = std::env::temp_dir().join(format!("billing-chain-garbage-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("state.redb");
    std::fs::write(&path, vec![0x5a; 8192]).unwrap();
    let wasm = billing_artifact::billing_wasm().unwrap();
    let error = Chain::open_with(&path, &wasm, false, Abi::Billing).err().expect("opened a file of garbage");
    let ChainError::Unreadable { why: WhyUnreadable::Store(store), .. } = &error else {
        panic!("another error: {error:?}")
    };
    assert!(matches!(**store, redb::Error::Io(_) | redb::Error::Corrupted(_)), "{store:?}");
    assert!(std::error::Error::source(&error).is_some(), "{error:?}");
    // The user reads the store's own words in the one line printed.
    assert!(error.to_string().contains("not a readable sandbox state"), "{error}");
    assert!(error.to_string().ends_with(&store.to_string()), "{error}");
    let _ = std::fs::remove_dir_all(&dir);
}
