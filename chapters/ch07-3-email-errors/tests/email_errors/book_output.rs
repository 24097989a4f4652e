//! The book's samples of what `cargo run --bin mail-sink` prints for one error
//! mail (docs/src/output/mail-sink.snap), and of a test mail through a sink
//! that plays a provider (docs/src/output/send-test-mail.snap): the sink's own
//! command line (tools/mail-sink, run here in the test's process, as its
//! binary runs it) and the real app binary, over SMTP on loopback, checked on
//! every `cargo test`. To accept a change on purpose, and update the book with it:
//! `INSTA_UPDATE=always cargo test -p ch07-3-email-errors book_output`.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use test_support::book_output::{fixed_frame_count, references_in, FIXED_REFERENCE};
use test_support::{run_to_end, ChildApp};

const APP: &str = env!("CARGO_BIN_EXE_ch07-3-email-errors");
const WAIT: Duration = Duration::from_secs(30);

/// The port the book runs the sink on (its default).
const BOOK_PORT: u16 = 8025;
/// Where the book's sink writes its certificate.
const BOOK_CERTIFICATE: &str = "/home/you/microblog-rs/mail-sink-certificate.pem";
/// A `Date:` header, as the book shows it.
const FIXED_DATE: &str = "Date: Fri, 27 Nov 2026 01:02:03 +0000";

/// `mail-sink`'s command line, on a thread of its own, what it prints
/// collected. It serves until the test process ends.
pub(super) struct Sink {
    printed: Arc<Mutex<String>>,
    /// The port the OS gave it, as its first line says.
    pub(super) port: u16,
    /// Where it runs, and writes its certificate.
    dir: tempfile::TempDir,
}

impl Sink {
    /// Starts the sink on a port the OS picks, with `options` (`--tls`,
    /// `--auth USER:PASSWORD`), and waits for its first line.
    pub(super) fn start(options: &[&str]) -> Sink {
        let dir = tempfile::tempdir().expect("a directory");
        let args = ["--host", "127.0.0.1", "--port", "0"]
            .iter()
            .chain(options)
            .map(|arg| arg.to_string())
            .collect::<Vec<_>>();
        let printed = Arc::new(Mutex::new(String::new()));
        let mut out = Printed(printed.clone());
        let in_dir = dir.path().to_owned();
        std::thread::spawn(move || mail_sink::command::run(args, &mut out, &in_dir));
        let mut sink = Sink {
            printed,
            port: 0,
            dir,
        };
        // "mail-sink: listening on 127.0.0.1:41234 (plain text); Ctrl-C to stop"
        sink.wait_for("; Ctrl-C to stop");
        sink.port = sink
            .printed()
            .split_once("listening on 127.0.0.1:")
            .and_then(|(_, rest)| rest.split(' ').next()?.parse().ok())
            .expect("the port in the first line");
        sink
    }

    pub(super) fn printed(&self) -> String {
        self.printed.lock().expect("lock").clone()
    }

