//! `cargo run --bin mail-sink [--host 127.0.0.1] [--port 8025]`
//!
//! A local SMTP server that prints every message it receives, for trying error
//! mail without a real mail server: the tutorial's
//! `python -m smtpd -n -c DebuggingServer localhost:8025`. Then run a step with
//! `MAIL_SERVER=localhost MAIL_PORT=8025` in the release profile.

use std::process::ExitCode;

use ch07_3_email_errors::sink::MailSink;

fn main() -> ExitCode {
    let mut host = String::from("127.0.0.1");
    let mut port: u16 = 8025;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next();
        match (arg.as_str(), value) {
            ("--host", Some(value)) => host = value,
            ("--port", Some(value)) => match value.parse() {
                Ok(value) => port = value,
                Err(_) => return usage(&format!("--port needs a port number, not {value:?}")),
            },
            _ => return usage(&format!("unexpected argument {arg:?}")),
        }
    }
    let sink = match MailSink::start((host.as_str(), port)) {
        Ok(sink) => sink,
        Err(error) => {
            eprintln!("mail-sink: cannot listen on {host}:{port}: {error}");
            return ExitCode::FAILURE;
        }
    };
    println!("mail-sink: listening on {}; Ctrl-C to stop", sink.addr);
    for mail in sink.mails {
        println!("{}", mail.printed());
    }
    ExitCode::SUCCESS
}

fn usage(problem: &str) -> ExitCode {
    eprintln!("mail-sink: {problem}\nusage: mail-sink [--host HOST] [--port PORT]");
    ExitCode::from(2)
}
