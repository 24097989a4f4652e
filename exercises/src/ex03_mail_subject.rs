//! # Exercise 3 (errors by email): say what failed in the subject
//!
//! Every error mail of step 3 has the subject `Microblog Failure`, so a full
//! inbox is a column of identical lines. Put the failing request in it:
//! `Microblog Failure: POST /edit_profile`. Build the mail with lettre.
//!
//! Check: `cargo test -p exercises ex03`. Hint: `cargo run -p exercises --bin hint -- 3`.

use lettre::message::Mailbox;
use lettre::Message;
use rocket::http::Method;

/// The error mail for a request that failed with `method` on `path`.
pub fn failure_mail(
    from: Mailbox,
    to: Mailbox,
    method: Method,
    path: &str,
    body: String,
) -> Result<Message, lettre::error::Error> {
    // TODO: name the request in the subject.
    let _ = (method, path);
    Message::builder()
        .from(from)
        .to(to)
        .subject("Microblog Failure")
        .body(body)
}
