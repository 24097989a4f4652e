//! Every mail setting against a real server on loopback: `mail-sink` with
//! STARTTLS (`MAIL_USE_TLS`), with TLS from the first byte (`MAIL_USE_SSL`),
//! and with a login (`MAIL_USERNAME`, `MAIL_PASSWORD`); and what stderr says
//! when a setting does not fit the server.

use std::process::Output;

use mail_sink::{MailSink, Security, SinkError, SinkOptions};
use tempfile::TempDir;
use test_support::run_to_end;

use super::{decoded, fail_a_rename, start, BINARY, WAIT};

const USER: &str = "microblog";
const PASSWORD: &str = "app-password";

/// A mail-sink playing a provider: `security`, the login above, and its
/// certificate in a file the app can be pointed at.
struct Provider {
    sink: MailSink,
    ca_file: String,
    _dir: TempDir,
}

fn provider(security: Security) -> Provider {
    let options = SinkOptions {
        security,
        login: Some((USER.to_owned(), PASSWORD.to_owned())),
        host_name: None,
    };
    let sink = MailSink::start_with("127.0.0.1:0", options).expect("the sink listens");
    let dir = tempfile::tempdir().expect("a directory");
    let ca_file = dir.path().join("mail-sink.pem");
    let pem = sink.certificate_pem.as_deref().unwrap_or_default();
    std::fs::write(&ca_file, pem).expect("the certificate is written");
    Provider {
        sink,
        ca_file: ca_file.display().to_string(),
        _dir: dir,
    }
}

impl Provider {
    fn port(&self) -> String {
        self.sink.addr.port().to_string()
    }

    /// What a learner sets for this provider: its certificate, the login,
    /// and `tls_setting` (`MAIL_USE_TLS` or `MAIL_USE_SSL`).
    fn settings<'a>(&'a self, tls_setting: &'a str, password: &'a str) -> Vec<(&'a str, &'a str)> {
        vec![
            (tls_setting, "1"),
            ("MAIL_USERNAME", USER),
            ("MAIL_PASSWORD", password),
            ("MAIL_CA_FILE", self.ca_file.as_str()),
        ]
    }
}

/// `--send-test-mail` with `settings`, to the server at `port`.
fn send_test_mail(port: &str, settings: &[(&str, &str)]) -> Output {
    let mut env = vec![
        ("MAIL_SERVER", "127.0.0.1"),
        ("MAIL_PORT", port),
        ("ADMINS", "admin@example.com"),
    ];
    env.extend_from_slice(settings);
    run_to_end(BINARY, &["--send-test-mail"], &env)
}

