//! `cargo run --bin mail-sink -- [--host 127.0.0.1] [--port 8025] [--tls | --ssl] [--auth USER:PASSWORD]`
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

use std::process::ExitCode;

use ch07_3_email_errors::sink::{MailSink, Security, SinkOptions};

const USAGE: &str =
    "usage: mail-sink [--host HOST] [--port PORT] [--tls | --ssl] [--auth USER:PASSWORD]";

fn main() -> ExitCode {
    let mut host = String::from("127.0.0.1");
    let mut port: u16 = 8025;
    let mut options = SinkOptions::default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
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
    let sink = match MailSink::start_with((host.as_str(), port), options.clone()) {
        Ok(sink) => sink,
        Err(error) => {
            eprintln!("mail-sink: cannot listen on {host}:{port}: {error}");
            return ExitCode::FAILURE;
        }
    };
    let mut settings = vec![
        "MAIL_SERVER=localhost".to_owned(),
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
        // A fresh certificate each start, where the app can read it.
        let path = std::env::temp_dir().join(format!("mail-sink-{}.pem", sink.addr.port()));
        if let Err(error) = std::fs::write(&path, pem) {
            eprintln!(
                "mail-sink: cannot write its certificate to {}: {error}",
                path.display()
            );
            return ExitCode::FAILURE;
        }
        settings.push(format!("MAIL_CA_FILE={}", path.display()));
    }
    println!(
        "mail-sink: listening on {} ({mode}{login}); Ctrl-C to stop",
        sink.addr
    );
    println!(
        "mail-sink: the app's settings for it: {}",
        settings.join(" ")
    );
    for mail in sink.mails {
        println!("{}", mail.printed());
    }
    ExitCode::SUCCESS
}

fn usage(problem: &str) -> ExitCode {
    eprintln!("mail-sink: {problem}\n{USAGE}");
    ExitCode::from(2)
}
