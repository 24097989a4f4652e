//! # Exercise 6 · Errors by email: the mail itself
//!
//! Flask's `SMTPHandler` mails each error to the admins:
//!
//! ```python
//! mail_handler = SMTPHandler(
//!     mailhost=(app.config['MAIL_SERVER'], app.config['MAIL_PORT']),
//!     fromaddr='no-reply@' + app.config['MAIL_SERVER'],
//!     toaddrs=app.config['ADMINS'], subject='Microblog Failure', ...)
//! ```
//!
//! Build that mail with lettre's `Message::builder()`:
//!
//! - from `no-reply@<server>`;
//! - to every address in `admins` (one `To:` header, all of them);
//! - the subject `Microblog Failure`;
//! - the error's text as a plain-text body (`ContentType::TEXT_PLAIN`).
//!
//! An address that does not parse (a typo in ADMINS) is
//! `MailError::Address`, naming it, never a panic. `mailbox` is where to
//! parse one.
//! The chapter's version is the error mail's `message`, in
//! chapters/ch07-3-email-errors/.
//!
//! Check it: `cargo test -p exercises --test ex06`
//! Stuck? `cargo run -p exercises --bin hint -- 6`

use lettre::message::Mailbox;
use lettre::Message;

/// `MAIL_SERVER` and `ADMINS`.
pub struct MailSettings {
    pub server: String,
    pub admins: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("{0:?} is not an email address")]
    Address(String),
    #[error("the mail could not be built: {0}")]
    Build(#[from] lettre::error::Error),
}

/// The mail for one error, whose text is `text`.
pub fn error_mail(settings: &MailSettings, text: String) -> Result<Message, MailError> {
    // TODO: the sender, every admin, the subject and the content type.
    let _ = settings;
    Ok(Message::builder().body(text)?)
}

/// `address` as a mailbox, or the error that names it.
pub fn mailbox(address: &str) -> Result<Mailbox, MailError> {
    // TODO: parse it; a bad address is `MailError::Address`.
    Err(MailError::Address(address.to_owned()))
}
