use rocket::http::Status;
use test_support::PASSWORD;

use crate::app;

#[rocket::async_test]
async fn registering_creates_the_user_and_sends_them_to_sign_in() {
    let app = app().await;
    let visitor = app.browser().await;

    let reply = visitor
        .submit(
            "/register",
            &[
                ("username", "susan"),
                ("email", "susan@example.com"),
                ("password", PASSWORD),
                ("password2", PASSWORD),
            ],
        )
        .await;

    assert_eq!(reply.status, Status::SeeOther);
    assert_eq!(reply.location.as_deref(), Some("/login"));
    let login = visitor.get("/login").await;
    assert!(login
        .body
        .contains("Congratulations, you are now a registered user!"));
    let susan = app.user("susan").await.expect("susan was saved");
    assert_eq!(susan.email, "susan@example.com");
    let hash = susan.password_hash.expect("a password hash");
    assert!(!hash.contains(PASSWORD), "the password is stored hashed");
}

async fn register_with(fields: &[(&str, &str)]) -> (String, i64) {
    let app = app().await;
    app.create_user("john", "john@example.com").await;
    let reply = app.browser().await.submit("/register", fields).await;
    assert_eq!(reply.status, Status::Ok, "the form comes back");
    (reply.body, app.user_count().await)
}

