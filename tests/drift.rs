//! What cannot be generated from the method table is checked against it here: the export list the
//! wasm crates build with `for_each_method!`, docs/ABI.md, the README's entrypoint table, and the
//! adversarial catalog's per-method base cases.

use api_usage_billing::METHODS;

macro_rules! names {
    ($($method:ident)*) => {
        &[$(stringify!($method)),*]
    };
}

#[test]
fn for_each_method_lists_every_method_in_table_order() {
    let exported: &[&str] = api_usage_billing::for_each_method!(names);
    let declared: Vec<&str> = METHODS.iter().map(|m| m.name).collect();
    assert_eq!(exported, declared.as_slice());
}
