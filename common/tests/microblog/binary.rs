//! `cargo run -p common`: the real binary, driven over HTTP as with curl.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use test_support::{ChildApp, ROCKET_TOML};

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

#[test]
fn the_release_profile_without_a_secret_key_refuses_to_start_and_says_why() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut child = Command::new(BINARY)
        .current_dir(dir.path())
        .env("ROCKET_CONFIG", ROCKET_TOML)
        .env("ROCKET_PROFILE", "release")
        .env("ROCKET_PORT", "0")
        .env_remove("ROCKET_SECRET_KEY")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().expect("its status") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("it started serving without a secret key");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().expect("stderr"), &mut stderr)
        .expect("its stderr");

    assert!(!status.success());
    assert!(
        stderr.contains("The release profile needs a secret key for its session cookies")
            && stderr.contains("ROCKET_SECRET_KEY=$(openssl rand -base64 32)"),
        "{stderr}"
    );
}
