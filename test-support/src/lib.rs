//! What the tests of every step share. A learner can skip this crate.
//!
//! - [`TestApp`] and [`Browser`]: a step's `app()` in process, through Rocket's
//!   local client, one cookie jar per visitor. Most tests use these.
//! - [`ChildApp`] and [`HttpClient`]: a step's real binary over real HTTP, for
//!   what needs a process (stdout, the log file, SMTP, shutdown).
//! - [`MemoryWatch`]: such a process's peak memory, for the stress suite and
//!   the benchmark.
//!
//! Both kinds of visitor have the same verbs: `get`; `submit`, which fills in
//! the form at a path as a browser does (its page first, for the CSRF token);
//! and `post_raw`, which sends a body as it is. `rename_to_a_taken_name`, on
//! either app, sets up the chapter's bug.

pub mod book_output;
mod child;
mod in_process;
mod memory;
pub mod postgres;

pub use child::{
    free_port, run_to_end, run_until_it_exits, run_without_secret_key, ChildApp, HttpClient,
    HttpReply, MAIL_SETTINGS, ROCKET_TOML,
};
pub use in_process::{
    csrf_token_in, form_body, release, skipped_on_postgres, Browser, Reply, TestApp, PASSWORD,
    RENAME_TO_SUSAN, TEST_SECRET_KEY,
};
pub use memory::{error_path_peaks, ErrorPathPeaks, MemoryWatch};