/// What a failed `--send-test-mail` said on stderr.
fn refusal(output: &Output) -> String {
    assert!(!output.status.success(), "it failed");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

// ANCHOR: test_starttls
#[test]
fn a_failure_is_mailed_through_starttls_after_logging_in() {
    let provider = provider(Security::StartTls);
    let env = provider.settings("MAIL_USE_TLS", PASSWORD);
    let app = start(provider.sink.addr.port(), &env);
    let on = format!("with STARTTLS, logged in as {USER}");
    app.wait_for(|app| app.output().contains(&on), "the mail-on line");

    fail_a_rename(&app);

    let mail = provider.sink.mails.recv_timeout(WAIT).expect("a mail");
    assert!(decoded(&mail).contains("UNIQUE constraint failed: user.username"));
}
// ANCHOR_END: test_starttls

#[test]
fn a_failure_is_mailed_over_tls_from_the_first_byte_after_logging_in() {
    let provider = provider(Security::Implicit);
    let env = provider.settings("MAIL_USE_SSL", PASSWORD);
    let app = start(provider.sink.addr.port(), &env);
    let on = format!("over TLS, logged in as {USER}");
    app.wait_for(|app| app.output().contains(&on), "the mail-on line");

    fail_a_rename(&app);

    let mail = provider.sink.mails.recv_timeout(WAIT).expect("a mail");
    assert!(decoded(&mail).contains("UNIQUE constraint failed: user.username"));
}

#[test]
fn a_wrong_password_is_explained_on_stderr_with_the_app_password_hint() {
    let provider = provider(Security::StartTls);
    let env = provider.settings("MAIL_USE_TLS", "my-account-password");
    let app = start(provider.sink.addr.port(), &env);

    fail_a_rename(&app);

    let not_sent = "Error mail not sent:";
    app.wait_for(|app| app.output().contains(not_sent), "the failed send");
    let output = app.output();
    let said = output.lines().find(|line| line.starts_with(not_sent));
    let said = said.unwrap_or_default();
    assert!(said.contains("refused the login"), "{said}");
    assert!(
        said.contains("check MAIL_USERNAME and MAIL_PASSWORD"),
        "{said}"
    );
    assert!(said.contains("app password"), "{said}");
    assert!(said.contains("(535)"), "the server's own word: {said}");
}

// ANCHOR: test_send_test_mail
#[test]
fn the_test_mail_command_sends_one_mail_with_the_current_settings() {
    let provider = provider(Security::Implicit);

    let output = send_test_mail(
        &provider.port(),
        &provider.settings("MAIL_USE_SSL", PASSWORD),
    );

    let printed = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{output:?}");
    let port = provider.port();
    let sent = format!(
        "A test mail went to admin@example.com through 127.0.0.1:{port} over TLS, logged in as {USER}."
    );
    assert_eq!(printed.trim(), sent);
    let mail = provider.sink.mails.recv_timeout(WAIT).expect("a mail");
    assert!(mail.data.contains("Subject: Microblog test mail\r\n"));
}
// ANCHOR_END: test_send_test_mail

#[test]
fn starttls_on_a_port_that_wants_tls_from_the_first_byte_is_explained() {
    let provider = provider(Security::Implicit);

    let mut settings = provider.settings("MAIL_USE_TLS", PASSWORD);
    // Both wait for the other to speak: only the deadline ends it.
    settings.push(("ROCKET_MAIL", "{timeout=1}"));

    let said = refusal(&send_test_mail(&provider.port(), &settings));

    assert!(said.contains("did not answer within 1 s"), "{said}");
    assert!(
        said.contains("set MAIL_USE_SSL instead of MAIL_USE_TLS"),
        "{said}"
    );
}

#[test]
fn tls_from_the_first_byte_on_a_starttls_port_is_explained() {
    let provider = provider(Security::StartTls);

    let said = refusal(&send_test_mail(
        &provider.port(),
        &provider.settings("MAIL_USE_SSL", PASSWORD),
    ));

    assert!(said.contains("did not answer in TLS"), "{said}");
    assert!(
        said.contains("set MAIL_USE_TLS instead of MAIL_USE_SSL"),
        "{said}"
    );
}

#[test]
fn no_login_for_a_server_that_wants_one_is_explained() {
    let provider = provider(Security::StartTls);
    let settings = [("MAIL_USE_TLS", "1"), ("MAIL_CA_FILE", &provider.ca_file)];

    let said = refusal(&send_test_mail(&provider.port(), &settings));

    assert!(
        said.contains("wants a login before it takes mail"),
        "{said}"
    );
    assert!(
        said.contains("set MAIL_USERNAME and MAIL_PASSWORD"),
        "{said}"
    );
    assert!(said.contains("(530)"), "the server's own word: {said}");
}

#[test]
fn a_certificate_that_no_authority_signed_is_explained() {
    let provider = provider(Security::StartTls);
    let mut settings = provider.settings("MAIL_USE_TLS", PASSWORD);
    settings.retain(|(name, _)| *name != "MAIL_CA_FILE");

    let said = refusal(&send_test_mail(&provider.port(), &settings));

    assert!(said.contains("not signed by an authority"), "{said}");
    assert!(said.contains("set MAIL_CA_FILE"), "{said}");
}

/// lettre names this failure only in its message; this pins that message.
#[test]
fn starttls_on_a_plain_text_server_is_explained() {
    let sink = MailSink::start("127.0.0.1:0").expect("the sink listens");

    let port = sink.addr.port().to_string();
    let said = refusal(&send_test_mail(&port, &[("MAIL_USE_TLS", "1")]));

    assert!(said.contains("does not offer STARTTLS"), "{said}");
    assert!(said.contains("unset MAIL_USE_TLS"), "{said}");
}

#[test]
fn the_test_mail_command_without_a_mail_server_says_what_to_set() {
    let output = run_to_end(BINARY, &["--send-test-mail"], &[]);

    let said = refusal(&output);
    assert!(said.contains("MAIL_SERVER is not set"), "{said}");
}

#[test]
fn in_the_debug_profile_the_test_mail_says_that_errors_are_not_mailed() {
    let sink = MailSink::start("127.0.0.1:0").expect("the sink listens");

    let port = sink.addr.port().to_string();
    let output = send_test_mail(&port, &[("ROCKET_PROFILE", "debug")]);

    assert!(output.status.success(), "{output:?}");
    let printed = String::from_utf8_lossy(&output.stdout);
    assert!(
        printed.contains("The debug profile mails no errors"),
        "{printed}"
    );
}

#[test]
fn a_sink_that_wants_a_login_without_tls_is_refused_at_its_start() {
    let options = SinkOptions {
        login: Some((USER.to_owned(), PASSWORD.to_owned())),
        ..SinkOptions::default()
    };

    let started = MailSink::start_with("127.0.0.1:0", options);

    assert!(
        matches!(started, Err(SinkError::LoginWithoutTls)),
        "{started:?}"
    );
}
