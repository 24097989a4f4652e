//! Error mail: Flask's `SMTPHandler`, without its weaknesses.
//!
//! `SMTPHandler` sends from inside the failing request, so the visitor waits for
//! the whole SMTP exchange (or its timeout), and every error is a mail. Here a
//! `tracing` layer only puts the text on a bounded queue; a background task
//! sends it with lettre's async SMTP client, at most `rate_limit` mails per
//! `rate_window` seconds, and says in the next mail how many it left unsent.

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use rocket::figment::Figment;
use rocket::tokio::sync::mpsc;
use rocket::tokio::task::JoinHandle;
use serde::Deserialize;
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer};

/// The mail settings: `[default.mail]` in Rocket.toml (or `ROCKET_MAIL`), then
/// config.py's own environment variables on top.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
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
    /// `ADMINS`, comma-separated in the environment.
    pub admins: Vec<String>,
    /// At most this many mails per `rate_window` seconds.
    pub rate_limit: usize,
    pub rate_window: u64,
    /// Errors waiting to be mailed; more than this are dropped (and counted).
    pub queue: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("the [mail] settings are incomplete or invalid: {0}")]
    Settings(#[from] Box<rocket::figment::Error>),
    #[error("MAIL_PORT must be a port number (1-65535), not {0:?}")]
    Port(String),
    #[error("{0:?} is not an email address (check ADMINS and MAIL_SERVER)")]
    Address(String),
    #[error("cannot set up the SMTP connection to {server}: {source}")]
    Transport {
        server: String,
        source: lettre::transport::smtp::Error,
    },
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
        let transport_error = |source| ConfigError::Transport {
            server: server.clone(),
            source,
        };
        type Smtp = AsyncSmtpTransport<Tokio1Executor>;
        let mut builder = if self.use_ssl {
            Smtp::relay(&server).map_err(transport_error)?
        } else if self.use_tls {
            Smtp::starttls_relay(&server).map_err(transport_error)?
        } else {
            Smtp::builder_dangerous(&server)
        };
        builder = builder
            .port(self.port)
            // A hung server holds up the mail queue (never a request) this long.
            .timeout(Some(Duration::from_secs(10)));
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
        }))
    }
}

fn mailbox(address: &str) -> Result<Mailbox, ConfigError> {
    address
        .parse()
        .map_err(|_| ConfigError::Address(address.to_owned()))
}

/// Errors not mailed yet: dropped from a full queue, or over the rate limit.
static UNSENT: AtomicU64 = AtomicU64::new(0);
/// The queue's sending end, there while mail is on. The layer is installed
/// before Rocket starts; the queue exists from liftoff to shutdown.
static QUEUE: Mutex<Option<mpsc::Sender<String>>> = Mutex::new(None);

// ANCHOR: layer
/// The `tracing` layer. [`crate::mail_layer`] filters it to the app's own
/// ERROR records. It never blocks: a full queue drops the event and counts it.
#[derive(Debug, Clone, Copy, Default)]
pub struct MailLayer;

impl<S: Subscriber> Layer<S> for MailLayer {
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let Ok(queue) = QUEUE.lock() else { return };
        let Some(queue) = queue.as_ref() else { return };
        if queue.try_send(EventText::of(event)).is_err() {
            UNSENT.fetch_add(1, Ordering::Relaxed);
        }
    }
}
// ANCHOR_END: layer

/// An event's message followed by its other fields, as ` key=value`, in
/// whatever order the event lists them. Step 4's log line uses it too.
#[derive(Debug, Default)]
pub struct EventText {
    message: String,
    fields: String,
}

impl EventText {
    pub fn of(event: &Event<'_>) -> String {
        let mut text = EventText::default();
        event.record(&mut text);
        text.message.push_str(&text.fields);
        text.message
    }
}

impl Visit for EventText {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let _ = match field.name() {
            "message" => write!(self.message, "{value:?}"),
            name => write!(self.fields, " {name}={value:?}"),
        };
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "message" => self.message.push_str(value),
            _ => self.record_debug(field, &value),
        }
    }
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
}

