//! `--send-test-mail`: one mail now, to try the settings without waiting for
//! an error. An extra of this version: a learner can skip this module on a
//! first read.

use rocket::figment::Figment;

use super::trouble::{self, SendError};
use super::{ConfigError, MailConfig};

// ANCHOR: send_test_mail
/// What `--send-test-mail` reports when no mail went out.
#[derive(Debug, thiserror::Error)]
pub enum TestMailError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("MAIL_SERVER is not set, so there is nowhere to send mail: set it, and MAIL_PORT, in the environment or under [default.mail] in Rocket.toml")]
    NoServer,
    /// The explanation is [`trouble::explained`]'s, which needs the settings.
    #[error("Test mail not sent: {explanation}")]
    NotSent {
        explanation: String,
        #[source]
        error: SendError,
    },
}

/// `--send-test-mail`: one mail to `ADMINS` now, with the settings the app
/// would mail its errors with (in any profile), and a sentence on how it went.
pub async fn send_test_mail(figment: &Figment) -> Result<String, TestMailError> {
    let config = MailConfig::from_figment(figment)?;
    let mailer = config.mailer()?.ok_or(TestMailError::NoServer)?;
    let body = format!(
        "This is a test mail from the microblog, sent through {}. Outside the debug profile, errors are mailed the same way.",
        config.route()
    );
    let subject = "Microblog test mail".to_owned();
    if let Err(error) = mailer.send(Some(subject), body, &Default::default()).await {
        let explanation = trouble::explained(&error, &config);
        return Err(TestMailError::NotSent { explanation, error });
    }
    let mut sent = format!(
        "A test mail went to {} through {}.",
        config.admins.join(", "),
        config.route()
    );
    // Flask's `if not app.debug`: these settings are right, but unused here.
    if figment.profile() == rocket::Config::DEBUG_PROFILE {
        sent.push_str(
            " The debug profile mails no errors: run with ROCKET_PROFILE=release for that.",
        );
    }
    Ok(sent)
}
// ANCHOR_END: send_test_mail
