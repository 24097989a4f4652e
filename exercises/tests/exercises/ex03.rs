use exercises::ex03_mail_subject::failure_mail;
use rocket::http::Method;

fn formatted(method: Method, path: &str) -> String {
    let mail = failure_mail(
        "no-reply@localhost".parse().expect("an address"),
        "admin@example.com".parse().expect("an address"),
        method,
        path,
        "Exception on /edit_profile [POST]".to_owned(),
    )
    .expect("a mail");
    String::from_utf8(mail.formatted()).expect("UTF-8")
}

#[test]
fn the_subject_names_the_method_and_path() {
    let mail = formatted(Method::Post, "/edit_profile");
    assert!(
        mail.contains("Subject: Microblog Failure: POST /edit_profile\r\n"),
        "expected the subject `Microblog Failure: POST /edit_profile` in this mail:\n{mail}"
    );
}

#[test]
fn the_rest_of_the_mail_is_unchanged() {
    let mail = formatted(Method::Get, "/user/susan");
    assert!(
        mail.contains("Subject: Microblog Failure: GET /user/susan\r\n"),
        "expected the subject `Microblog Failure: GET /user/susan` in this mail:\n{mail}"
    );
    assert!(mail.contains("From: no-reply@localhost\r\n"));
    assert!(mail.contains("To: admin@example.com\r\n"));
    assert!(mail.ends_with("Exception on /edit_profile [POST]"));
}