// ANCHOR: sender
impl Mailer {
    /// Sends each queued error until the queue is closed (at shutdown) and
    /// empty, then one last mail with the count of errors it never mailed.
    async fn run(mut self, mut queue: mpsc::Receiver<String>) {
        while let Some(text) = queue.recv().await {
            if self.limit.allow(Instant::now()) {
                self.deliver(text).await;
            } else {
                UNSENT.fetch_add(1, Ordering::Relaxed);
            }
        }
        if UNSENT.load(Ordering::Relaxed) > 0 {
            self.deliver("Microblog is shutting down.".to_owned()).await;
        }
    }

    async fn deliver(&self, text: String) {
        let unsent = UNSENT.swap(0, Ordering::Relaxed);
        if let Err(error) = self.send(text, unsent).await {
            UNSENT.fetch_add(unsent, Ordering::Relaxed);
            // stderr, not `tracing::error!`: an error about error mail must not
            // become another error mail.
            eprintln!("Error mail not sent: {error}");
        }
    }
    // ANCHOR_END: sender

    async fn send(&self, mut body: String, unsent: u64) -> Result<(), Box<dyn std::error::Error>> {
        if unsent > 0 {
            let _ = write!(
                body,
                "\n\n{unsent} more error(s) were not mailed: over the limit of {} per {} s, or the queue was full. See the log.",
                self.limit.limit,
                self.limit.window.as_secs()
            );
        }
        let mut message = Message::builder()
            .from(self.from.clone())
            .subject("Microblog Failure")
            .header(ContentType::TEXT_PLAIN);
        for admin in &self.to {
            message = message.to(admin.clone());
        }
        self.transport.send(message.body(body)?).await?;
        Ok(())
    }
}

/// The sending task, there while mail is on.
static SENDER: Mutex<Option<JoinHandle<()>>> = Mutex::new(None);

/// Closes the queue and waits (at most 15 s) for the mails in it to go out.
/// The shutdown fairing calls it, and so does [`crate::launch`] once the server
/// has stopped: Rocket 0.5 can end on SIGTERM without running its shutdown
/// fairings, when its accept loop sees the signal before its shutdown branch
/// does. A second call finds nothing left to do.
pub async fn flush() {
    if let Ok(mut queue) = QUEUE.lock() {
        queue.take();
    }
    let sender = SENDER.lock().ok().and_then(|mut sender| sender.take());
    if let Some(sender) = sender {
        if rocket::tokio::time::timeout(Duration::from_secs(15), sender)
            .await
            .is_err()
        {
            eprintln!("Error mail: gave up on unsent mail at shutdown");
        }
    }
}

/// What `app()` attaches: outside debug and with `MAIL_SERVER` set, it opens
/// the queue at liftoff and starts the sender; at shutdown it [`flush`]es.
pub fn fairing() -> rocket::fairing::AdHoc {
    use rocket::fairing::AdHoc;
    AdHoc::try_on_ignite("Error mail", |rocket| async {
        if rocket.figment().profile() == rocket::Config::DEBUG_PROFILE {
            return Ok(rocket);
        }
        let mailer = match MailConfig::from_figment(rocket.figment()).and_then(|config| {
            let mailer = config.mailer()?;
            Ok(mailer.map(|mailer| (mailer, config)))
        }) {
            Ok(Some(mailer)) => mailer,
            Ok(None) => return Ok(rocket),
            Err(error) => {
                eprintln!("Error mail: {error}");
                return Err(rocket);
            }
        };
        Ok(rocket
            .attach(AdHoc::on_liftoff("Error mail: start", move |_| {
                Box::pin(async move {
                    let (mailer, config) = mailer;
                    let (queue, receiver) = mpsc::channel(config.queue.max(1));
                    if let Ok(mut slot) = QUEUE.lock() {
                        *slot = Some(queue);
                    }
                    let task = rocket::tokio::spawn(mailer.run(receiver));
                    if let Ok(mut slot) = SENDER.lock() {
                        *slot = Some(task);
                    }
                    println!(
                        "Error mail: on, to {} via {}:{}",
                        config.admins.join(", "),
                        config.server.as_deref().unwrap_or_default(),
                        config.port
                    );
                })
            }))
            .attach(AdHoc::on_shutdown("Error mail: flush", |_| {
                Box::pin(flush())
            })))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
