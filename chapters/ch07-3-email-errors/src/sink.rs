//! The SMTP debugging server: Python's `python -m smtpd -n -c DebuggingServer`,
//! which Python 3.12 removed. It accepts every message and hands it over; the
//! `mail-sink` binary prints them, and the tests read them.

use std::io;
use std::net::{IpAddr, SocketAddr, TcpListener};
use std::sync::mpsc;

use mailin_embedded::response::{self, Response};
use mailin_embedded::{Handler, Server, SslConfig};

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

#[derive(Clone)]
struct Collector {
    mails: mpsc::Sender<Mail>,
    peer: Option<IpAddr>,
    current: Option<Mail>,
}

impl Handler for Collector {
    fn helo(&mut self, ip: IpAddr, _domain: &str) -> Response {
        self.peer = Some(ip);
        response::OK
    }

    fn data_start(&mut self, _domain: &str, from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.current = Some(Mail {
            peer: self.peer.unwrap_or(IpAddr::from([127, 0, 0, 1])),
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
}

/// A running sink. Messages arrive on `mails`.
#[derive(Debug)]
pub struct MailSink {
    pub addr: SocketAddr,
    pub mails: mpsc::Receiver<Mail>,
}

impl MailSink {
    /// Listens on `addr` (port 0 for any free port) and serves on a thread of
    /// its own for the rest of the process.
    pub fn start(addr: impl std::net::ToSocketAddrs) -> io::Result<MailSink> {
        let listener = TcpListener::bind(addr)?;
        let addr = listener.local_addr()?;
        let (sender, mails) = mpsc::channel();
        let mut server = Server::new(Collector {
            mails: sender,
            peer: None,
            current: None,
        });
        server
            .with_name("mail-sink")
            .with_ssl(SslConfig::None)
            .map_err(|error| io::Error::other(error.to_string()))?
            .with_tcp_listener(listener);
        std::thread::spawn(move || {
            if let Err(error) = server.serve() {
                eprintln!("mail-sink stopped: {error}");
            }
        });
        Ok(MailSink { addr, mails })
    }
}
