//! The `mail-sink` command line: `[--host 127.0.0.1] [--port 8025] [--tls |
//! --ssl] [--auth USER:PASSWORD]`.
//!
//! A local SMTP server that prints every message it receives, for trying error
//! mail without a real mail server: the tutorial's
//! `python -m smtpd -n -c DebuggingServer localhost:8025`. Then run a step with
//! `MAIL_SERVER=localhost MAIL_PORT=8025` in the release profile.
//!
//! `--tls` offers STARTTLS and `--ssl` speaks TLS from the first byte, as a
//! provider does on ports 587 and 465 (`MAIL_USE_TLS` and `MAIL_USE_SSL`), with
//! a certificate it makes for itself; `--auth` insists on that login
//! (`MAIL_USERNAME` and `MAIL_PASSWORD`).
//!
//! The binary runs it on its own stdout; the book's tests run it in their own
//! process, to check what it prints.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use crate::{MailSink, Security, SinkError, SinkOptions};

const USAGE: &str =
    "usage: mail-sink [--host HOST] [--port PORT] [--tls | --ssl] [--auth USER:PASSWORD]";

/// Where a sink with TLS writes its certificate, in the directory it runs in,
/// replacing the last one (it makes a new one at each start).
pub const CERTIFICATE_FILE: &str = "mail-sink-certificate.pem";

/// `mail-sink` with `args` (the command's own, without its name): starts the
/// sink, says on `out` where it listens and which settings fit it, then prints
/// every message it receives there, for as long as the process runs. A sink
/// with TLS writes its certificate into `dir` (the binary's: `""`, where it
/// runs). Returns at once, with the exit code, when it cannot start.
pub fn run(args: impl IntoIterator<Item = String>, out: &mut dyn Write, dir: &Path) -> ExitCode {
    let mut host = String::from("127.0.0.1");
    let mut port: u16 = 8025;
    let mut options = SinkOptions::default();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--tls" | "--ssl" if options.security != Security::None => {
                return usage("--tls and --ssl are two ways to start TLS: choose one");
            }
            "--tls" => options.security = Security::StartTls,
            "--ssl" => options.security = Security::Implicit,
            "--host" | "--port" | "--auth" => {
                let Some(value) = args.next() else {
                    return usage(&format!("{arg} needs a value"));
                };
                match arg.as_str() {
                    "--host" => host = value,
                    "--port" => match value.parse() {
                        Ok(value) => port = value,
                        Err(_) => {
                            return usage(&format!("--port needs a port number, not {value:?}"))
                        }
                    },
                    _ => match value.split_once(':') {
                        Some((user, password)) if !user.is_empty() => {
                            options.login = Some((user.to_owned(), password.to_owned()));
                        }
                        _ => return usage("--auth needs USER:PASSWORD"),
                    },
                }
            }
            _ => return usage(&format!("unexpected argument {arg:?}")),
        }
    }
    // What the app should connect to: the host, or the tutorial's
    // `localhost` for this machine's own address and for "every address"
    // (0.0.0.0 or ::), which no client can connect to by that name.
    let this_machine = host
        .parse::<std::net::IpAddr>()
        .is_ok_and(|ip| ip.is_loopback() || ip.is_unspecified());
    let server = if this_machine { "localhost" } else { &host };
    options.host_name = Some(server.to_owned());
    let sink = match MailSink::start_with((host.as_str(), port), options.clone()) {
        Ok(sink) => sink,
        Err(SinkError::LoginWithoutTls) => return usage(&SinkError::LoginWithoutTls.to_string()),
        Err(error) => {
            eprintln!("mail-sink: on {host}:{port}: {error}");
            return ExitCode::FAILURE;
        }
    };
    let mut settings = vec![
        format!("MAIL_SERVER={server}"),
        format!("MAIL_PORT={}", sink.addr.port()),
    ];
    let mode = match options.security {
        Security::None => "plain text",
        Security::StartTls => {
            settings.push("MAIL_USE_TLS=1".to_owned());
            "STARTTLS"
        }
        Security::Implicit => {
            settings.push("MAIL_USE_SSL=1".to_owned());
            "TLS from the first byte"
        }
    };
    let login = match &options.login {
        Some((user, password)) => {
            settings.push(format!("MAIL_USERNAME={user}"));
            settings.push(format!("MAIL_PASSWORD={password}"));
            format!(", login {user} required")
        }
        None => String::new(),
    };
    if let Some(pem) = &sink.certificate_pem {
        let file = dir.join(CERTIFICATE_FILE);
        let written = std::fs::write(&file, pem).and_then(|()| std::path::absolute(&file));
        match written {
            Ok(path) if path.display().to_string().contains(' ') => {
                settings.push(format!("MAIL_CA_FILE=\"{}\"", path.display()));
            }
            Ok(path) => settings.push(format!("MAIL_CA_FILE={}", path.display())),
            Err(error) => {
                eprintln!(
                    "mail-sink: cannot write its certificate to {}: {error}",
                    file.display()
                );
                return ExitCode::FAILURE;
            }
        }
    }
    let started = writeln!(
        out,
        "mail-sink: listening on {} ({mode}{login}); Ctrl-C to stop",
        sink.addr
    )
    .and_then(|()| {
        writeln!(
            out,
            "mail-sink: the app's settings for it: {}",
            settings.join(" ")
        )
    });
    if started.is_err() {
        return ExitCode::FAILURE;
    }
    for mail in sink.mails {
        // Nobody is reading any more (a closed pipe): nothing left to do.
        if writeln!(out, "{}", mail.printed()).is_err() {
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}

fn usage(problem: &str) -> ExitCode {
    eprintln!("mail-sink: {problem}\n{USAGE}");
    ExitCode::from(2)
}
