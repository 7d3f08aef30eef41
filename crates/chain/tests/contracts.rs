//! Deployed contracts through the chain's API: each keeps its own storage (in the state dump), a
//! refused call or deploy changes nothing, and a deployed contract's address cannot send.

use api_usage_billing::{Address, Value};
use billing_chain::CONTRACT;
use billing_chain::{contract_address, Abi, Chain};

#[test]
fn a_deployed_contract_keeps_its_own_storage_and_refusals_change_nothing() {
    let dir = std::env::temp_dir().join(format!("billing-chain-contracts-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let wasm = billing_artifact::genvm_wasm().unwrap();
    let chain = Chain::open_with(&dir.join("state.redb"), &wasm, true, Abi::Genvm).unwrap();
    let deployer = Address([13; 20]);
    let report = chain.deploy(deployer, 0, None, &billing_artifact::genvm_zip().unwrap(), &[]).unwrap();
    let made = contract_address(&deployer, 0);
    assert_eq!(report.contract, Some(made), "{report:?}");
    assert_eq!(chain.contracts().unwrap(), vec![CONTRACT, made]);
    let args: [Value; 3] = ["weather".into(), 10u64.into(), 5u64.into()];
    let registered = chain.call_to(made, Address([10; 20]), 0, None, "register_api", &args).unwrap();
    assert!(registered.outcome.is_ok(), "{registered:?}");
    let dump = chain.state_dump().unwrap();
    let (address, storage) = &dump.deployed[0];
    assert_eq!(*address, made);
    assert!(!storage.is_empty());

    // Refused: a call from the contract's address, a call to no contract, a deploy of bad code, a
    // refusal of the contract's own; none of them changes a thing.
    let before = chain.state_dump().unwrap();
    let from_contract = chain.call_to(CONTRACT, made, 0, None, "register_api", &args).unwrap();
    assert_eq!(from_contract.outcome.unwrap_err().code, "contract_sender");
    let nowhere = chain.call_to(Address([99; 20]), deployer, 0, None, "get_schema", &[]).unwrap();
    assert_eq!(nowhere.outcome.unwrap_err().code, "unknown_contract");
    let bad = chain.deploy(deployer, 0, None, b"\0asm but not really", &[]).unwrap();
    assert_eq!(bad.outcome.unwrap_err().code, "invalid_contract_code");
    let again = chain.call_to(made, Address([11; 20]), 0, None, "register_api", &args).unwrap();
    assert_eq!(again.outcome.unwrap_err().code, "api_taken");
    assert_eq!(chain.state_dump().unwrap(), before);
    assert!(chain.view_at(made, "get_api_report", &["weather".into()]).unwrap().is_ok());
    let _ = std::fs::remove_dir_all(&dir);
}
