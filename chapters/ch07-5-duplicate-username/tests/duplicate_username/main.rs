//! Step 5: a taken username is a form error, never a 500, even under a race.

mod attacks;
mod hardening;

use mail_sink::MailSink;
use rocket::futures::future::join_all;
use rocket::http::Status;
use test_support::{release, ChildApp, TestApp};

async fn app() -> TestApp {
    TestApp::new(release(ch07_5_duplicate_username::app())).await
}

const FORM_ERROR: &str = r#"<span style="color: red;">[Please use a different username.]</span>"#;

// ANCHOR: test_form_error
#[rocket::async_test]
async fn renaming_to_a_taken_username_shows_the_form_error_and_saves_nothing() {
    let app = app().await;

    let (_, page) = app.rename_to_a_taken_name().await;

    assert_eq!(page.status, Status::Ok);
    let field = page
        .body
        .find(r#"name="username""#)
        .expect("the username field");
    let error = page.body.find(FORM_ERROR).expect("the form error");
    let next_field = page
        .body
        .find(r#"name="about_me""#)
        .expect("the about_me field");
    assert!(
        field < error && error < next_field,
        "the error is next to the username field"
    );
    assert!(
        page.body.contains(r#"value="susan""#),
        "what was typed is kept"
    );
    assert!(page.body.contains(">typed text</textarea>"));
    let john = app.user("john").await.expect("john keeps his name");
    assert_eq!(john.about_me, None, "about_me was not saved either");
    assert_eq!(
        app.user("susan").await.map(|susan| susan.email).as_deref(),
        Some("susan@example.com")
    );
}
// ANCHOR_END: test_form_error

/// Issue 26: a name that only looks like susan's is hers too. Cyrillic `а`
/// (U+0430) has the UTS #39 skeleton of Latin `a`; full-width `ｓｕｓａｎ` is
/// read as `susan` (RFC 8265's width mapping).
#[rocket::async_test]
async fn renaming_yourself_to_a_look_alike_of_a_taken_name_is_the_form_error() {
    let app = app().await;
    app.create_user("susan", "susan@example.com").await;
    let john = app.signed_in("john").await;

    for look_alike in ["sus\u{430}n", "\u{ff53}\u{ff55}\u{ff53}\u{ff41}\u{ff4e}"] {
        let page = john
            .submit(
                "/edit_profile",
                &[("username", look_alike), ("about_me", "typed text")],
            )
            .await;
        assert_eq!(page.status, Status::Ok, "{look_alike:?}");
        assert!(page.body.contains(FORM_ERROR), "{look_alike:?}");
        let john = app.user("john").await.expect("john keeps his name");
        assert_eq!(john.about_me, None, "{look_alike:?}: nothing was saved");
    }
    assert_eq!(app.user_count().await, 2);
}

#[rocket::async_test]
async fn keeping_your_own_username_while_editing_about_me_saves() {
    let app = app().await;
    let john = app.signed_in("john").await;

    let reply = john
        .submit(
            "/edit_profile",
            &[("username", "john"), ("about_me", "Still john")],
        )
        .await;

    assert_eq!(reply.status, Status::SeeOther);
    assert!(john
        .get("/edit_profile")
        .await
        .body
        .contains("Your changes have been saved."));
    let john = app.user("john").await.expect("john");
    assert_eq!(john.about_me.as_deref(), Some("Still john"));
}

#[rocket::async_test]
async fn the_username_must_be_1_to_64_characters_and_about_me_at_most_140() {
    let app = app().await;
    let john = app.signed_in("john").await;
    let name_64 = "j".repeat(64);
    let name_65 = "j".repeat(65);
    let about_141 = "a".repeat(141);
    let cases = [
        ("", "", "[This field is required.]"),
        ("   ", "", "[This field is required.]"),
        (
            name_65.as_str(),
            "",
            "[Field must be between 1 and 64 characters long.]",
        ),
        (
            "john",
            about_141.as_str(),
            "[Field must be between 0 and 140 characters long.]",
        ),
    ];
    for (username, about_me, message) in cases {
        let page = john
            .submit(
                "/edit_profile",
                &[("username", username), ("about_me", about_me)],
            )
            .await;
        assert_eq!(page.status, Status::Ok, "{username:?}");
        assert!(page.body.contains(message), "{username:?}: {message}");
        assert_eq!(app.user("john").await.and_then(|john| john.about_me), None);
    }

    let reply = john
        .submit(
            "/edit_profile",
            &[("username", &name_64), ("about_me", &"a".repeat(140))],
        )
        .await;
    assert_eq!(
        reply.status,
        Status::SeeOther,
        "64 and 140 characters are fine"
    );
    assert!(app.user(&name_64).await.is_some());
}

/// The race, made deterministic: a trigger takes the name inside the request's
/// own transaction, after the check found it free and before the username is
/// written, as a concurrent request could. The unique index catches it.
#[rocket::async_test]
async fn a_name_taken_between_the_check_and_the_write_is_the_same_form_error() {
    let app = app().await;
    let john = app.signed_in("john").await;
    let take_the_name = if app.on_postgres() {
        r#"CREATE FUNCTION take_the_name() RETURNS trigger AS $$
           BEGIN
               IF NEW.about_me = 'racing' THEN
                   INSERT INTO "user" (username, email) VALUES ('winner', 'winner@example.com');
               END IF;
               RETURN NEW;
           END $$ LANGUAGE plpgsql;
           CREATE TRIGGER take_the_name BEFORE UPDATE OF about_me ON "user"
           FOR EACH ROW EXECUTE FUNCTION take_the_name()"#
    } else {
        r#"CREATE TRIGGER take_the_name BEFORE UPDATE OF about_me ON "user"
           WHEN NEW.about_me = 'racing'
           BEGIN INSERT INTO "user" (username, email) VALUES ('winner', 'winner@example.com'); END"#
    };
    app.execute(take_the_name).await;

    let page = john
        .submit(
            "/edit_profile",
            &[("username", "winner"), ("about_me", "racing")],
        )
        .await;

    assert_eq!(page.status, Status::Ok);
    assert!(page.body.contains(FORM_ERROR));
    let john = app.user("john").await.expect("john keeps his name");
    assert_eq!(john.about_me, None, "the whole transaction was rolled back");
}

/// Twenty users take the same free name at once, on a real database. The
/// check before the write lets several through; the unique index stops all but
/// the first, and each of those gets the form error.
#[rocket::async_test]
async fn twenty_concurrent_renames_to_one_free_name_give_one_success_and_nineteen_form_errors() {
    let app = app().await;
    let mut users = Vec::new();
    for n in 0..20 {
        users.push(app.signed_in(&format!("user{n}")).await);
    }

    let replies = join_all(users.iter().map(|user| {
        user.submit(
            "/edit_profile",
            &[("username", "winner"), ("about_me", "I won")],
        )
    }))
    .await;

    let saved = replies
        .iter()
        .filter(|reply| reply.status == Status::SeeOther)
        .count();
    let refused = replies
        .iter()
        .filter(|reply| reply.status == Status::Ok && reply.body.contains(FORM_ERROR))
        .count();
    let failed = replies
        .iter()
        .filter(|reply| reply.status.code >= 500)
        .count();
    assert_eq!((saved, refused, failed), (1, 19, 0));
    let winners = app
        .count(r#"SELECT count(*) FROM "user" WHERE about_me = 'I won'"#)
        .await;
    assert_eq!(winners, 1, "the losers' about_me writes were rolled back");
    assert_eq!(app.user_count().await, 20);
}

#[test]
fn the_form_error_logs_no_error_and_mails_nothing() {
    let sink = MailSink::start("127.0.0.1:0").expect("a sink");
    let port = sink.addr.port().to_string();
    let mut app = ChildApp::start(
        env!("CARGO_BIN_EXE_ch07-5-duplicate-username"),
        &[("MAIL_SERVER", "127.0.0.1"), ("MAIL_PORT", &port)],
    );

    let (_, reply) = app.rename_to_a_taken_name();

    assert_eq!(reply.status, 200);
    assert!(reply.body.contains(FORM_ERROR));
    assert!(app.terminate());
    assert!(app.output().contains("Error mail: on"), "mail was on");
    assert!(!app.output().contains(" ERROR "), "{}", app.output());
    let log = app.whole_log();
    assert!(log.contains("INFO: Microblog startup"));
    assert!(!log.contains(" ERROR: "));
    assert_eq!(sink.mails.try_iter().count(), 0);
}

/// `ROCKET_PROFILE=release cargo run -p ch07-5-duplicate-username` without a
/// secret key: one message that says where the key goes, status 1, no panic.
#[test]
fn the_release_binary_without_a_secret_key_exits_with_status_1_and_says_why() {
    let binary = env!("CARGO_BIN_EXE_ch07-5-duplicate-username");
    let (status, stderr) = test_support::run_without_secret_key(binary);

    assert_eq!(status.code(), Some(1), "{stderr}");
    assert_eq!(
        stderr
            .matches("The release profile needs a secret key")
            .count(),
        1,
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}
