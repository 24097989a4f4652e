//! The SMTP debugging server: Python's `python -m smtpd -n -c DebuggingServer`,
//! which Python 3.12 removed. It accepts every message and hands it over; the
//! `mail-sink` binary prints them ([`command`]), and the tests of steps 3 to 5
//! read them.
//!
//! Unlike DebuggingServer it can also play a real provider's part, so that
//! `MAIL_USE_TLS`, `MAIL_USE_SSL`, `MAIL_USERNAME` and `MAIL_PASSWORD` can be
//! tried on your own machine: STARTTLS or TLS from the first byte, with a
//! certificate it makes for itself, and a login it insists on.
//!
//! A learner can skip this crate: it is a tool, not part of the chapter.

pub mod command;

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream};
use std::sync::{mpsc, Arc};
use std::time::Duration;

use mailin::response::{self, Response};
use mailin::{Action, AuthMechanism, Handler, Session, SessionBuilder};
use rustls::pki_types::{CertificateDer, PrivatePkcs8KeyDer};
use rustls::{ServerConfig, ServerConnection, StreamOwned};

/// One message as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    pub peer: IpAddr,
    pub from: String,
    pub to: Vec<String>,
    /// The message itself: headers, blank line, body.
    pub data: String,
}

impl Mail {
    /// As DebuggingServer printed it.
    pub fn printed(&self) -> String {
        format!(
            "---------- MESSAGE FOLLOWS ----------\nX-Peer: {}\nX-MailFrom: {}\nX-RcptTo: {}\n{}\n------------ END MESSAGE ------------",
            self.peer,
            self.from,
            self.to.join(", "),
            self.data.trim_end()
        )
    }
}

/// How a client's connection is protected: the three ways an SMTP server is met.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Security {
    /// Plain text throughout, like DebuggingServer (and port 25 on a LAN).
    #[default]
    None,
    /// Plain text until the client says STARTTLS (port 587): `MAIL_USE_TLS`.
    StartTls,
    /// TLS from the first byte (port 465): `MAIL_USE_SSL`.
    Implicit,
}

/// What the sink asks of its clients.
#[derive(Debug, Clone, Default)]
pub struct SinkOptions {
    pub security: Security,
    /// The one user name and password accepted. With a login set, a client
    /// must log in (over TLS) before it may send: 530 until it does, 535 for
    /// a wrong password, as a provider answers.
    pub login: Option<(String, String)>,
    /// A name for the certificate besides `localhost`, `127.0.0.1` and `::1`:
    /// the host the clients are told to use.
    pub host_name: Option<String>,
}

