//! Exercise 7, when to mail and through what: `cargo test -p exercises --test ex07`.

#[cfg_attr(not(feature = "solutions"), path = "../src/ex07_mail_switch.rs")]
#[cfg_attr(feature = "solutions", path = "../solutions/ex07_mail_switch.rs")]
pub mod exercise;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::mpsc;
use std::time::Duration;

use exercise::{error_mail, Mailer};
use rocket::figment::value::Value;
use rocket::figment::Figment;
use rocket::local::asynchronous::Client;
use rocket::Config;

/// The app with nothing but the fairing, in the debug or the release profile,
/// with these `[mail]` settings.
async fn app(debug: bool, mail: &[(&str, Value)], port: u16) -> Client {
    let config = if debug {
        Config::debug_default()
    } else {
        Config::release_default()
    };
    let mut figment = Figment::from(config)
        .merge(("secret_key", test_support::TEST_SECRET_KEY))
        .merge(("mail.port", port));
    for (key, value) in mail {
        figment = figment.merge((format!("mail.{key}"), value.clone()));
    }
    let rocket = rocket::custom(figment).attach(error_mail());
    Client::untracked(rocket).await.expect("the app launches")
}

/// `MAIL_SERVER`: where the pretend server below listens.
fn server() -> (&'static str, Value) {
    ("server", Value::from("127.0.0.1"))
}

/// A pretend SMTP server on loopback for one connection. It offers STARTTLS
/// and AUTH, refuses the TLS upgrade itself (it has no certificate), accepts
/// any login, and reports every command it was sent.
fn fake_smtp() -> (u16, mpsc::Receiver<Vec<String>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    let port = listener.local_addr().expect("its address").port();
    let (report, commands) = mpsc::channel();
    std::thread::spawn(move || {
        let Ok((stream, _)) = listener.accept() else {
            return;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
        let Ok(reading) = stream.try_clone() else {
            return;
        };
        let mut reader = BufReader::new(reading);
        let mut writer = stream;
        let mut seen = Vec::new();
        let mut reply: &[u8] = b"220 fake ESMTP\r\n";
        loop {
            if writer.write_all(reply).is_err() {
                break;
            }
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                break;
            }
            let command = line.trim_end().to_owned();
            let verb = command
                .split(' ')
                .next()
                .unwrap_or_default()
                .to_ascii_uppercase();
            seen.push(command);
            reply = match verb.as_str() {
                "EHLO" => b"250-fake\r\n250-STARTTLS\r\n250 AUTH PLAIN LOGIN\r\n",
                "STARTTLS" => b"454 4.7.0 TLS not available\r\n",
                "AUTH" => b"235 2.7.0 Authentication successful\r\n",
                "QUIT" => b"221 2.0.0 Bye\r\n",
                _ => b"250 2.0.0 OK\r\n",
            };
            if verb == "QUIT" || verb == "STARTTLS" {
                let _ = writer.write_all(reply);
                break;
            }
        }
        let _ = report.send(seen);
    });
    (port, commands)
}

/// What the app's mailer says to the mail server when it connects.
async fn conversation(client: &Client, commands: mpsc::Receiver<Vec<String>>) -> Vec<String> {
    let Mailer(smtp) = client
        .rocket()
        .state::<Mailer>()
        .expect("outside debug, with a server, the app should manage a Mailer");
    // The answer does not matter here: what was said does.
    let _ = smtp.test_connection().await;
    commands
        .recv_timeout(Duration::from_secs(10))
        .expect("the mailer should have talked to the server at mail.server and mail.port")
}

#[rocket::async_test]
async fn in_the_debug_profile_there_is_no_error_mail_even_with_a_server() {
    let client = app(true, &[server()], 25).await;
    assert!(
        client.rocket().state::<Mailer>().is_none(),
        "no error mail in debug, as `not app.debug` says"
    );
}

#[rocket::async_test]
async fn without_a_mail_server_there_is_no_error_mail() {
    let client = app(false, &[], 25).await;
    assert!(
        client.rocket().state::<Mailer>().is_none(),
        "no error mail without MAIL_SERVER"
    );
}

#[rocket::async_test]
async fn outside_debug_with_a_server_the_mailer_talks_to_it_in_plain_smtp() {
    let (port, commands) = fake_smtp();
    let client = app(false, &[server()], port).await;

    let said = conversation(&client, commands).await;

    assert!(
        said.first().is_some_and(|hello| hello.starts_with("EHLO ")),
        "{said:?}"
    );
    assert!(
        !said.contains(&"STARTTLS".to_owned()),
        "no STARTTLS without MAIL_USE_TLS: {said:?}"
    );
    assert!(
        !said.iter().any(|command| command.starts_with("AUTH")),
        "no login without credentials: {said:?}"
    );
}

#[rocket::async_test]
async fn with_use_tls_the_mailer_asks_for_starttls_first() {
    let (port, commands) = fake_smtp();
    let client = app(false, &[server(), ("use_tls", Value::from(true))], port).await;

    let said = conversation(&client, commands).await;

    assert_eq!(
        said.get(1).map(String::as_str),
        Some("STARTTLS"),
        "STARTTLS right after EHLO: {said:?}"
    );
}

#[rocket::async_test]
async fn with_credentials_the_mailer_logs_in() {
    let (port, commands) = fake_smtp();
    let mail = [
        server(),
        ("username", Value::from("microblog")),
        ("password", Value::from("hunter2")),
    ];
    let client = app(false, &mail, port).await;

    let said = conversation(&client, commands).await;

    // AUTH PLAIN carries "\0microblog\0hunter2", base64-encoded.
    assert!(
        said.contains(&"AUTH PLAIN AG1pY3JvYmxvZwBodW50ZXIy".to_owned()),
        "expected a login as microblog: {said:?}"
    );
}
