//! # Exercise 7 · Errors by email: when, and through what
//!
//! Flask mails errors only in production, and only when there is a server:
//!
//! ```python
//! if not app.debug and app.config['MAIL_SERVER']:
//!     auth = None
//!     if app.config['MAIL_USERNAME'] or app.config['MAIL_PASSWORD']:
//!         auth = (app.config['MAIL_USERNAME'], app.config['MAIL_PASSWORD'])
//!     secure = None
//!     if app.config['MAIL_USE_TLS']:
//!         secure = ()
//!     mail_handler = SMTPHandler(...)
//! ```
//!
//! Write `error_mail`, a fairing that does the same when the app starts:
//!
//! - in the debug profile, or without a mail server (`mail.server` in the
//!   configuration, which MAIL_SERVER sets), it leaves the app as it is;
//! - otherwise it builds the SMTP transport (`transport`) and hands it to the
//!   app as managed state, a `Mailer`, for the sender to use.
//!
//! And write `transport`: lettre's `AsyncSmtpTransport` to `server` on
//! `config.port`. It starts in plain SMTP, as `SMTPHandler` does by default
//! (`builder_dangerous`: lettre's name says what sending in the clear is).
//! With `use_tls`, it upgrades the connection with STARTTLS, and sends nothing
//! unless the upgrade succeeds: `Tls::Required`, as the chapter does. It logs
//! in with `username` and `password` when either is set.
//!
//! The chapter's version is the mail setup and its fairing, in
//! chapters/ch07-3-email-errors/.
//!
//! Check it: `cargo test -p exercises --test ex07`
//! Stuck? `cargo run -p exercises --bin hint -- 7`

use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, Tokio1Executor};
use rocket::fairing::AdHoc;
use rocket::Config;
use serde::Deserialize;

/// `[default.mail]` in Rocket.toml, with MAIL_SERVER, MAIL_PORT, MAIL_USE_TLS,
/// MAIL_USERNAME and MAIL_PASSWORD already merged in.
#[derive(Debug, Deserialize)]
pub struct MailConfig {
    #[serde(default)]
    pub server: Option<String>,
    pub port: u16,
    #[serde(default)]
    pub use_tls: bool,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub password: Option<String>,
}

pub type Smtp = AsyncSmtpTransport<Tokio1Executor>;

/// What the app manages while error mail is on.
pub struct Mailer(pub Smtp);

pub fn error_mail() -> AdHoc {
    AdHoc::try_on_ignite("Error mail", |rocket| async {
        let config: MailConfig = match rocket.figment().extract_inner("mail") {
            Ok(config) => config,
            Err(error) => {
                eprintln!("Error mail: the [mail] settings are invalid: {error}");
                return Err(rocket);
            }
        };
        if rocket.figment().profile() == Config::DEBUG_PROFILE {
            return Ok(rocket);
        }
        let Some(server) = config.server.as_deref() else {
            return Ok(rocket);
        };
        match transport(&config, server) {
            Ok(smtp) => Ok(rocket.manage(Mailer(smtp))),
            Err(error) => {
                eprintln!("Error mail: cannot reach {server}: {error}");
                Err(rocket)
            }
        }
    })
}

pub fn transport(
    config: &MailConfig,
    server: &str,
) -> Result<Smtp, lettre::transport::smtp::Error> {
    let mut builder = Smtp::builder_dangerous(server).port(config.port);
    if config.use_tls {
        // STARTTLS, or no mail at all.
        let tls = TlsParameters::new(server.to_owned())?;
        builder = builder.tls(Tls::Required(tls));
    }
    if config.username.is_some() || config.password.is_some() {
        builder = builder.credentials(Credentials::new(
            config.username.clone().unwrap_or_default(),
            config.password.clone().unwrap_or_default(),
        ));
    }
    Ok(builder.build())
}