/// Why a sink did not start.
#[derive(Debug, thiserror::Error)]
pub enum SinkError {
    #[error("cannot listen: {0}")]
    Listen(#[from] io::Error),
    #[error("cannot make its certificate: {0}")]
    Certificate(#[from] rcgen::Error),
    #[error("cannot set up TLS: {0}")]
    Tls(#[from] rustls::Error),
    #[error("a login needs TLS (--tls or --ssl): like a provider, mail-sink takes a login only over TLS")]
    LoginWithoutTls,
}

/// A running sink. Messages arrive on `mails`.
#[derive(Debug)]
pub struct MailSink {
    pub addr: SocketAddr,
    pub mails: mpsc::Receiver<Mail>,
    /// With TLS, the certificate it made for `localhost` and `127.0.0.1`, in
    /// PEM. A client trusts it with `MAIL_CA_FILE`.
    pub certificate_pem: Option<String>,
}

impl MailSink {
    /// DebuggingServer: plain text, no login. Listens on `addr` (port 0 for
    /// any free port) and serves on threads of its own for the rest of the
    /// process.
    pub fn start(addr: impl std::net::ToSocketAddrs) -> Result<MailSink, SinkError> {
        MailSink::start_with(addr, SinkOptions::default())
    }

    /// For a test: the next mail, which must be the error mail of the failure
    /// `reference` (its subject, `Microblog Failure E-3f9a21c0`), arriving
    /// within 30 seconds. Panics, showing the mail, if it is not.
    pub fn expect_error_mail(&self, reference: &str) -> Mail {
        let mail = self
            .mails
            .recv_timeout(std::time::Duration::from_secs(30))
            .expect("the error mail, within 30 seconds");
        assert!(
            mail.data
                .contains(&format!("Subject: Microblog Failure {reference}\r\n")),
            "the error mail of {reference}: {}",
            mail.data
        );
        mail
    }

    /// A sink with TLS, a login, or both.
    pub fn start_with(
        addr: impl std::net::ToSocketAddrs,
        options: SinkOptions,
    ) -> Result<MailSink, SinkError> {
        if options.login.is_some() && options.security == Security::None {
            return Err(SinkError::LoginWithoutTls);
        }
        let listener = TcpListener::bind(addr)?;
        let addr = listener.local_addr()?;
        let (sender, mails) = mpsc::channel();
        let mut sessions = SessionBuilder::new("mail-sink");
        let (tls, certificate_pem) = match options.security {
            Security::None => (None, None),
            Security::StartTls | Security::Implicit => {
                let (config, pem) = self_signed_tls(options.host_name.as_deref())?;
                (Some(config), Some(pem))
            }
        };
        if options.security == Security::StartTls {
            sessions.enable_start_tls();
        }
        if options.login.is_some() {
            sessions
                .enable_auth(AuthMechanism::Plain)
                .enable_auth(AuthMechanism::Login);
        }
        let server = Arc::new(Server {
            sessions,
            tls,
            security: options.security,
            login: options.login,
            mails: sender,
        });
        std::thread::spawn(move || {
            for stream in listener.incoming().map_while(Result::ok) {
                let server = server.clone();
                std::thread::spawn(move || {
                    if let Err(error) = server.converse(stream) {
                        eprintln!("mail-sink: a connection ended early: {error}");
                    }
                });
            }
        });
        Ok(MailSink {
            addr,
            mails,
            certificate_pem,
        })
    }
}

/// A certificate for this machine, signed by itself, and the server side of
/// TLS that presents it.
fn self_signed_tls(host_name: Option<&str>) -> Result<(Arc<ServerConfig>, String), SinkError> {
    let mut names: Vec<String> = ["localhost", "127.0.0.1", "::1"].map(str::to_owned).into();
    if let Some(host_name) = host_name.filter(|name| !names.iter().any(|known| known == name)) {
        names.push(host_name.to_owned());
    }
    let made = rcgen::generate_simple_self_signed(names)?;
    let key = PrivatePkcs8KeyDer::from(made.signing_key.serialize_der());
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(vec![CertificateDer::clone(made.cert.der())], key.into())?;
    Ok((Arc::new(config), made.cert.pem()))
}

/// What every connection shares.
struct Server {
    sessions: SessionBuilder,
    tls: Option<Arc<ServerConfig>>,
    security: Security,
    login: Option<(String, String)>,
    mails: mpsc::Sender<Mail>,
}

/// Where a conversation stopped.
enum Next {
    Done,
    StartTls,
}

impl Server {
    // mailin is the SMTP state machine; its own server, mailin-embedded, knows
    // STARTTLS but not TLS from the first byte, so the loop that feeds the
    // machine a line at a time is here.
    fn converse(&self, stream: TcpStream) -> io::Result<()> {
        // A client that goes quiet is let go, as a real server would.
        stream.set_read_timeout(Some(Duration::from_secs(60)))?;
        let peer = stream.peer_addr()?.ip();
        let collector = Collector {
            mails: self.mails.clone(),
            peer,
            login: self.login.clone(),
            current: None,
        };
        let mut session = self.sessions.build(peer, collector);
        match (&self.tls, self.security) {
            (Some(tls), Security::Implicit) => {
                let mut stream = BufReader::new(encrypted(tls, stream)?);
                session.tls_active();
                reply(&mut stream, &session.greeting())?;
                self.lines(&mut session, &mut stream)?;
            }
            _ => {
                let mut stream = BufReader::new(stream);
                reply(&mut stream, &session.greeting())?;
                let next = self.lines(&mut session, &mut stream)?;
                if let (Next::StartTls, Some(tls)) = (next, &self.tls) {
                    // The client waits for our 220 before its handshake, so
                    // nothing is left in the buffer.
                    let mut stream = BufReader::new(encrypted(tls, stream.into_inner())?);
                    session.tls_active();
                    self.lines(&mut session, &mut stream)?;
                }
            }
        }
        Ok(())
    }

    /// Feeds the client's lines to the session and writes its replies, until
    /// the client quits, hangs up, or starts TLS.
    fn lines<S: Read + Write>(
        &self,
        session: &mut Session<Collector>,
        stream: &mut BufReader<S>,
    ) -> io::Result<Next> {
        let mut line = Vec::new();
        let mut logged_in = false;
        loop {
            line.clear();
            if stream.read_until(b'\n', &mut line)? == 0 {
                return Ok(Next::Done);
            }
            let mut response = session.process(&line);
            // mailin answers mail sent before the login with 503 (bad
            // sequence of commands); providers answer 530, and so do we. The
            // session does not tell whether it is logged in, so that is
            // followed here, from its replies: 235 is a successful login.
            logged_in |= response.code == response::AUTH_OK.code;
            if self.login.is_some() && !logged_in && response.code == 503 {
                response = response::AUTHENTICATION_REQUIRED;
            }
            match response.action {
                Action::NoReply => {}
                Action::Reply => reply(stream, &response)?,
                Action::Close => {
                    reply(stream, &response)?;
                    return Ok(Next::Done);
                }
                Action::UpgradeTls => {
                    reply(stream, &response)?;
                    return Ok(Next::StartTls);
                }
            }
        }
    }
}

fn encrypted(
    tls: &Arc<ServerConfig>,
    stream: TcpStream,
) -> io::Result<StreamOwned<ServerConnection, TcpStream>> {
    let connection = ServerConnection::new(tls.clone()).map_err(io::Error::other)?;
    Ok(StreamOwned::new(connection, stream))
}

fn reply<S: Write>(stream: &mut BufReader<S>, response: &Response) -> io::Result<()> {
    let stream = stream.get_mut();
    response.write_to(stream)?;
    stream.flush()
}

/// One connection's side of the conversation: checks the login, collects the
/// message, hands it over.
struct Collector {
    mails: mpsc::Sender<Mail>,
    peer: IpAddr,
    login: Option<(String, String)>,
    current: Option<Mail>,
}

impl Collector {
    fn check(&self, user: &str, password: &str) -> Response {
        match &self.login {
            Some((expected_user, expected_password))
                if user == expected_user && password == expected_password =>
            {
                response::AUTH_OK
            }
            _ => response::INVALID_CREDENTIALS,
        }
    }
}

impl Handler for Collector {
    fn data_start(&mut self, _domain: &str, from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.current = Some(Mail {
            peer: self.peer,
            from: from.to_owned(),
            to: to.to_vec(),
            data: String::new(),
        });
        response::OK
    }

    fn data(&mut self, buf: &[u8]) -> io::Result<()> {
        if let Some(mail) = self.current.as_mut() {
            mail.data.push_str(&String::from_utf8_lossy(buf));
        }
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        if let Some(mail) = self.current.take() {
            // The receiving side may be gone (a test that finished): keep serving.
            let _ = self.mails.send(mail);
        }
        response::OK
    }

    fn auth_plain(&mut self, _authorization: &str, user: &str, password: &str) -> Response {
        self.check(user, password)
    }

    fn auth_login(&mut self, user: &str, password: &str) -> Response {
        self.check(user, password)
    }
}