#[rocket::async_test]
async fn registering_a_taken_username_shows_the_form_error() {
    let (page, users) = register_with(&[
        ("username", "john"),
        ("email", "other@example.com"),
        ("password", "x"),
        ("password2", "x"),
    ])
    .await;
    assert!(page.contains("[Please use a different username.]"));
    assert!(
        page.contains(r#"value="other@example.com""#),
        "typed values are kept"
    );
    assert_eq!(users, 1);
}

#[rocket::async_test]
async fn registering_a_taken_email_shows_the_form_error() {
    let (page, users) = register_with(&[
        ("username", "johnny"),
        ("email", "john@example.com"),
        ("password", "x"),
        ("password2", "x"),
    ])
    .await;
    assert!(page.contains("[Please use a different email address.]"));
    assert_eq!(users, 1);
}

#[rocket::async_test]
async fn registering_with_mismatched_passwords_shows_the_form_error() {
    let (page, users) = register_with(&[
        ("username", "susan"),
        ("email", "susan@example.com"),
        ("password", "one"),
        ("password2", "two"),
    ])
    .await;
    assert!(page.contains("[Field must be equal to password.]"));
    assert_eq!(users, 1);
}

#[rocket::async_test]
async fn registering_with_missing_fields_and_a_bad_email_shows_each_error() {
    let (page, users) = register_with(&[("email", "not-an-email")]).await;
    assert_eq!(page.matches("[This field is required.]").count(), 3);
    assert!(page.contains("[Invalid email address.]"));
    assert_eq!(users, 1);
}

/// What a registration with this username does: the status, the page, and the
/// users in the database afterwards.
async fn register_as(username: &str) -> (Status, String, Vec<String>) {
    let app = app().await;
    let reply = app
        .browser()
        .await
        .submit(
            "/register",
            &[
                ("username", username),
                ("email", "new@example.com"),
                ("password", PASSWORD),
                ("password2", PASSWORD),
            ],
        )
        .await;
    let names = sqlx::query_scalar(r#"SELECT username FROM "user""#)
        .fetch_all(app.pool())
        .await
        .expect("the usernames");
    (reply.status, reply.body, names)
}

#[rocket::async_test]
async fn a_username_is_saved_without_surrounding_whitespace_and_signs_in_with_or_without_it() {
    let app = app().await;
    let visitor = app.browser().await;
    let reply = visitor
        .submit(
            "/register",
            &[
                ("username", " alice\t"),
                ("email", "alice@example.com"),
                ("password", PASSWORD),
                ("password2", PASSWORD),
            ],
        )
        .await;
    assert_eq!(reply.status, Status::SeeOther);
    let alice = app.user("alice").await.expect("saved as alice");
    assert_eq!(alice.username, "alice");

    for typed in ["alice", "alice "] {
        let browser = app.browser().await;
        let reply = browser
            .submit("/login", &[("username", typed), ("password", PASSWORD)])
            .await;
        assert_eq!(reply.location.as_deref(), Some("/index"), "{typed:?}");
    }
}

#[rocket::async_test]
async fn a_username_with_control_invisible_or_direction_changing_characters_is_refused() {
    for name in [
        "nul\0user",
        "crlf\r\nINFO: forged",
        "\u{202e}gnp.exe",
        "alice\u{200b}",
        "\u{feff}bom",
        "isolated\u{2067}",
    ] {
        let (status, page, names) = register_as(name).await;
        assert_eq!(status, Status::Ok, "{name:?}: the form comes back");
        assert!(
            page.contains(
                "[Usernames cannot contain control, invisible or direction-changing characters.]"
            ),
            "{name:?}"
        );
        assert!(names.is_empty(), "{name:?} was saved: {names:?}");
    }
}

/// Issue 26: each of these registered beside `alice` and `José`. Now each is
/// taken, because it is spelled (RFC 8265: full width, NFD) or looks (UTS #39
/// skeleton: Cyrillic `а`) like a taken name, or is no username at all
/// (RFC 8265: invisible characters, a symbol, a lone accent).
#[rocket::async_test]
async fn look_alikes_of_taken_usernames_are_refused_at_registration() {
    const TAKEN: &str = "[Please use a different username.]";
    const HIDDEN: &str =
        "[Usernames cannot contain control, invisible or direction-changing characters.]";
    const CHARACTERS: &str = "[Usernames can only hold letters (accented or not), digits and ASCII punctuation, with single spaces between words.]";
    let app = app().await;
    app.create_user("alice", "alice@example.com").await;
    app.create_user("Jos\u{e9}", "jose@example.com").await;
    let cases = [
        ("\u{430}lice", TAKEN),
        ("\u{ff41}\u{ff4c}\u{ff49}\u{ff43}\u{ff45}", TAKEN),
        ("Jos\u{e9}", TAKEN),
        ("Jose\u{301}", TAKEN),
        ("\u{301}", CHARACTERS),
        ("\u{3164}", HIDDEN),
        ("\u{2800}", CHARACTERS),
        ("ali\u{ad}ce", HIDDEN),
        ("ali\u{2062}ce", HIDDEN),
        ("ali\u{34f}ce", HIDDEN),
        ("ali\u{fe0f}ce", HIDDEN),
        ("ali\u{180e}ce", HIDDEN),
        ("alice\u{e0061}", HIDDEN),
        ("alice\u{ffa0}", HIDDEN),
    ];
    let visitor = app.browser().await;
    for (name, error) in cases {
        let reply = visitor
            .submit(
                "/register",
                &[
                    ("username", name),
                    ("email", "new@example.com"),
                    ("password", PASSWORD),
                    ("password2", PASSWORD),
                ],
            )
            .await;
        assert_eq!(reply.status, Status::Ok, "{name:?}: the form comes back");
        assert!(reply.body.contains(error), "{name:?}: {error}");
    }
    assert_eq!(app.user_count().await, 2, "nothing was saved");
}

#[rocket::async_test]
async fn the_usernames_dot_and_dot_dot_are_refused() {
    for name in [".", ".."] {
        let (status, page, names) = register_as(name).await;
        assert_eq!(status, Status::Ok, "{name:?}: the form comes back");
        assert!(
            page.contains(
                "[The usernames . and .. cannot be used: browsers rewrite their profile addresses.]"
            ),
            "{name:?}"
        );
        assert!(names.is_empty(), "{name:?} was saved: {names:?}");
    }
    let (status, _, names) = register_as("...").await;
    assert_eq!(status, Status::SeeOther, "three dots are an ordinary name");
    assert_eq!(names, ["..."]);
}

#[rocket::async_test]
async fn an_email_that_differs_only_in_case_from_a_taken_one_is_taken() {
    let (page, users) = register_with(&[
        ("username", "johnny"),
        ("email", "JOHN@Example.COM"),
        ("password", "x"),
        ("password2", "x"),
    ])
    .await;
    assert!(page.contains("[Please use a different email address.]"));
    assert_eq!(users, 1);
}

/// The race the check cannot see: the address is free when the form is checked
/// and taken, in other letters, by the time of the INSERT. A trigger makes that
/// happen every time: it inserts the other user inside the registration's own
/// INSERT. The unique index refuses, and the refusal is the check's form error.
#[rocket::async_test]
async fn an_email_taken_in_other_case_after_the_check_is_the_same_form_error_not_a_500() {
    let app = app().await;
    sqlx::query(
        r#"CREATE TRIGGER quicker BEFORE INSERT ON "user" WHEN NEW.username = 'racer'
           BEGIN
               INSERT INTO "user" (username, email) VALUES ('quicker', upper(NEW.email));
           END"#,
    )
    .execute(app.pool())
    .await
    .expect("the trigger");

    let reply = app
        .browser()
        .await
        .submit(
            "/register",
            &[
                ("username", "racer"),
                ("email", "racer@example.com"),
                ("password", PASSWORD),
                ("password2", PASSWORD),
            ],
        )
        .await;

    assert_eq!(reply.status, Status::Ok, "the form comes back");
    assert!(reply
        .body
        .contains("[Please use a different email address.]"));
    // The failed INSERT takes the trigger's INSERT with it.
    assert_eq!(app.user_count().await, 0);
}

/// The `email` column holds 120 characters: an address of exactly 120 is
/// saved, one of 121 is "Invalid email address.".
#[rocket::async_test]
async fn an_email_may_be_120_characters_and_not_121() {
    let app = app().await;
    let register = |username: &'static str, email: String| {
        let app = &app;
        async move {
            let fields = [
                ("username", username),
                ("email", email.as_str()),
                ("password", PASSWORD),
                ("password2", PASSWORD),
            ];
            app.browser().await.submit("/register", &fields).await
        }
    };
    let at_the_limit = format!("{}@example.com", "a".repeat(120 - "@example.com".len()));
    let over_it = format!("b{at_the_limit}");
    assert_eq!(at_the_limit.chars().count(), 120);

    let saved = register("longest", at_the_limit).await;
    assert_eq!(saved.status, Status::SeeOther, "{}", saved.body);
    let refused = register("longer", over_it).await;
    assert_eq!(refused.status, Status::Ok);
    assert!(refused.body.contains("Invalid email address."));
    assert!(app.user("longer").await.is_none());
}
