//! The artifacts' bytes do not depend on the machine that built them: no path of this checkout or of
//! the cargo home is left in them (panic locations and the like are rewritten to fixed prefixes).

use billing_artifact::{fixture, workspace_root, Flavor};

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|window| window == needle)
}

#[test]
fn no_machine_path_is_left_in_any_artifact() {
    let checkout = workspace_root().canonicalize().unwrap();
    let home = std::env::var("CARGO_HOME")
        .ok()
        .or_else(|| std::env::var("HOME").ok().map(|home| format!("{home}/.cargo")))
        .unwrap();
    for flavor in [Flavor::Billing, Flavor::Genvm, Flavor::Consumer] {
        let artifact = fixture(flavor).expect("the artifact builds");
        for path in [checkout.to_string_lossy().to_string(), home.clone()] {
            assert!(!contains(&artifact.bytes, path.as_bytes()), "{flavor:?} holds the path {path}");
        }
        assert!(!contains(&artifact.bytes, b"/root/"), "{flavor:?} holds a home directory");
    }
}

#[test]
fn building_twice_gives_the_same_bytes() {
    let first = fixture(Flavor::Genvm).expect("the artifact builds").clone();
    let again =
        billing_artifact::build(&workspace_root(), Flavor::Genvm, billing_artifact::optimizer_required())
            .expect("the artifact builds");
    assert_eq!(first.sha256, again.sha256);
    assert_eq!(first.zip(), again.zip(), "the zip is byte for byte the same");
}
