//! `cargo run -p common`: the real binary, driven over HTTP as with curl.

use test_support::ChildApp;

const BINARY: &str = env!("CARGO_BIN_EXE_common");

#[test]
fn the_binary_serves_register_login_profile_and_edit() {
    let app = ChildApp::start(BINARY, &[]);
    let john = app.signed_in("john");

    let profile = john.get("/user/john");
    assert_eq!(profile.status, 200);
    assert!(
        profile.body.contains("<h1>User: john</h1>"),
        "{}",
        profile.body
    );
    let saved = john.submit(
        "/edit_profile",
        &[("username", "john"), ("about_me", "from the binary")],
    );
    assert_eq!(saved.status, 303);
    assert!(john.get("/user/john").body.contains("from the binary"));
    assert!(
        app.dir.path().join("microblog.db").exists(),
        "the SQLite file"
    );
}
