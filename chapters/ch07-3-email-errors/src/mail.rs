//! Error mail: Flask's `SMTPHandler`, without its weaknesses.
//!
//! `SMTPHandler` sends from inside the failing request, so the visitor waits for
//! the whole SMTP exchange (or its timeout), and every error is a mail. Here a
//! `tracing` layer only puts the text on a bounded queue; a background task
//! sends it with lettre's async SMTP client, at most `rate_limit` mails per
//! `rate_window` seconds, each send bounded by `timeout` seconds, and says in
//! the next mail how many it left unsent.
//!
//! [`ErrorMail`] is that queue. `main` makes one and hands it to both ends: the
//! layer in the subscriber, and the app (as managed state), whose fairing
//! starts the sender. Nothing is global, so two apps in one process have two
//! queues.
//!
//! When a send fails, [`trouble`] says why in plain words on stderr, and
//! [`send_test_mail`] tries the settings without waiting for an error.

pub mod trouble;

use std::collections::{HashMap, VecDeque};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use rocket::figment::Figment;
use rocket::tokio::sync::mpsc;
use rocket::tokio::task::JoinHandle;
use serde::Deserialize;
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer};

use trouble::SendError;

/// The mail settings: `[default.mail]` in Rocket.toml (or `ROCKET_MAIL`), then
/// config.py's own environment variables on top. `Debug` leaves the password out.
#[derive(Clone, PartialEq, Eq, Deserialize)]
pub struct MailConfig {
    /// `MAIL_SERVER`. No server, no mail.
    #[serde(default)]
    pub server: Option<String>,
    /// `MAIL_PORT`.
    pub port: u16,
    /// `MAIL_USE_TLS`: STARTTLS after connecting.
    #[serde(default)]
    pub use_tls: bool,
    /// `MAIL_USE_SSL`: TLS from the first byte (port 465), which SMTPHandler can't do.
    #[serde(default)]
    pub use_ssl: bool,
    /// `MAIL_USERNAME` and `MAIL_PASSWORD`: sent when either is set.
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub password: Option<String>,
    /// `MAIL_CA_FILE`, ours: a PEM certificate to trust besides the usual
    /// authorities, such as the one `mail-sink --tls` makes for itself.
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    /// `ADMINS`, comma-separated in the environment.
    pub admins: Vec<String>,
    /// At most this many mails per `rate_window` seconds.
    pub rate_limit: usize,
    pub rate_window: u64,
    /// Errors waiting to be mailed; more than this are dropped (and counted).
    pub queue: usize,
    /// Seconds one whole send may take, from connecting to the server's last
    /// reply. Shutdown waits at most this long for unsent mail.
    #[serde(default = "default_timeout")]
    pub timeout: u64,
}

fn default_timeout() -> u64 {
    10
}

impl std::fmt::Debug for MailConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailConfig")
            .field("server", &self.server)
            .field("port", &self.port)
            .field("use_tls", &self.use_tls)
            .field("use_ssl", &self.use_ssl)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "(hidden)"))
            .field("ca_file", &self.ca_file)
            .field("admins", &self.admins)
            .field("rate_limit", &self.rate_limit)
            .field("rate_window", &self.rate_window)
            .field("queue", &self.queue)
            .field("timeout", &self.timeout)
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("the [mail] settings are incomplete or invalid: {0}")]
    Settings(#[from] Box<rocket::figment::Error>),
    #[error("MAIL_PORT must be a port number (1-65535), not {0:?}")]
    Port(String),
    #[error("{0:?} is not an email address (check ADMINS and MAIL_SERVER)")]
    Address(String),
    #[error("MAIL_CA_FILE {path:?}: {problem}")]
    CaFile {
        path: PathBuf,
        #[source]
        problem: CaFileError,
    },
    #[error("cannot set up the SMTP connection to {server}: {source}")]
    Transport {
        server: String,
        source: lettre::transport::smtp::Error,
    },
}

