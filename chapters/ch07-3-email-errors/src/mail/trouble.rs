//! Why a mail was not sent, in plain words: what went wrong, and which setting
//! to change. Python's `SMTPHandler` prints the bare exception
//! (`SMTPAuthenticationError: (535, ...)`) and leaves the rest to you; these are
//! the troubles a learner meets when pointing the tutorial at a real provider.
//!
//! A learner can skip this module: it explains failures, it sends nothing.

use std::error::Error;
use std::io;
use std::time::Duration;

use rustls::CertificateError;

use super::MailConfig;

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

/// The gmail help page for app passwords (other providers have the same idea).
const APP_PASSWORDS: &str = "https://support.google.com/accounts/answer/185833";

/// `error`, explained for someone who set `config`: one line, what happened
/// first, then what to change, then the error as it was reported.
pub fn explained(error: &SendError, config: &MailConfig) -> String {
    let server = format!(
        "{}:{}",
        config.server.as_deref().unwrap_or_default(),
        config.port
    );
    let what = match explanation(error, config, &server) {
        Some(explanation) => explanation,
        None => return format!("{error} (sending to {server})"),
    };
    format!("{what} [{error}]")
}

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
                "{server} refused the login: MAIL_USERNAME or MAIL_PASSWORD is wrong. \
                 Gmail, and other providers where two-step verification is on, want an \
                 app password here, not the account's own password ({APP_PASSWORDS})"
            )),
            530 if !logs_in => Some(format!(
                "{server} wants a login before it takes mail: set MAIL_USERNAME and \
                 MAIL_PASSWORD{}",
                if encrypted {
                    ""
                } else {
                    ", and MAIL_USE_TLS (port 587) or MAIL_USE_SSL (port 465): servers \
                     take a login only over TLS"
                }
            )),
            530 if !encrypted => Some(format!(
                "{server} wants TLS before anything else: set MAIL_USE_TLS (port 587) or \
                 MAIL_USE_SSL (port 465)"
            )),
            _ => None,
        };
    }
    // ANCHOR_END: codes
    for cause in causes(smtp) {
        if let Some(tls) = cause.downcast_ref::<rustls::Error>() {
            return Some(tls_failure(tls, config, server));
        }
        if let Some(io) = cause.downcast_ref::<io::Error>() {
            match io.kind() {
                io::ErrorKind::ConnectionRefused => {
                    return Some(format!(
                        "nothing is listening at {server}: is the mail server running, and \
                         are MAIL_SERVER and MAIL_PORT right?"
                    ))
                }
                io::ErrorKind::UnexpectedEof | io::ErrorKind::ConnectionReset if config.use_ssl => {
                    return Some(not_tls_from_the_start(server))
                }
                _ => {}
            }
        }
    }
    if smtp.is_client() {
        // lettre reports these two only as the text of a client error.
        let text = smtp.to_string();
        if text.contains("STARTTLS is not supported") {
            return Some(format!(
                "{server} does not offer STARTTLS, which MAIL_USE_TLS asks for. On port \
                 465 the server wants TLS from the first byte: set MAIL_USE_SSL instead. \
                 A local debugging server speaks plain text: unset MAIL_USE_TLS"
            ));
        }
        if text.contains("No compatible authentication mechanism") {
            let fix = if encrypted {
                "this server takes mail without one: unset MAIL_USERNAME and MAIL_PASSWORD"
            } else {
                "servers offer a login only over TLS: set MAIL_USE_TLS (port 587) or \
                 MAIL_USE_SSL (port 465)"
            };
            return Some(format!(
                "{server} offers no way to log in on this connection, and MAIL_USERNAME \
                 is set; {fix}"
            ));
        }
    }
    None
}

/// The server stayed silent. A server that expects TLS from the first byte
/// waits for the client's handshake, while a plain-text client waits for the
/// server's greeting, and neither says a word.
fn no_answer(config: &MailConfig, server: &str) -> String {
    let silent = format!(
        "{server} accepted the connection but did not answer within {} s",
        config.timeout
    );
    if config.use_ssl {
        format!("{silent}: is the server overloaded, or MAIL_PORT wrong?")
    } else {
        format!(
            "{silent}. A server that wants TLS from the first byte (port 465) waits like \
             that for a client that does not start it: set MAIL_USE_SSL{}",
            if config.use_tls {
                " instead of MAIL_USE_TLS"
            } else {
                ""
            }
        )
    }
}

fn not_tls_from_the_start(server: &str) -> String {
    format!(
        "{server} did not answer in TLS, which MAIL_USE_SSL starts with. A server on port \
         587 or 25 starts in plain text: set MAIL_USE_TLS instead of MAIL_USE_SSL (or \
         neither, for a local debugging server)"
    )
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
        _ if config.use_ssl => not_tls_from_the_start(server),
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
