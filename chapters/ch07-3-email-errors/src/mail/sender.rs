//! The sender: a task that mails the queued errors, groups the repeats of a
//! failure, and keeps a flood within bounds. Machinery: a learner can skip
//! this module on a first read, except [`Mailer::message`], the mail itself.

use std::collections::{HashMap, VecDeque};
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use rocket::tokio::sync::mpsc;
use tracing::Event;

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
            grouping_key: grouping_key(read.kind.as_deref(), read.origin.as_deref()),
            reference: read.reference,
        }
    }
}

/// Which failures are the same one: the failure's `kind` (its own message,
/// without the causes) and its `origin` (the first frame of the app's own
/// code), as the failure's record gives them; never free text from the
/// request. A record with neither has no key.
fn grouping_key(kind: Option<&str>, origin: Option<&str>) -> Option<String> {
    if kind.is_none() && origin.is_none() {
        return None;
    }
    let (kind, origin) = (kind.unwrap_or_default(), origin.unwrap_or_default());
    Some(format!("{kind} in {origin}"))
}

// ANCHOR: rate_limit
/// At most `limit` sends in any `window`.
#[derive(Debug)]
struct RateLimit {
    limit: usize,
    window: Duration,
    sent: VecDeque<Instant>,
}

impl RateLimit {
    fn new(limit: usize, window: Duration) -> Self {
        RateLimit {
            limit,
            window,
            sent: VecDeque::new(),
        }
    }

    fn allow(&mut self, now: Instant) -> bool {
        while self
            .sent
            .front()
            .is_some_and(|&sent| now.duration_since(sent) >= self.window)
        {
            self.sent.pop_front();
        }
        if self.sent.len() < self.limit {
            self.sent.push_back(now);
            true
        } else {
            false
        }
    }
}
// ANCHOR_END: rate_limit

pub(super) struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    to: Vec<Mailbox>,
    limit: RateLimit,
    /// Its settings: the deadline, and what explains a failed send.
    config: MailConfig,
}

/// Failures with one grouping key, mailed once, then counted until the window
/// closes.
#[derive(Debug)]
struct Group {
    first: String,
    last: String,
    repeats: u64,
    closes: Instant,
}

// ANCHOR: sender
impl Mailer {
    /// Sends the queued errors until the queue is closed (at shutdown) and
    /// empty. The first failure of a kind is mailed at once; the same failure
    /// again within `rate_window` is counted, and one summary mail says how
    /// many when the window closes. A new kind is never held back by an old
    /// one's flood; at most `rate_limit` kinds are mailed per window, and the
    /// rest are counted in the next mail.
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
        if shared.unsent.load(Ordering::Relaxed) > 0 {
            let shutdown = "Microblog is shutting down.".to_owned();
            self.deliver(None, shutdown, &shared.unsent).await;
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
            unsent.fetch_add(1, Ordering::Relaxed);
            return;
        }
        if let Some(key) = error.grouping_key {
            let closes = now + self.limit.window;
            let first = reference.clone();
            let group = Group {
                first,
                last: reference,
                repeats: 0,
                closes,
            };
            groups.insert(key, group);
        }
        let subject = error
            .reference
            .map(|reference| format!("Microblog Failure {reference}"));
        self.deliver(subject, error.text, unsent).await;
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
            let body = format!(
                "{} more failure(s) like {} within {} s of it, the last {}. Each is in the log under its reference.\n\n{key}",
                group.repeats,
                group.first,
                self.limit.window.as_secs(),
                group.last,
            );
            self.deliver(Some(subject), body, unsent).await;
        }
    }

    // ANCHOR: deliver
    async fn deliver(&self, subject: Option<String>, text: String, unsent: &AtomicU64) {
        let not_mailed = unsent.swap(0, Ordering::Relaxed);
        if let Err(error) = self.send(subject, text, not_mailed).await {
            unsent.fetch_add(not_mailed, Ordering::Relaxed);
            // stderr, not `tracing::error!`: an error about error mail must
            // not become another error mail.
            let explained = trouble::explained(&error, &self.config);
            eprintln!("Error mail not sent: {explained}");
        }
    }

    /// One mail, given up on at the deadline.
    pub(super) async fn send(
        &self,
        subject: Option<String>,
        text: String,
        unsent: u64,
    ) -> Result<(), SendError> {
        let message = self.message(subject, text, unsent)?;
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
    /// `Microblog Failure` (with the failure's reference), the error as plain text.
    fn message(
        &self,
        subject: Option<String>,
        mut body: String,
        unsent: u64,
    ) -> Result<Message, lettre::error::Error> {
        if unsent > 0 {
            let _ = write!(
                body,
                "\n\n{unsent} more error(s) were not mailed: over the limit of {} kinds per {} s, or the queue was full. See the log.",
                self.limit.limit,
                self.limit.window.as_secs()
            );
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
        let message = mailer.message(None, "Exception on /x [GET]".to_owned(), 3);
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

    #[test]
    fn a_failures_kind_and_origin_are_its_grouping_key_and_a_record_with_neither_has_none() {
        let origin = "common::routes::edit_profile at common/src/routes.rs:290";
        assert_eq!(
            grouping_key(Some("database query failed"), Some(origin)).as_deref(),
            Some(
                "database query failed in common::routes::edit_profile at common/src/routes.rs:290"
            )
        );
        assert_eq!(
            grouping_key(Some("panicked: boom"), Some("")).as_deref(),
            Some("panicked: boom in ")
        );
        assert_eq!(grouping_key(None, None), None);
    }

    #[test]
    fn the_rate_limit_allows_its_limit_per_window_then_frees_a_slot_as_one_ages_out() {
        let window = Duration::from_millis(100);
        let mut limit = RateLimit::new(2, window);
        let start = Instant::now();
        assert!(limit.allow(start));
        assert!(limit.allow(start + Duration::from_millis(10)));
        assert!(!limit.allow(start + Duration::from_millis(20)));
        // The first send is a whole window old: its slot is free again.
        assert!(limit.allow(start + window));
        assert!(!limit.allow(start + window + Duration::from_millis(5)));
        // Both later sends have aged out too.
        assert!(limit.allow(start + window * 3));
        assert!(limit.allow(start + window * 3));
    }
}