/// What is wrong with the file `MAIL_CA_FILE` names.
#[derive(Debug, thiserror::Error)]
pub enum CaFileError {
    #[error("it cannot be read: {0}")]
    Read(#[from] std::io::Error),
    #[error("it is not PEM: {0}")]
    Pem(#[from] rustls::pki_types::pem::Error),
    #[error("it holds no PEM certificate")]
    NoCertificate,
    #[error("a certificate in it was refused: {0}")]
    Refused(#[source] lettre::transport::smtp::Error),
    #[error("it is set, but neither MAIL_USE_TLS nor MAIL_USE_SSL is, so nothing would use it")]
    WithoutTls,
}

impl MailConfig {
    // ANCHOR: config
    /// The settings for `figment`, with the environment read as config.py reads it.
    pub fn from_figment(figment: &Figment) -> Result<MailConfig, ConfigError> {
        let mut config: MailConfig = figment.extract_inner("mail").map_err(Box::new)?;
        let var = |name: &str| std::env::var(name).ok();
        if let Some(server) = var("MAIL_SERVER").filter(|server| !server.is_empty()) {
            config.server = Some(server);
        }
        if let Some(port) = var("MAIL_PORT").filter(|port| !port.is_empty()) {
            config.port = match port.parse() {
                Ok(0) | Err(_) => return Err(ConfigError::Port(port)),
                Ok(port) => port,
            };
        }
        // `os.environ.get('MAIL_USE_TLS') is not None`: set at all means on.
        config.use_tls |= std::env::var_os("MAIL_USE_TLS").is_some();
        config.use_ssl |= std::env::var_os("MAIL_USE_SSL").is_some();
        config.username = var("MAIL_USERNAME").or(config.username);
        config.password = var("MAIL_PASSWORD").or(config.password);
        let ca_file = var("MAIL_CA_FILE").filter(|path| !path.is_empty());
        config.ca_file = ca_file.map(PathBuf::from).or(config.ca_file);
        if let Some(admins) = var("ADMINS") {
            config.admins = admins
                .split(',')
                .map(str::trim)
                .filter(|admin| !admin.is_empty())
                .map(str::to_owned)
                .collect();
        }
        Ok(config)
    }
    // ANCHOR_END: config

    // ANCHOR: mailer
    /// The ready-to-send parts, or `None` when there is no `MAIL_SERVER`.
    fn mailer(&self) -> Result<Option<Mailer>, ConfigError> {
        let Some(server) = self.server.clone() else {
            return Ok(None);
        };
        let from = mailbox(&format!("no-reply@{server}"))?;
        let to = self
            .admins
            .iter()
            .map(|admin| mailbox(admin))
            .collect::<Result<_, _>>()?;
        // MAIL_USE_SSL: TLS from the first byte. MAIL_USE_TLS: plain text, then
        // STARTTLS, and no mail unless the upgrade succeeds. Neither: plain
        // text, which is what lettre's "dangerous" builder starts with.
        let tls = match (self.use_ssl, self.use_tls) {
            (false, false) => match &self.ca_file {
                Some(path) => return Err(ca_file_error(path, CaFileError::WithoutTls)),
                None => Tls::None,
            },
            (true, _) => Tls::Wrapper(self.tls_parameters(&server)?),
            (false, true) => Tls::Required(self.tls_parameters(&server)?),
        };
        let deadline = self.deadline();
        // lettre's own timeout bounds each read and write; `deliver` bounds the
        // whole exchange, which a server that trickles its replies could stretch.
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&server)
            .port(self.port)
            .tls(tls)
            .timeout(Some(deadline));
        if self.username.is_some() || self.password.is_some() {
            builder = builder.credentials(Credentials::new(
                self.username.clone().unwrap_or_default(),
                self.password.clone().unwrap_or_default(),
            ));
        }
        Ok(Some(Mailer {
            transport: builder.build(),
            from,
            to,
            limit: RateLimit::new(self.rate_limit, Duration::from_secs(self.rate_window)),
            config: self.clone(),
        }))
    }
    // ANCHOR_END: mailer

    /// The usual authorities, plus `MAIL_CA_FILE`'s certificates.
    fn tls_parameters(&self, server: &str) -> Result<TlsParameters, ConfigError> {
        use rustls::pki_types::{pem::PemObject, CertificateDer};
        let mut parameters = TlsParameters::builder(server.to_owned());
        if let Some(path) = &self.ca_file {
            let problem = |problem| ca_file_error(path, problem);
            let pem = std::fs::read(path).map_err(|error| problem(error.into()))?;
            let certificates = CertificateDer::pem_slice_iter(&pem)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|error| problem(error.into()))?;
            if certificates.is_empty() {
                return Err(problem(CaFileError::NoCertificate));
            }
            for certificate in certificates {
                let certificate = Certificate::from_der(certificate.to_vec())
                    .map_err(|error| problem(CaFileError::Refused(error)))?;
                parameters = parameters.add_root_certificate(certificate);
            }
        }
        parameters.build().map_err(|source| ConfigError::Transport {
            server: server.to_owned(),
            source,
        })
    }

    /// The most one send may take, start to end: `timeout`.
    fn deadline(&self) -> Duration {
        Duration::from_secs(self.timeout)
    }

    /// `MAIL_SERVER:MAIL_PORT`.
    pub fn address(&self) -> String {
        let server = self.server.as_deref().unwrap_or("(no MAIL_SERVER)");
        format!("{server}:{}", self.port)
    }

    /// Where mail goes and how, for a person: `smtp.example.com:587 with
    /// STARTTLS, logged in as microblog`.
    pub fn route(&self) -> String {
        let mut route = self.address();
        if self.use_ssl {
            route.push_str(" over TLS");
        } else if self.use_tls {
            route.push_str(" with STARTTLS");
        }
        if let Some(username) = &self.username {
            let _ = write!(route, ", logged in as {username}");
        }
        route
    }
}

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
    if let Err(error) = mailer.send(Some(subject), body, 0).await {
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

fn ca_file_error(path: &std::path::Path, problem: CaFileError) -> ConfigError {
    ConfigError::CaFile {
        path: path.to_owned(),
        problem,
    }
}

fn mailbox(address: &str) -> Result<Mailbox, ConfigError> {
    address
        .parse()
        .map_err(|_| ConfigError::Address(address.to_owned()))
}

// ANCHOR: layer
/// The queue between the app's ERROR records and the sender: a cheap handle,
/// cloned into the layer and into the app. Closed until the app lifts off
/// with mail on.
#[derive(Debug, Clone, Default)]
pub struct ErrorMail(Arc<Shared>);

#[derive(Debug, Default)]
struct Shared {
    /// The queue's sending end, there while mail is on.
    queue: Mutex<Option<mpsc::Sender<QueuedError>>>,
    /// Errors not mailed yet: dropped from a full queue, or over the rate limit.
    unsent: AtomicU64,
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
        let read = EventText::read(event);
        let queued = QueuedError {
            text: read.text(),
            reference: read.reference,
            fingerprint: read.fingerprint,
        };
        if queue.try_send(queued).is_err() {
            self.0.unsent.fetch_add(1, Ordering::Relaxed);
        }
    }
}
// ANCHOR_END: layer

impl ErrorMail {
    /// Opens the queue and starts the sender.
    fn start(&self, mailer: Mailer, capacity: usize) {
        let (queue, receiver) = mpsc::channel(capacity.max(1));
        let deadline = mailer.config.deadline();
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

/// An event as text: the message's first line, then the event's other fields
/// as ` key=value` (`reference=E-3f9a21c0`), then the rest of the message
/// (a backtrace). The error mail's own fields, `reference` and `fingerprint`,
/// are also kept apart for it. Step 4's log line uses the text too.
#[derive(Debug, Default)]
pub struct EventText {
    message: String,
    fields: String,
    reference: Option<String>,
    fingerprint: Option<String>,
}

impl EventText {
    pub fn of(event: &Event<'_>) -> String {
        Self::read(event).text()
    }

    fn read(event: &Event<'_>) -> EventText {
        let mut text = EventText::default();
        event.record(&mut text);
        text
    }

    fn text(&self) -> String {
        let (first, rest) = match self.message.split_once('\n') {
            Some((first, rest)) => (first, Some(rest)),
            None => (self.message.as_str(), None),
        };
        let mut text = format!("{first}{}", self.fields);
        if let Some(rest) = rest {
            text.push('\n');
            text.push_str(rest);
        }
        text
    }
}

impl Visit for EventText {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let _ = match field.name() {
            "message" => write!(self.message, "{value:?}"),
            // Which failures are the same one: for grouping, not for reading.
            "fingerprint" => {
                self.fingerprint = Some(format!("{value:?}"));
                Ok(())
            }
            name => {
                if name == "reference" {
                    self.reference = Some(format!("{value:?}"));
                }
                write!(self.fields, " {name}={value:?}")
            }
        };
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "message" => self.message.push_str(value),
            _ => self.record_debug(field, &value),
        }
    }
}

/// One of the app's ERROR records, as the queue carries it to the sender.
#[derive(Debug)]
struct QueuedError {
    text: String,
    reference: Option<String>,
    /// Records without one (an app's ERROR that is not a failed request) are
    /// each a group of their own.
    fingerprint: Option<String>,
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

struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    to: Vec<Mailbox>,
    limit: RateLimit,
    /// What the mailer was made from: its deadline, and what explains a
    /// failed send.
    config: MailConfig,
}

/// Failures with one fingerprint, mailed once, then counted until the window
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
    async fn run(mut self, mut queue: mpsc::Receiver<QueuedError>, shared: Arc<Shared>) {
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
            .fingerprint
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
        if let Some(key) = error.fingerprint {
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
    async fn send(
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
                    println!(
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

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> MailConfig {
        MailConfig {
            server: Some("mail.example.com".to_owned()),
            port: 587,
            use_tls: false,
            use_ssl: false,
            username: Some("microblog".to_owned()),
            password: Some("hunter2".to_owned()),
            ca_file: None,
            admins: vec!["a@example.com".to_owned(), "b@example.com".to_owned()],
            rate_limit: 10,
            rate_window: 60,
            queue: 100,
            timeout: 10,
        }
    }

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
    fn no_server_means_no_mailer_and_a_bad_admin_is_a_clear_error() {
        let mut no_server = config();
        no_server.server = None;
        assert!(no_server.mailer().expect("valid").is_none());
        let mut bad_admin = config();
        bad_admin.admins = vec!["not an address".to_owned()];
        let error = bad_admin.mailer().err().expect("an error");
        assert!(error
            .to_string()
            .contains("\"not an address\" is not an email address"));
    }

    #[test]
    fn the_route_names_the_server_the_kind_of_tls_and_the_login() {
        let mut settings = config();
        assert_eq!(
            settings.route(),
            "mail.example.com:587, logged in as microblog"
        );
        settings.use_tls = true;
        assert_eq!(
            settings.route(),
            "mail.example.com:587 with STARTTLS, logged in as microblog"
        );
        settings.use_ssl = true;
        settings.port = 465;
        settings.username = None;
        assert_eq!(settings.route(), "mail.example.com:465 over TLS");
    }

    #[test]
    fn a_ca_file_without_a_certificate_stops_the_start_with_its_path() {
        let file = tempfile::NamedTempFile::new().expect("a file");
        std::fs::write(file.path(), "not a certificate").expect("written");
        let mut settings = config();
        settings.use_tls = true;
        settings.ca_file = Some(file.path().to_owned());

        let error = settings.mailer().err().expect("an error");

        assert!(matches!(error, ConfigError::CaFile { .. }), "{error}");
        assert!(error.to_string().contains("it holds no PEM certificate"));
    }

    #[test]
    fn the_password_never_appears_in_debug_output() {
        let printed = format!("{:?}", config());
        assert!(!printed.contains("hunter2"), "{printed}");
        assert!(
            printed.contains("password: Some(\"(hidden)\")"),
            "{printed}"
        );
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
