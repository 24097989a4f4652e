//! The sender: a task that mails the queued errors, within the bounds that
//! `flood.rs` keeps. Machinery: a learner can skip this module on a first
//! read, except [`Mailer::message`], the mail itself.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use rocket::tokio::sync::mpsc;
use tracing::Event;

use super::flood::{grouping_key, Group, NotMailed, Outgoing, RateLimit};
use super::layer::Shared;
use super::trouble::{self, SendError};
use super::MailConfig;
use crate::event_text::EventText;

/// One of the app's ERROR records, as the queue carries it to the sender.
#[derive(Debug)]
pub(super) struct QueuedError {
    text: String,
    reference: Option<String>,
    /// None for an app's ERROR that is not a failed request: its own group.
    grouping_key: Option<String>,
}

impl QueuedError {
    /// `event` as the mail's text, with its reference and grouping key.
    pub(super) fn of(event: &Event<'_>) -> QueuedError {
        let read = EventText::read(event);
        QueuedError {
            text: read.text(),
            grouping_key: grouping_key(
                read.kind.as_deref(),
                read.root_cause.as_deref(),
                read.origin.as_deref(),
            ),
            reference: read.reference,
        }
    }
}

pub(super) struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    to: Vec<Mailbox>,
    limit: RateLimit,
    /// Failures not mailed yet (over the limit, or in a mail that failed),
    /// for the next mail to list.
    not_mailed: NotMailed,
    /// Its settings: the deadline, and what explains a failed send.
    config: MailConfig,
}

// ANCHOR: sender
impl Mailer {
    /// Sends the queued errors until the queue is closed (at shutdown) and
    /// empty. The first failure of a kind is mailed at once; the same failure
    /// again within `rate_window` is counted, and one summary mail says how
    /// many when the window closes. A new kind is never held back by an old
    /// one's flood; at most `rate_limit` kinds are mailed per window, and the
    /// rest are listed in the next mail, group by group. A mail that cannot be
    /// sent has its failures listed in the next one.
    pub(super) async fn run(mut self, mut queue: mpsc::Receiver<QueuedError>, shared: Arc<Shared>) {
        let mut groups: HashMap<String, Group> = HashMap::new();
        loop {
            let next_close = groups.values().map(|group| group.closes).min();
            let window_closes = async {
                match next_close {
                    Some(at) => rocket::tokio::time::sleep_until(at.into()).await,
                    None => std::future::pending().await,
                }
            };
            rocket::tokio::select! {
                queued = queue.recv() => match queued {
                    Some(queued) => self.take(queued, &mut groups, &shared.unsent).await,
                    None => break,
                },
                () = window_closes => {
                    self.close_windows(&mut groups, Instant::now(), &shared.unsent).await;
                }
            }
        }
        // Shutdown: every open window's summary, then what was never mailed.
        let end = Instant::now() + self.limit.window;
        self.close_windows(&mut groups, end, &shared.unsent).await;
        if shared.unsent.load(Ordering::Relaxed) > 0 || self.not_mailed.total() > 0 {
            let shutdown = Outgoing {
                subject: None,
                text: "Microblog is shutting down.".to_owned(),
                key: None,
                first: String::new(),
                failures: 0,
            };
            self.deliver(shutdown, &shared.unsent).await;
        }
    }

    async fn take(
        &mut self,
        error: QueuedError,
        groups: &mut HashMap<String, Group>,
        unsent: &AtomicU64,
    ) {
        let now = Instant::now();
        let reference = error.reference.clone().unwrap_or_default();
        if let Some(group) = error
            .grouping_key
            .as_ref()
            .and_then(|key| groups.get_mut(key))
        {
            group.repeats += 1;
            group.last = reference;
            return;
        }
        if !self.limit.allow(now) {
            self.not_mailed
                .add(error.grouping_key.as_deref(), 1, &reference);
            return;
        }
        let subject = error
            .reference
            .map(|reference| format!("Microblog Failure {reference}"));
        let mail = Outgoing {
            subject,
            text: error.text,
            key: error.grouping_key.clone(),
            first: reference.clone(),
            failures: 1,
        };
        let first_mailed = self.deliver(mail, unsent).await;
        if let Some(key) = error.grouping_key {
            let closes = now + self.limit.window;
            let group = Group {
                first: reference.clone(),
                last: reference,
                repeats: 0,
                closes,
                first_mailed,
            };
            groups.insert(key, group);
        }
    }

    /// Mails the summary of every group whose window has closed by `now`.
    async fn close_windows(
        &mut self,
        groups: &mut HashMap<String, Group>,
        now: Instant,
        unsent: &AtomicU64,
    ) {
        let closed: Vec<String> = groups
            .iter()
            .filter(|(_, group)| group.closes <= now)
            .map(|(key, _)| key.clone())
            .collect();
        for key in closed {
            let Some(group) = groups.remove(&key) else {
                continue;
            };
            if group.repeats == 0 {
                continue;
            }
            let subject = format!(
                "Microblog Failure {}: {} more like it",
                group.first, group.repeats
            );
            let first_mail = if group.first_mailed {
                "its own mail"
            } else {
                "its own mail could not be sent, so it is in the log only"
            };
            let body = format!(
                "{} more failure(s) like {} ({first_mail}) within {} s of it, the last {}. Each is in the log under its reference.\n\n{key}",
                group.repeats,
                group.first,
                self.limit.window.as_secs(),
                group.last,
            );
            let summary = Outgoing {
                subject: Some(subject),
                text: body,
                key: Some(key),
                first: group.first,
                failures: group.repeats,
            };
            self.deliver(summary, unsent).await;
        }
    }

