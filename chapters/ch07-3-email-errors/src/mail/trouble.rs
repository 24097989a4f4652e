//! Why a mail was not sent, in plain words on stderr. Machinery: a learner can
//! skip this module on a first read; it explains failures, it sends nothing.
//!
//! What went wrong, and which setting to change. Python's `SMTPHandler` prints
//! the bare exception (`SMTPAuthenticationError: (535, ...)`) and leaves the
//! rest to you; these are the troubles a learner meets when pointing the
//! tutorial at a real provider.

use std::error::Error;
use std::io;
use std::time::Duration;

use rustls::CertificateError;

use super::MailConfig;

// ANCHOR: send_error
/// Why a send failed.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error("the mail could not be put together: {0}")]
    Message(#[from] lettre::error::Error),
    #[error(transparent)]
    Smtp(#[from] lettre::transport::smtp::Error),
    #[error("the mail server did not finish within {} s", .0.as_secs())]
    Deadline(Duration),
}
// ANCHOR_END: send_error

/// Google's help page for app passwords (other providers have the same idea).
const APP_PASSWORDS: &str = "https://support.google.com/accounts/answer/185833";

/// The two ways to encrypt, with the ports that providers use them on.
const EITHER_TLS: &str = "MAIL_USE_TLS (port 587) or MAIL_USE_SSL (port 465)";

// ANCHOR: explained
/// `error`, explained for someone who set `config`: one line, what happened
/// first, then what to change, then the error as it was reported.
pub fn explained(error: &SendError, config: &MailConfig) -> String {
    let server = config.address();
    let what = match explanation(error, config, &server) {
        Some(explanation) => explanation,
        None => return format!("{error} (sending to {server})"),
    };
    format!("{what} [{error}]")
}
// ANCHOR_END: explained

fn explanation(error: &SendError, config: &MailConfig, server: &str) -> Option<String> {
    let logs_in = config.username.is_some() || config.password.is_some();
    let encrypted = config.use_tls || config.use_ssl;
    let smtp = match error {
        SendError::Message(_) => return None,
        SendError::Deadline(_) => return Some(no_answer(config, server)),
        SendError::Smtp(smtp) => smtp,
    };
    if smtp.is_timeout() {
        return Some(no_answer(config, server));
    }
    // ANCHOR: codes
    if let Some(code) = smtp.status() {
        return match u16::from(code) {
            535 | 534 => Some(format!(
                "{server} refused the login (its own words are at the end, in brackets): check \
                 MAIL_USERNAME and MAIL_PASSWORD. Gmail, and other providers where \
                 two-step verification is on, want an app password here, not the \
                 account's own password ({APP_PASSWORDS}); some providers must also \
                 have SMTP login turned on for the account"
            )),
            530 if !logs_in && !encrypted => Some(format!(
                "{server} wants a login before it takes mail: set MAIL_USERNAME and \
                 MAIL_PASSWORD, and {EITHER_TLS}, because servers take a login only \
                 over TLS"
            )),
            530 if !logs_in => Some(format!(
                "{server} wants a login before it takes mail: set MAIL_USERNAME and \
                 MAIL_PASSWORD"
            )),
            530 if !encrypted => Some(format!(
                "{server} wants TLS before anything else: set {EITHER_TLS}"
            )),
            _ => None,
        };
    }
    // ANCHOR_END: codes
    for cause in causes(smtp) {
        if let Some(tls) = cause.downcast_ref::<rustls::Error>() {
            return Some(tls_failure(tls, config, server));
        }
        let refused = cause
            .downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::ConnectionRefused);
        if refused {
            return Some(format!(
                "nothing is listening at {server}: is the mail server running, and are \
                 MAIL_SERVER and MAIL_PORT right?"
            ));
        }
    }
    if smtp.is_client() {
        // lettre names these two failures only in the text of a client error;
        // the tests pin that text.
        let text = smtp.to_string();
        if text.contains("STARTTLS is not supported") {
            return Some(format!(
                "{server} does not offer STARTTLS, which MAIL_USE_TLS asks for: providers \
                 offer it on port 587. A local debugging server speaks plain text: unset \
                 MAIL_USE_TLS"
            ));
        }
        if text.contains("No compatible authentication mechanism") {
            let fix = if encrypted {
                "if it takes mail without a login, unset MAIL_USERNAME and MAIL_PASSWORD".to_owned()
            } else {
                format!("servers offer a login only over TLS: set {EITHER_TLS}")
            };
            return Some(format!(
                "{server} offers no login this app can use (PLAIN or LOGIN) on this \
                 connection, and MAIL_USERNAME or MAIL_PASSWORD is set; {fix}"
            ));
        }
    }
    None
}

/// No answer in time. Either nothing gets through (a wrong address, or a
/// network that blocks the port, as many do for 25), or the server wants TLS
/// from the first byte and waits for the client's handshake while a plain-text
/// client waits for its greeting, and neither says a word.
fn no_answer(config: &MailConfig, server: &str) -> String {
    let silent = format!(
        "{server} did not answer within {} s. Is MAIL_SERVER right, and does your \
         network let the port through? Many block port 25",
        config.timeout
    );
    if config.use_ssl {
        format!("{silent}.")
    } else {
        let instead = if config.use_tls {
            " instead of MAIL_USE_TLS"
        } else {
            ""
        };
        format!(
            "{silent}. A server that wants TLS from the first byte (port 465) also stays \
             silent for a client that does not start it: for that, set MAIL_USE_SSL{instead}"
        )
    }
}

fn tls_failure(error: &rustls::Error, config: &MailConfig, server: &str) -> String {
    match error {
        rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer) => format!(
            "{server}'s certificate is not signed by an authority this app trusts. For a \
             server with a certificate of its own, like mail-sink's, set MAIL_CA_FILE to \
             that certificate's file"
        ),
        rustls::Error::InvalidCertificate(
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
        ) => {
            format!("{server}'s certificate is for another name: set MAIL_SERVER to the name on it")
        }
        rustls::Error::InvalidCertificate(problem) => {
            format!("{server}'s certificate was refused ({problem:?})")
        }
        // What a plain-text greeting ("220 ...") looks like to TLS.
        rustls::Error::InvalidMessage(_) if config.use_ssl => {
            let fix = if config.use_tls {
                "unset MAIL_USE_SSL, which wins over MAIL_USE_TLS"
            } else {
                "set MAIL_USE_TLS instead of MAIL_USE_SSL (or neither, for a local \
                 debugging server)"
            };
            format!(
                "{server} did not answer in TLS, which MAIL_USE_SSL starts with. A server \
                 on port 587 or 25 starts in plain text: {fix}"
            )
        }
        other => format!("the TLS handshake with {server} failed ({other})"),
    }
}
/// `error` and what caused it, in turn. An `io::Error` keeps its cause in
/// `get_ref`, not in `source`.
fn causes<'a>(error: &'a (dyn Error + 'static)) -> impl Iterator<Item = &'a (dyn Error + 'static)> {
    std::iter::successors(
        Some(error),
        |&error: &&'a (dyn Error + 'static)| match error
            .downcast_ref::<io::Error>()
            .and_then(io::Error::get_ref)
        {
            Some(inner) => Some(inner as &(dyn Error + 'static)),
            None => error.source(),
        },
    )
}
