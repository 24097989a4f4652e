//! Error mail: Flask's `SMTPHandler`, without its weaknesses. The lesson is in
//! [`layer`]; the other modules are machinery a learner can skip at first.
//!
//! `SMTPHandler` sends from inside the failing request, so the visitor waits for
//! the whole SMTP exchange (or its timeout), and every error is a mail. Here a
//! `tracing` layer only puts the text on a bounded queue; a background task
//! sends it with lettre's async SMTP client, each send bounded by `timeout`
//! seconds. A flood is bounded too. In any `rate_window` seconds, at most
//! `rate_limit` kinds of failure are mailed, the first of each kind at once;
//! its repeats are counted, and one summary mail per kind says how many when
//! its window closes. What goes over the limit, or does not fit the queue, is
//! counted in the next mail, or at shutdown in one last note. So a window has
//! at most `rate_limit` mails of new kinds, plus one summary per kind, and the
//! app's life one shutdown note.
//!
//! - [`layer`]: the queue, its `tracing` layer and the fairing (the lesson).
//! - `sender`: the task that sends, and the mail.
//! - `flood`: which failures are one group, the limit, and what was not mailed.
//! - [`settings`]: `MAIL_SERVER` and the rest, and the SMTP transport.
//! - [`test_mail`]: `--send-test-mail`, to try the settings now.
//! - [`trouble`]: why a send failed, in plain words on stderr.

mod flood;
pub mod layer;
mod sender;
pub mod settings;
pub mod test_mail;
pub mod trouble;

pub use layer::{fairing, ErrorMail};
pub use settings::{CaFileError, ConfigError, MailConfig};
pub use test_mail::{send_test_mail, TestMailError};
