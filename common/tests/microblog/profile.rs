use rocket::http::Status;

use crate::app;

#[rocket::async_test]
async fn a_profile_shows_the_user_their_gravatar_and_posts() {
    let app = app().await;
    app.create_user("john", "john@example.com").await;
    let susan = app.signed_in("susan").await;

    let page = susan.get("/user/john").await;

    assert_eq!(page.status, Status::Ok);
    assert!(page.body.contains("<h1>User: john</h1>"));
    assert!(page.body.contains(
        r#"<img src="https://www.gravatar.com/avatar/d4c74594d841139328695756648b6bd6?d=identicon&amp;s=128">"#
    ));
    assert!(page
        .body
        .contains("d4c74594d841139328695756648b6bd6?d=identicon&amp;s=36"));
    assert!(page.body.contains("john says:<br>Test post #1"));
    assert!(page.body.contains("Last seen on: "));
    assert!(
        !page.body.contains("Edit your profile"),
        "not susan's own profile"
    );
    assert!(susan
        .get("/user/susan")
        .await
        .body
        .contains("Edit your profile"));
}

#[rocket::async_test]
async fn the_avatar_ignores_the_case_of_the_email() {
    assert_eq!(
        common::User::avatar("John@Example.com", 128),
        "https://www.gravatar.com/avatar/d4c74594d841139328695756648b6bd6?d=identicon&s=128"
    );
}

#[rocket::async_test]
async fn an_unknown_user_is_a_404() {
    let app = app().await;
    let john = app.signed_in("john").await;
    assert_eq!(john.get("/user/nobody").await.status, Status::NotFound);
}

#[rocket::async_test]
async fn editing_the_profile_saves_it_and_flashes() {
    let app = app().await;
    let john = app.signed_in("john").await;

    let reply = john
        .submit(
            "/edit_profile",
            &[("username", "johnny"), ("about_me", "I <3 Rust")],
        )
        .await;

    assert_eq!(reply.status, Status::SeeOther);
    assert_eq!(reply.location.as_deref(), Some("/edit_profile"));
    let form = john.get("/edit_profile").await;
    assert!(form.body.contains("<li>Your changes have been saved.</li>"));
    assert!(form.body.contains(r#"value="johnny""#));
    assert!(form.body.contains(">I &lt;3 Rust</textarea>"));
    let johnny = app.user("johnny").await.expect("renamed");
    assert_eq!(johnny.about_me.as_deref(), Some("I <3 Rust"));
    assert!(app.user("john").await.is_none());
}

#[rocket::async_test]
async fn an_about_me_over_140_characters_is_a_form_error() {
    let app = app().await;
    let john = app.signed_in("john").await;
    let long = "é".repeat(141);

    let reply = john
        .submit(
            "/edit_profile",
            &[("username", "john"), ("about_me", &long)],
        )
        .await;

    assert_eq!(reply.status, Status::Ok);
    assert!(reply
        .body
        .contains("[Field must be between 0 and 140 characters long.]"));
    assert_eq!(app.user("john").await.and_then(|john| john.about_me), None);
}

/// The bug chapter 7 is about: chapter 6 never checks the new name.
#[rocket::async_test]
async fn renaming_to_a_taken_username_is_a_500_and_changes_nothing() {
    let app = app().await;

    let (_, reply) = app.rename_to_a_taken_name().await;

    assert_eq!(reply.status, Status::InternalServerError);
    let john = app.user("john").await.expect("john keeps his name");
    assert_eq!(john.about_me, None, "the about_me write was rolled back");
    let susan = app.user("susan").await.expect("susan is still there");
    assert_eq!(susan.email, "susan@example.com");
}

#[rocket::async_test]
async fn editing_the_profile_trims_the_username_and_refuses_hidden_characters_and_dots() {
    let app = app().await;
    let john = app.signed_in("john").await;

    for (name, error) in [
        (
            "jo\u{202e}hn",
            "[Usernames cannot contain control, invisible or direction-changing characters.]",
        ),
        (
            "john\r\nINFO: forged",
            "[Usernames cannot contain control, invisible or direction-changing characters.]",
        ),
        (
            "..",
            "[The usernames . and .. cannot be used: browsers rewrite their profile addresses.]",
        ),
    ] {
        let reply = john
            .submit("/edit_profile", &[("username", name), ("about_me", "")])
            .await;
        assert_eq!(reply.status, Status::Ok, "{name:?}: the form comes back");
        assert!(reply.body.contains(error), "{name:?}");
        assert!(
            app.user("john").await.is_some(),
            "{name:?}: john kept his name"
        );
    }

    let reply = john
        .submit(
            "/edit_profile",
            &[("username", "  johnny "), ("about_me", "")],
        )
        .await;
    assert_eq!(reply.status, Status::SeeOther);
    let johnny = app.user("johnny").await.expect("saved without the spaces");
    assert_eq!(johnny.username, "johnny");
}
