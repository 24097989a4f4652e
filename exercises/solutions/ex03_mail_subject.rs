//! Exercise 3, solved: see `src/ex03_mail_subject.rs` for the brief.

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
    Message::builder()
        .from(from)
        .to(to)
        .subject(format!("Microblog Failure: {method} {path}"))
        .body(body)
}
