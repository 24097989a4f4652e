//! The mail settings (`MAIL_SERVER` and the rest, as config.py reads them) and
//! the SMTP transport made from them. Machinery: a learner can skip this
//! module on a first read.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, Tokio1Executor};
use rocket::figment::Figment;
use serde::Deserialize;

use super::sender::Mailer;

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
    /// At most this many kinds of failure mailed per `rate_window` seconds.
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

// ANCHOR: hidden_password
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
// ANCHOR_END: hidden_password

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
    pub(super) fn mailer(&self) -> Result<Option<Mailer>, ConfigError> {
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
        Ok(Some(Mailer::new(builder.build(), from, to, self.clone())))
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
    pub(super) fn deadline(&self) -> Duration {
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

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// Settings for a server that wants a login, and two admins.
    pub(in crate::mail) fn config() -> MailConfig {
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
}
