//! The chapter-6 microblog, tested through its pages as a browser uses them.
//! One test binary for the crate; each test has its own app and database file.

mod auth;
mod binary;
mod book_output;
mod csrf;
mod database;
mod flash;
mod profile;
mod register;
mod sign_in_timing;

use test_support::TestApp;

async fn app() -> TestApp {
    TestApp::new(common::app()).await
}
