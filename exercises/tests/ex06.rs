//! Exercise 6, the error mail: `cargo test -p exercises --test ex06`.

#[cfg_attr(not(feature = "solutions"), path = "../src/ex06_error_mail.rs")]
#[cfg_attr(feature = "solutions", path = "../solutions/ex06_error_mail.rs")]
pub mod exercise;

use exercise::{error_mail, mailbox, MailError, MailSettings};

const ERROR: &str = "Exception on /edit_profile [POST]: database query failed";

fn settings(admins: &[&str]) -> MailSettings {
    MailSettings {
        server: "mail.example.com".to_owned(),
        admins: admins.iter().map(|admin| admin.to_string()).collect(),
    }
}

/// The mail as it goes over the wire: headers, a blank line, the body.
fn formatted(settings: &MailSettings) -> String {
    let message = error_mail(settings, ERROR.to_owned()).expect("a mail");
    String::from_utf8(message.formatted()).expect("UTF-8")
}

#[test]
fn the_mail_is_from_no_reply_at_the_mail_server() {
    let mail = formatted(&settings(&["admin@example.com"]));
    assert!(
        mail.contains("From: no-reply@mail.example.com\r\n"),
        "expected the sender no-reply@mail.example.com in:\n{mail}"
    );
}

#[test]
fn the_mail_goes_to_every_admin() {
    let settings = settings(&["ann@example.com", "bob@example.com"]);
    let mail = formatted(&settings);
    assert!(
        mail.contains("To: ann@example.com, bob@example.com\r\n"),
        "expected both admins in one To: header, in:\n{mail}"
    );
    let message = error_mail(&settings, ERROR.to_owned()).expect("a mail");
    let recipients: Vec<String> = message
        .envelope()
        .to()
        .iter()
        .map(|address| address.to_string())
        .collect();
    assert_eq!(recipients, ["ann@example.com", "bob@example.com"]);
}

#[test]
fn the_subject_is_the_tutorials_and_the_body_is_the_error_as_plain_text() {
    let mail = formatted(&settings(&["admin@example.com"]));
    assert!(
        mail.contains("Subject: Microblog Failure\r\n"),
        "expected the subject `Microblog Failure` in:\n{mail}"
    );
    assert!(
        mail.contains("Content-Type: text/plain; charset=utf-8\r\n"),
        "expected a plain-text mail:\n{mail}"
    );
    assert!(mail.ends_with(&format!("\r\n\r\n{ERROR}")), "{mail}");
}

#[test]
fn a_good_address_is_a_mailbox() {
    let parsed = mailbox("admin@example.com").expect("a good address");
    assert_eq!(parsed.email.to_string(), "admin@example.com");
}

#[test]
fn a_bad_admin_address_is_an_error_that_names_it() {
    let result = error_mail(
        &settings(&["admin@example.com", "not an address"]),
        ERROR.to_owned(),
    );
    match result {
        Err(MailError::Address(address)) => assert_eq!(address, "not an address"),
        other => panic!("expected MailError::Address(\"not an address\"), got {other:?}"),
    }
}
