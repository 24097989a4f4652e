//! What the tests of every step share. A learner can skip this crate.
//!
//! - [`TestApp`] and [`Browser`]: a step's `app()` in process, through Rocket's
//!   local client, one cookie jar per visitor. Most tests use these.
//! - [`ChildApp`] and [`HttpClient`]: a step's real binary over real HTTP, for
//!   what needs a process (stdout, the log file, SMTP, shutdown).

pub mod book_output;
mod child;
mod in_process;

pub use child::{
    free_port, run_to_end, ChildApp, HttpClient, HttpReply, MAIL_SETTINGS, ROCKET_TOML,
};
pub use in_process::{
    csrf_token_in, form_body, release, Browser, Reply, TestApp, PASSWORD, TEST_SECRET_KEY,
};
