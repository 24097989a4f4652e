//! How long a failed sign-in takes says nothing about which names exist.

use std::time::{Duration, Instant};

use test_support::{form_body, Browser};

use crate::app;

/// How long one sign-in with `username` and a wrong password takes.
async fn time_a_failed_sign_in(visitor: &Browser<'_>, username: &str) -> Duration {
    let token = visitor.csrf_token();
    let body = form_body(&[
        ("username", username),
        ("password", "wrong"),
        ("csrf_token", &token),
    ]);
    let start = Instant::now();
    let reply = visitor.post_raw("/login", &body).await;
    let took = start.elapsed();
    assert_eq!(reply.location.as_deref(), Some("/login"), "{username}");
    took
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort_unstable();
    times[times.len() / 2]
}

/// Without a user, the password is still checked (against a dummy hash), so an
/// unknown name takes as long as a known one. Before, it took a tenth of the
/// time: no Argon2 at all. Tries alternate, so a busy machine slows both alike,
/// and medians with a generous margin keep a slow try from deciding.
#[rocket::async_test]
async fn a_wrong_password_takes_as_long_for_an_unknown_name_as_for_a_real_one() {
    let app = app().await;
    app.create_user("john", "john@example.com").await;
    let visitor = app.browser().await;
    // The first check allocates the hashing thread's memory: not timed.
    time_a_failed_sign_in(&visitor, "john").await;
    time_a_failed_sign_in(&visitor, "nobody").await;

    let (mut real, mut unknown) = (Vec::new(), Vec::new());
    for _ in 0..15 {
        real.push(time_a_failed_sign_in(&visitor, "john").await);
        unknown.push(time_a_failed_sign_in(&visitor, "nobody").await);
    }

    let (real, unknown) = (median(real), median(unknown));
    assert!(
        unknown * 2 >= real,
        "median {unknown:?} for an unknown name, {real:?} for a real one"
    );
}
