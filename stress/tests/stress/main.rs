//! The stress suite: load, signals and faults on the complete app's release
//! binary. Not part of the learner's `cargo test`; run it with
//! `cargo test -p stress --release` (`-- --include-ignored` as root for the
//! read-only database). CI runs it on every change.

mod faults;
mod load;
mod memory;
mod postgres;
mod slowloris;

/// The complete chapter-7 app, built by this package from step 5's own `main.rs`.
const BINARY: &str = env!("CARGO_BIN_EXE_microblog");
/// Step 4's app, with the bug that makes a 500 whenever a test wants one.
const STEP_4: &str = env!("CARGO_BIN_EXE_microblog-step4");
/// The complete app with a `GET /panic` that panics (step 5's example).
const WITH_A_PANIC: &str = env!("CARGO_BIN_EXE_microblog-with-a-panic");
