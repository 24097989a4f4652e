//! The lesson of step 3, Flask's `SMTPHandler` on `app.logger`: read this
//! module first. [`ErrorMail`]'s `on_event` is the handler (it only queues the
//! error), and [`fairing`] holds Flask's two conditions, `if not app.debug`
//! and `if app.config['MAIL_SERVER']`, and starts the sender.
//!
//! [`ErrorMail`] is a queue with two ends. `main` makes one and hands it to
//! both: the layer in the subscriber, and the app (as managed state), whose
//! fairing starts the sender. Nothing is global, so two apps in one process have two
//! queues.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rocket::tokio::sync::mpsc;
use rocket::tokio::task::JoinHandle;
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer};

use super::sender::{Mailer, QueuedError};
use super::MailConfig;

// ANCHOR: layer
/// The queue between the app's ERROR records and the sender: a cheap handle,
/// cloned into the layer and into the app. Closed until the app lifts off
/// with mail on.
#[derive(Debug, Clone, Default)]
pub struct ErrorMail(Arc<Shared>);

#[derive(Debug, Default)]
pub(super) struct Shared {
    /// The queue's sending end, there while mail is on.
    queue: Mutex<Option<mpsc::Sender<QueuedError>>>,
    /// Errors not mailed yet: dropped from a full queue, or over the rate limit.
    pub(super) unsent: AtomicU64,
    /// The sending task and the time it may take per mail, while mail is on.
    sender: Mutex<Option<(JoinHandle<()>, Duration)>>,
}

/// The `tracing` layer. [`crate::mail_layer`] filters it to the app's own
/// ERROR records. It never blocks: a full queue drops the event and counts it.
impl<S: Subscriber> Layer<S> for ErrorMail {
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let Ok(queue) = self.0.queue.lock() else {
            return;
        };
        let Some(queue) = queue.as_ref() else { return };
        if queue.try_send(QueuedError::of(event)).is_err() {
            self.0.unsent.fetch_add(1, Ordering::Relaxed);
        }
    }
}
// ANCHOR_END: layer

impl ErrorMail {
    /// Opens the queue and starts the sender.
    fn start(&self, mailer: Mailer, capacity: usize) {
        let (queue, receiver) = mpsc::channel(capacity.max(1));
        let deadline = mailer.deadline();
        if let Ok(mut slot) = self.0.queue.lock() {
            *slot = Some(queue);
        }
        let task = rocket::tokio::spawn(mailer.run(receiver, self.0.clone()));
        if let Ok(mut slot) = self.0.sender.lock() {
            *slot = Some((task, deadline));
        }
    }

    /// Closes the queue and waits, at most one send's deadline, for the mails
    /// in it to go out. The shutdown fairing calls it, and so does
    /// [`crate::launch`] once the server has stopped: Rocket 0.5 can end on
    /// SIGTERM without running its shutdown fairings, when its accept loop
    /// sees the signal before its shutdown branch does. A second call finds
    /// nothing left to do.
    pub async fn flush(&self) {
        if let Ok(mut queue) = self.0.queue.lock() {
            queue.take();
        }
        let sender = self
            .0
            .sender
            .lock()
            .ok()
            .and_then(|mut sender| sender.take());
        if let Some((task, deadline)) = sender {
            let abort = task.abort_handle();
            if rocket::tokio::time::timeout(deadline, task).await.is_err() {
                abort.abort();
                eprintln!("Error mail: gave up on unsent mail at shutdown");
            }
        }
    }
}

// ANCHOR: fairing
/// What `app()` attaches: outside debug and with `MAIL_SERVER` set, it starts
/// the sender of the app's [`ErrorMail`] (managed state, put there by `main`)
/// at liftoff, and [`ErrorMail::flush`]es it at shutdown. An app without an
/// `ErrorMail` (no mail layer was installed for it) sends no mail.
pub fn fairing() -> rocket::fairing::AdHoc {
    use rocket::fairing::AdHoc;
    AdHoc::try_on_ignite("Error mail", |rocket| async {
        if rocket.figment().profile() == rocket::Config::DEBUG_PROFILE {
            return Ok(rocket);
        }
        let Some(error_mail) = rocket.state::<ErrorMail>().cloned() else {
            return Ok(rocket);
        };
        let config = MailConfig::from_figment(rocket.figment());
        let mailer = match config.and_then(|config| Ok((config.mailer()?, config))) {
            Ok((Some(mailer), config)) => (mailer, config),
            Ok((None, _)) => return Ok(rocket),
            Err(error) => {
                eprintln!("Error mail: {error}");
                return Err(rocket);
            }
        };
        let on_shutdown = error_mail.clone();
        Ok(rocket
            .attach(AdHoc::on_liftoff("Error mail: start", move |_| {
                Box::pin(async move {
                    let (mailer, config) = mailer;
                    error_mail.start(mailer, config.queue);
                    // On stderr, with Rocket's launch line: stdout carries
                    // only log records when step 4's LOG_TO_STDOUT is on.
                    eprintln!(
                        "Error mail: on, to {} via {}",
                        config.admins.join(", "),
                        config.route()
                    );
                })
            }))
            .attach(AdHoc::on_shutdown("Error mail: flush", move |_| {
                Box::pin(async move { on_shutdown.flush().await })
            })))
    })
}
// ANCHOR_END: fairing
