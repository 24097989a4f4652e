//! Exercise 2, from an error to a 500: `cargo test -p exercises --test ex02`.

#[cfg_attr(not(feature = "solutions"), path = "../src/ex02_error_responder.rs")]
#[cfg_attr(feature = "solutions", path = "../solutions/ex02_error_responder.rs")]
pub mod exercise;

use std::sync::{Arc, Mutex};

use exercise::{with_causes, AppError};
use rocket::http::Status;
use rocket::local::asynchronous::Client;
use rocket::{catch, catchers, routes, Config};
use tracing::instrument::WithSubscriber;
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

/// The app's 500 page, as exercise 5 will write it.
#[catch(500)]
fn internal_error() -> &'static str {
    "the app's 500 page"
}

/// A database without the `user` table, so that `/users` fails.
async fn app() -> Client {
    let db = sqlx::SqlitePool::connect("sqlite::memory:")
        .await
        .expect("an in-memory database");
    let rocket = rocket::custom(Config::debug_default())
        .manage(db)
        .mount("/", routes![exercise::users])
        .register("/", catchers![internal_error]);
    Client::untracked(rocket).await.expect("the app launches")
}

/// Every record logged while a request is answered: its level and message.
#[derive(Clone, Default)]
struct Records(Arc<Mutex<Vec<(Level, String)>>>);

impl<S: Subscriber> Layer<S> for Records {
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        struct Message(String);
        impl tracing::field::Visit for Message {
            fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
                if field.name() == "message" {
                    self.0 = format!("{value:?}");
                }
            }
        }
        let mut message = Message(String::new());
        event.record(&mut message);
        if let Ok(mut records) = self.0.lock() {
            records.push((*event.metadata().level(), message.0));
        }
    }
}

impl Records {
    fn errors(&self) -> Vec<String> {
        let records = self.0.lock().expect("the records");
        records
            .iter()
            .filter(|(level, _)| *level == Level::ERROR)
            .map(|(_, message)| message.clone())
            .collect()
    }
}

/// What `GET /users` answers, and the ERROR records logged meanwhile.
///
/// Every request of these tests is answered under a subscriber of its own.
/// (`tracing` decides once per logging statement, the first time it runs,
/// whether anyone could want its records; with no subscriber at all, the
/// answer would be "no one", also for the test that looks.)
async fn get_users() -> (Status, String, Vec<String>) {
    let client = app().await;
    let records = Records::default();
    let subscriber = tracing_subscriber::registry().with(records.clone());
    let response = client
        .get("/users")
        .dispatch()
        .with_subscriber(subscriber)
        .await;
    let status = response.status();
    let body = response.into_string().await.unwrap_or_default();
    (status, body, records.errors())
}

#[rocket::async_test]
async fn a_failed_request_is_a_500_answered_by_the_apps_500_page() {
    let (status, body, _) = get_users().await;
    assert_eq!(
        status,
        Status::InternalServerError,
        "the error should become a 500"
    );
    assert_eq!(
        body, "the app's 500 page",
        "the 500 catcher should answer, never the error's own text"
    );
}

#[rocket::async_test]
async fn the_error_is_logged_with_the_request_and_its_causes() {
    let (_, _, errors) = get_users().await;
    assert_eq!(errors.len(), 1, "one ERROR record, got {errors:?}");
    assert!(
        errors[0].starts_with(
            "Exception on /users [GET]: database query failed: error returned from database: "
        ),
        "{}",
        errors[0]
    );
    assert!(errors[0].contains("no such table: user"), "{}", errors[0]);
}

#[derive(Debug, thiserror::Error)]
#[error("could not save the profile")]
struct Outer(#[source] Middle);

#[derive(Debug, thiserror::Error)]
#[error("database query failed")]
struct Middle(#[source] Inner);

#[derive(Debug, thiserror::Error)]
#[error("UNIQUE constraint failed: user.username")]
struct Inner;

#[test]
fn with_causes_follows_the_whole_chain() {
    assert_eq!(
        with_causes(&Outer(Middle(Inner))),
        "could not save the profile: database query failed: UNIQUE constraint failed: user.username"
    );
    assert_eq!(
        with_causes(&Inner),
        "UNIQUE constraint failed: user.username"
    );
}

#[test]
fn an_app_error_shows_its_own_message_first() {
    let error = AppError::from(sqlx::Error::RowNotFound);
    assert_eq!(
        with_causes(&error),
        "database query failed: no rows returned by a query that expected to return at least one row"
    );
}
