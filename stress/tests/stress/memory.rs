//! The error path in bounded memory. Naming a failure's frames reads debug
//! information, and the first 500 of a fresh release binary once took it from
//! 20 to 90 MiB for good, mostly to name the C library's frames at the bottom
//! of every thread.

use test_support::ChildApp;

use crate::WITH_A_PANIC;

const LIMIT_MIB: u64 = 64;

#[test]
fn the_first_500_and_a_thousand_more_mixing_database_failures_and_panics_stay_under_64_mib() {
    // As a server runs: RUST_BACKTRACE asks std to print every panic's whole
    // backtrace, libc's frames included, and a shell may have it set.
    let app = ChildApp::start(WITH_A_PANIC, &[("RUST_BACKTRACE", "0")]);
    let visitor = app.client();
    // Every sign-in from now on fails: the database file is gone.
    let db = app.dir.path().join("microblog.db");
    for file in [
        db.clone(),
        db.with_extension("db-wal"),
        db.with_extension("db-shm"),
    ] {
        let _ = std::fs::remove_file(file);
    }
    let sign_in = [("username", "john"), ("password", "pw")];

    let first = app.watch_memory();
    assert_eq!(visitor.submit("/login", &sign_in).status, 500);
    let first_mib = first.peak_kib().expect("the peak RSS") / 1024;

    let more = app.watch_memory();
    for _ in 0..500 {
        assert_eq!(visitor.get("/panic").status, 500);
        assert_eq!(visitor.submit("/login", &sign_in).status, 500);
    }
    let more_mib = more.peak_kib().expect("the peak RSS") / 1024;

    println!(
        "error path: peak RSS {first_mib} MiB after the first 500, {more_mib} MiB after 1,000 more"
    );
    assert!(first_mib <= LIMIT_MIB, "first 500: {first_mib} MiB");
    assert!(more_mib <= LIMIT_MIB, "1,000 more: {more_mib} MiB");
}
