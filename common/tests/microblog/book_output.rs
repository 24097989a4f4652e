//! The book's sample of what a release start without a secret key prints
//! (docs/src/output/missing-secret-key.snap), from the real binary, checked on
//! every `cargo test`. To accept a change on purpose, and update the book with
//! it: `INSTA_UPDATE=always cargo test -p common book_output`.

use test_support::run_without_secret_key;

const BINARY: &str = env!("CARGO_BIN_EXE_common");

/// Rocket itself would panic ("aborting due to insecure configuration"); the
/// binary says where the key goes, once, and exits with status 1.
#[test]
fn the_release_profile_without_a_secret_key_exits_with_status_1_and_says_why() {
    let (status, stderr) = run_without_secret_key(BINARY);

    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    insta::with_settings!({
        snapshot_path => "../../../docs/src/output",
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!("missing-secret-key", stderr);
    });
}