    // ANCHOR: deliver
    /// Sends `mail` with the list of what was not mailed before it. If the
    /// send fails, that list, and `mail`'s own failures, wait for the next.
    /// Returns whether it was delivered.
    async fn deliver(&mut self, mail: Outgoing, unsent: &AtomicU64) -> bool {
        let mut not_mailed = std::mem::take(&mut self.not_mailed);
        not_mailed.queue_full += unsent.swap(0, Ordering::Relaxed);
        let sent = self.send(mail.subject, mail.text, &not_mailed).await;
        let Err(error) = sent else { return true };
        not_mailed.add(mail.key.as_deref(), mail.failures, &mail.first);
        // Whatever came in meanwhile came after.
        not_mailed.merge(std::mem::take(&mut self.not_mailed));
        self.not_mailed = not_mailed;
        // stderr, not `tracing::error!`: an error about error mail must
        // not become another error mail.
        let explained = trouble::explained(&error, &self.config);
        eprintln!("Error mail not sent: {explained}");
        false
    }

    /// One mail, given up on at the deadline.
    pub(super) async fn send(
        &self,
        subject: Option<String>,
        text: String,
        not_mailed: &NotMailed,
    ) -> Result<(), SendError> {
        let message = self.message(subject, text, not_mailed)?;
        let deadline = self.config.deadline();
        match rocket::tokio::time::timeout(deadline, self.transport.send(message)).await {
            Ok(sent) => sent.map(drop).map_err(SendError::from),
            Err(_) => Err(SendError::Deadline(deadline)),
        }
    }
    // ANCHOR_END: deliver
    // ANCHOR_END: sender

    // ANCHOR: message
    /// The mail: from `no-reply@MAIL_SERVER` to every admin, subject
    /// `Microblog Failure` (with the failure's reference), the error as plain
    /// text, then what was not mailed before it.
    fn message(
        &self,
        subject: Option<String>,
        mut body: String,
        not_mailed: &NotMailed,
    ) -> Result<Message, lettre::error::Error> {
        let total = not_mailed.total();
        if total > 0 {
            let _ = write!(
                body,
                "\n\n{total} more error(s) were not mailed: over the limit of {} kinds per {} s, a full queue, or a mail that could not be sent. Each is in the log under its reference:",
                self.limit.limit,
                self.limit.window.as_secs()
            );
            for group in &not_mailed.groups {
                let what = group.key.as_deref().unwrap_or("other errors");
                let _ = write!(body, "\n- {} like {}: {what}", group.count, group.first);
            }
            if not_mailed.unlisted > 0 {
                let _ = write!(body, "\n- {} of other kinds", not_mailed.unlisted);
            }
            if not_mailed.queue_full > 0 {
                let _ = write!(
                    body,
                    "\n- {} that found the queue full",
                    not_mailed.queue_full
                );
            }
        }
        let mut message = Message::builder()
            .from(self.from.clone())
            .subject(subject.unwrap_or_else(|| "Microblog Failure".to_owned()))
            .header(ContentType::TEXT_PLAIN);
        for admin in &self.to {
            message = message.to(admin.clone());
        }
        message.body(body)
    }
    // ANCHOR_END: message

    /// The mailer for `config`, whose `transport`, `from` and `to` it made.
    pub(super) fn new(
        transport: AsyncSmtpTransport<Tokio1Executor>,
        from: Mailbox,
        to: Vec<Mailbox>,
        config: MailConfig,
    ) -> Mailer {
        let window = Duration::from_secs(config.rate_window);
        Mailer {
            transport,
            from,
            to,
            limit: RateLimit::new(config.rate_limit, window),
            not_mailed: NotMailed::default(),
            config,
        }
    }

    /// The most one send may take.
    pub(super) fn deadline(&self) -> Duration {
        self.config.deadline()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::settings::tests::config;

    #[test]
    fn the_mail_is_from_no_reply_at_the_server_to_every_admin_with_the_tutorials_subject() {
        let mailer = config().mailer().expect("valid").expect("a server");
        let not_mailed = NotMailed {
            queue_full: 3,
            ..NotMailed::default()
        };
        let message = mailer.message(None, "Exception on /x [GET]".to_owned(), &not_mailed);
        let text = String::from_utf8(message.expect("a message").formatted()).expect("UTF-8");

        assert!(
            text.contains("From: no-reply@mail.example.com\r\n"),
            "{text}"
        );
        assert!(
            text.contains("To: a@example.com, b@example.com\r\n"),
            "{text}"
        );
        assert!(text.contains("Subject: Microblog Failure\r\n"), "{text}");
        assert!(text.contains("Exception on /x [GET]"), "{text}");
        assert!(text.contains("3 more error(s) were not mailed"), "{text}");
    }
}
