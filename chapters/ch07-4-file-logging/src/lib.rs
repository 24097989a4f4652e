//! Step 4: logging to a file. The lesson is in this file: [`log_file`] (the
//! `RotatingFileHandler`, its format and its level), [`init_logging`] (that
//! layer, or stdout's, on top of step 3's subscriber) and [`app`] (the startup line).
//!
//! Flask adds a `RotatingFileHandler('logs/microblog.log', maxBytes=10240, backupCount=10)`
//! with the format `%(asctime)s %(levelname)s: %(message)s [in %(pathname)s:%(lineno)d]`,
//! sets the level to INFO and logs "Microblog startup", all outside debug mode.

mod log_to_stdout;
mod lost_records;
mod python_format;
mod rotating_file;

use std::{path::Path, process::ExitCode};

use ch07_3_email_errors::ErrorMail;
use rocket::{fairing::AdHoc, figment::Figment, Build, Config, Rocket};
use tracing_appender::non_blocking::{NonBlockingBuilder, WorkerGuard};
use tracing_subscriber::{filter::LevelFilter, prelude::*, Layer};

pub use log_to_stdout::{log_stdout, log_to_stdout, BadLogToStdout};
pub use lost_records::ReportLostRecords;
pub use python_format::PythonFormat;
pub use rotating_file::RotatingFile;

// ANCHOR: app
/// Step 3's `app()` plus the startup line.
pub fn app() -> Rocket<Build> {
    ch07_3_email_errors::app().attach(AdHoc::on_liftoff("Startup line", |rocket| {
        Box::pin(async move {
            if rocket.figment().profile() != Config::DEBUG_PROFILE {
                tracing::info!("Microblog startup");
            }
        })
    }))
}
// ANCHOR_END: app

// ANCHOR: run
/// What `main` does: logging first (building the app would install Rocket's own logger),
/// then step 3's launch, which ends with the error mail flushed, then the log's flush.
pub async fn run(app: fn() -> Rocket<Build>) -> ExitCode {
    // The figment `app()` will read: Rocket.toml, then the environment.
    let mail = ErrorMail::default();
    match init_logging(&rocket::Config::figment(), &mail) {
        Ok(_flush_on_exit) => ch07_3_email_errors::launch(app(), mail).await,
        Err(bad_setting) => {
            eprintln!("{bad_setting}");
            ExitCode::FAILURE
        }
    }
}
// ANCHOR_END: run

// ANCHOR: subscriber
/// Step 3's subscriber (terminal, error mail) plus, outside debug, the file or, with
/// `LOG_TO_STDOUT`, stdout: one layer, boxed so that either is one type. Keep the
/// guard until the app has shut down; dropping it flushes the records.
pub fn init_logging(
    figment: &Figment,
    mail: &ErrorMail,
) -> Result<Option<WorkerGuard>, BadLogToStdout> {
    let subscriber = ch07_3_email_errors::subscriber(figment, mail);
    let (records, guard) = if figment.profile() == Config::DEBUG_PROFILE {
        (None, None)
    } else if log_to_stdout()? {
        let (layer, guard) = log_stdout();
        (Some(layer.boxed()), Some(guard))
    } else {
        match log_file(Path::new("logs")) {
            Ok((layer, guard)) => (Some(layer.boxed()), Some(guard)),
            // Flask would crash at `os.mkdir('logs')`; the app is more use running.
            Err(error) => {
                eprintln!("Not logging to logs/microblog.log: {error}");
                (None, None)
            }
        }
    };
    subscriber.with(records).init();
    Ok(guard)
}
// ANCHOR_END: subscriber

/// `maxBytes=10240`: a record that would take the file to this size starts a new one.
const MAX_BYTES: u64 = 10240;
/// `backupCount=10`: `microblog.log.1` (the newest) to `microblog.log.10`.
const BACKUP_COUNT: u32 = 10;

// ANCHOR: file_layer
/// The file layer: `logs/microblog.log`, the app's own records from INFO up,
/// in Python's format, rotated before 10240 bytes with 10 backups (`.1` the
/// newest).
pub fn log_file<S>(dir: &Path) -> std::io::Result<(impl Layer<S>, WorkerGuard)>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    let path = dir.join("microblog.log");
    // `if not os.path.exists('logs'): os.mkdir('logs')`, and a first open to
    // find out now, not at the first record, whether the file is writable.
    std::fs::create_dir_all(dir)?;
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)?;
    let file = RotatingFile::new(&path, MAX_BYTES, BACKUP_COUNT);
    // Lossless: when the writer thread falls 128k records behind, a request
    // waits rather than a record going missing.
    let (writer, guard) = NonBlockingBuilder::default()
        .lossy(false)
        .finish(ReportLostRecords::new(file));
    let layer = tracing_subscriber::fmt::layer()
        .event_format(PythonFormat)
        .with_writer(writer)
        .with_ansi(false)
        // `file_handler.setLevel(logging.INFO)` on `app.logger`: the app's own
        // records, not Rocket's.
        .with_filter(ch07_3_email_errors::app_records(LevelFilter::INFO));
    Ok((layer, guard))
}
// ANCHOR_END: file_layer