    /// Polls (bounded) until the sink has printed `text`.
    pub(super) fn wait_for(&self, text: &str) {
        let deadline = Instant::now() + WAIT;
        while !self.printed().contains(text) {
            assert!(
                Instant::now() < deadline,
                "mail-sink did not print {text:?}; it printed:\n{}",
                self.printed()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// Where the sink's lines go: into the text the test reads.
struct Printed(Arc<Mutex<String>>);

impl std::io::Write for Printed {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let mut printed = self.0.lock().expect("lock");
        printed.push_str(&String::from_utf8_lossy(bytes));
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// What the book's "Run it" does: the sink in one terminal, the app in release
/// with `MAIL_SERVER=localhost` in another, and another user's name taken.
#[test]
fn what_the_sink_prints_for_a_failed_rename() {
    let sink = Sink::start(&[]);
    let port = sink.port;
    let port_text = port.to_string();
    let mut app = ChildApp::start(
        APP,
        &[("MAIL_SERVER", "localhost"), ("MAIL_PORT", &port_text)],
    );
    app.wait_for(
        |app| app.output().contains("Error mail: on"),
        "the mail-on line",
    );
    let (_, reply) = app.rename_to_a_taken_name();
    assert_eq!(reply.status, 500);
    sink.wait_for("END MESSAGE");
    // A graceful stop mails what is queued: the sink has it all after this.
    assert!(app.terminate(), "a clean shutdown");

    let printed = sink.printed();
    assert_eq!(printed.matches("END MESSAGE").count(), 1, "{printed}");
    insta::with_settings!({
        snapshot_path => "../../../../docs/src/output",
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!("mail-sink", normalized(&printed, port));
    });
}

/// The book's "Try it like a provider": the sink with STARTTLS and a login
/// in one terminal; in another, a test mail with the settings it prints, then
/// the same with another password; as a transcript.
#[test]
fn what_a_test_mail_through_a_provider_like_sink_prints() {
    let sink = Sink::start(&["--tls", "--auth", "microblog:app-password"]);
    let intro = "mail-sink: the app's settings for it: ";
    sink.wait_for(intro);
    let started = sink.printed();
    let right = started
        .lines()
        .find_map(|line| line.strip_prefix(intro))
        .unwrap_or_default();
    let wrong = right.replace(
        "MAIL_PASSWORD=app-password",
        "MAIL_PASSWORD=my-account-password",
    );
    let mut transcript = format!(
        "# terminal 1, left running\n$ cargo run --bin mail-sink -- --tls --auth microblog:app-password\n{started}# terminal 2\n"
    );
    for settings in [right, &wrong] {
        // As the learner types it: `cargo run`, the debug profile.
        let mut env = settings_in(settings);
        env.push(("ROCKET_PROFILE", "debug"));
        let output = run_to_end(APP, &["--send-test-mail"], &env);
        transcript.push_str(&format!(
            "$ {settings} cargo run -p ch07-3-email-errors -- --send-test-mail\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr),
        ));
    }
    sink.wait_for("Subject: Microblog test mail");

    let certificate =
        std::path::absolute(sink.dir.path().join(mail_sink::command::CERTIFICATE_FILE))
            .expect("an absolute path");
    let transcript = normalized(&transcript, sink.port)
        .replace(&format!("\"{}\"", certificate.display()), BOOK_CERTIFICATE)
        .replace(&certificate.display().to_string(), BOOK_CERTIFICATE);
    insta::with_settings!({
        snapshot_path => "../../../../docs/src/output",
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!("send-test-mail", transcript);
    });
}

/// `NAME=value` pairs as mail-sink prints them, for a shell. The certificate's
/// path comes last, in quotes if it has a space.
fn settings_in(printed: &str) -> Vec<(&str, &str)> {
    let (rest, ca_file) = match printed.split_once(" MAIL_CA_FILE=") {
        Some((rest, path)) => (rest, Some(("MAIL_CA_FILE", path.trim_matches('"')))),
        None => (printed, None),
    };
    rest.split(' ')
        .filter_map(|setting| setting.split_once('='))
        .chain(ca_file)
        .collect()
}

/// What the sink printed, with what changes from run to run made fixed: the
/// sink's port, the `Date:` header, the failure's reference, and how many
/// library frames the backtrace leaves out. The rest is kept byte for byte,
/// quoted-printable line breaks and line numbers included.
fn normalized(printed: &str, port: u16) -> String {
    let mut text = printed
        .replace("\r\n", "\n")
        .replace(&format!(":{port} "), &format!(":{BOOK_PORT} "))
        .replace(
            &format!("MAIL_PORT={port}"),
            &format!("MAIL_PORT={BOOK_PORT}"),
        );
    for reference in references_in(&text.replace("=\n", "")) {
        // Quoted-printable may have broken the line inside it (`=` at the end).
        for at in 0..reference.len() {
            let (head, tail) = reference.split_at(at);
            let (fixed_head, fixed_tail) = FIXED_REFERENCE.split_at(at);
            let soft_break = if at == 0 { "" } else { "=\n" };
            text = text.replace(
                &format!("{head}{soft_break}{tail}"),
                &format!("{fixed_head}{soft_break}{fixed_tail}"),
            );
        }
    }
    text.lines()
        .map(|line| {
            if line.starts_with("Date: ") {
                FIXED_DATE.to_owned()
            } else {
                fixed_frame_count(line)
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn normalizing_fixes_the_port_date_reference_and_frame_count() {
    let printed = "mail-sink: listening on 127.0.0.1:41234 (plain text); Ctrl-C to stop\nmail-sink: the app's settings for it: MAIL_SERVER=localhost MAIL_PORT=41234\nSubject: Microblog Failure E-80ebe612\r\nDate: Wed, 25 Nov 2026 14:47:03 +0000\r\n\r\nException on /x [GET]: boom reference=3DE-80e=\r\nbe612\r\n  (80 more frames in std, tokio and Rocket)\n";
    assert_eq!(
        normalized(printed, 41234),
        "mail-sink: listening on 127.0.0.1:8025 (plain text); Ctrl-C to stop\nmail-sink: the app's settings for it: MAIL_SERVER=localhost MAIL_PORT=8025\nSubject: Microblog Failure E-3f9a21c0\nDate: Fri, 27 Nov 2026 01:02:03 +0000\n\nException on /x [GET]: boom reference=3DE-3f9=\na21c0\n  (N more frames in std, tokio and Rocket)"
    );
}
