//! Starting the app, as every step's `main` does. Machinery: a learner can skip
//! this module on a first read.
//!
//! `#[rocket::launch]` panics when Rocket cannot start, which looks like a
//! crash. Here a start that fails says why on stderr and ends with status 1:
//! first a release profile without a secret key, in words that say where the
//! key goes, then whatever else Rocket reports (a port in use, a bad setting).

use std::process::ExitCode;

use rocket::figment::{Figment, Profile};
use rocket::{Build, Rocket};

// ANCHOR: secret_key
/// Rocket refuses to start outside debug without a secret key (sessions would
/// be forgeable otherwise), but its message doesn't say where the key goes.
#[derive(Debug, thiserror::Error)]
#[error(
    "The {0} profile needs a secret key for its session cookies. Set one with\n  \
     ROCKET_SECRET_KEY=$(openssl rand -base64 32)"
)]
pub struct MissingSecretKey(Profile);

/// Whether `figment`'s profile has the secret key it needs.
pub fn check_secret_key(figment: &Figment) -> Result<(), MissingSecretKey> {
    let debug = figment.profile() == rocket::Config::DEBUG_PROFILE;
    let missing = figment
        .extract_inner::<rocket::config::SecretKey>("secret_key")
        .map_or(true, |key| key.is_zero());
    if missing && !debug {
        return Err(MissingSecretKey(figment.profile().clone()));
    }
    Ok(())
}
// ANCHOR_END: secret_key

/// Serves `app` until it shuts down. The exit status: 1, with the reason on
/// stderr, when it cannot start.
pub async fn launch(app: Rocket<Build>) -> ExitCode {
    if let Err(missing) = check_secret_key(app.figment()) {
        eprintln!("{missing}");
        return ExitCode::FAILURE;
    }
    match app.launch().await {
        Ok(_) => ExitCode::SUCCESS,
        // The shutdown was cut short: a client reset its connection, a request
        // was still open at the deadline, or Rocket's accept loop saw the
        // signal first and skipped the graceful part. It is still a shutdown.
        Err(error) if matches!(error.kind(), rocket::error::ErrorKind::Shutdown(..)) => {
            tracing::warn!("The shutdown was cut short ({error})");
            ExitCode::SUCCESS
        }
        // Rocket's own account of why it could not start, without its panic.
        Err(error) => {
            eprintln!("{}", error.pretty_print());
            ExitCode::FAILURE
        }
    }
}
