//! Step 1: in the debug profile a 500 shows the PIN-locked debug page; in
//! release it shows nothing of the error.

use ch07_1_debug_mode::Debugger;
use rocket::http::Status;
use rocket::{get, routes};
use test_support::{release, Browser, TestApp};

/// Test-only: a handler that panics.
#[get("/panic")]
fn panicking_handler() -> &'static str {
    panic!("the test handler panicked on purpose")
}
const PANIC_LINE: u32 = line!() - 2;

async fn debug_app() -> TestApp {
    TestApp::new(ch07_1_debug_mode::app().mount("/", routes![panicking_handler])).await
}

fn pin(app: &TestApp) -> String {
    let debugger = app.client.rocket().state::<Debugger>();
    debugger.expect("the debugger, in debug").pin().to_owned()
}

/// Renames john to susan's name: the chapter-6 bug, a 500.
async fn rename_to_taken(app: &TestApp) -> (Browser<'_>, String) {
    app.create_user("susan", "susan@example.com").await;
    let john = app.signed_in("john").await;
    let reply = john
        .post("/edit_profile", &[("username", "susan"), ("about_me", "")])
        .await;
    assert_eq!(reply.status, Status::InternalServerError);
    (john, reply.body)
}

/// The address the PIN form posts to: `/__debugger/failure/<id>`.
fn failure_path(page: &str) -> String {
    let start = page.find("/__debugger/failure/").expect("a PIN form");
    let end = page[start..].find('"').expect("end of the action") + start;
    page[start..end].to_owned()
}

async fn enter_pin(browser: &Browser<'_>, path: &str, pin: &str) -> String {
    let reply = browser.post(path, &[("pin", pin)]).await;
    assert_eq!(reply.status, Status::SeeOther);
    browser.get(path).await.body
}

#[rocket::async_test]
async fn renaming_to_a_taken_username_shows_the_locked_debug_page() {
    let app = debug_app().await;
    let (_, page) = rename_to_taken(&app).await;

    assert!(page.contains("<h1>database query failed</h1>"));
    assert!(page.contains(r#"<input name="pin""#));
    assert!(!page.contains("UNIQUE constraint"), "detail stays locked");
    assert!(!page.contains(".rs"), "no source paths while locked");
}

#[rocket::async_test]
async fn a_wrong_pin_leaves_it_locked_and_the_right_pin_shows_everything() {
    let app = debug_app().await;
    let (john, page) = rename_to_taken(&app).await;
    let path = failure_path(&page);

    let locked = enter_pin(&john, &path, "000-000-000").await;
    assert!(locked.contains("Wrong PIN (1 of 10 tries used)"));
    assert!(!locked.contains("UNIQUE constraint"));

    let unlocked = enter_pin(&john, &path, &pin(&app)).await;
    assert!(unlocked.contains("UNIQUE constraint failed: user.username"));
    assert!(unlocked.contains("<li><code>error returned from database: (code: 2067) UNIQUE constraint failed: user.username</code></li>"));
    // Tera escapes `/` as `&#x2F;`.
    assert!(unlocked.contains("<code>POST &#x2F;edit_profile</code>"));
    // The frame in common's chapter-6 handler, expanded with its source.
    let frame = unlocked
        .split("<details open>")
        .find(|frame| frame.contains("common::routes::edit_profile"))
        .expect("a frame in common's edit_profile handler");
    assert!(frame.contains("common&#x2F;src&#x2F;routes.rs:"));
    assert!(frame.contains(r#"class="current""#));
    assert!(
        frame.contains("User::update_profile"),
        "the failing line is shown"
    );
}

#[rocket::async_test]
async fn once_unlocked_the_next_failure_shows_at_once() {
    let app = debug_app().await;
    let (john, page) = rename_to_taken(&app).await;
    enter_pin(&john, &failure_path(&page), &pin(&app)).await;

    let again = john
        .post("/edit_profile", &[("username", "susan"), ("about_me", "")])
        .await;
    assert_eq!(again.status, Status::InternalServerError);
    assert!(again
        .body
        .contains("UNIQUE constraint failed: user.username"));
}

#[rocket::async_test]
async fn a_panicking_handler_shows_its_message_and_location() {
    let app = debug_app().await;
    let visitor = app.browser().await;
    let page = visitor.get("/panic").await;
    assert_eq!(page.status, Status::InternalServerError);
    assert!(page
        .body
        .contains("panicked: the test handler panicked on purpose"));

    let unlocked = enter_pin(&visitor, &failure_path(&page.body), &pin(&app)).await;
    let location = format!("tests&#x2F;debug_mode&#x2F;main.rs:{PANIC_LINE}:");
    assert!(unlocked.contains(&location), "expected {location}");
}

#[rocket::async_test]
async fn the_eleventh_wrong_pin_finds_the_debugger_locked_until_restart() {
    let app = debug_app().await;
    let (john, page) = rename_to_taken(&app).await;
    let path = failure_path(&page);

    for try_number in 1..=10 {
        let page = enter_pin(&john, &path, "111-111-111").await;
        assert!(!page.contains("UNIQUE constraint"), "try {try_number}");
    }
    let page = enter_pin(&john, &path, "222-222-222").await;
    assert!(page.contains("The debugger is locked: too many wrong PINs."));
    assert!(!page.contains(r#"<input name="pin""#));

    let page = enter_pin(&john, &path, &pin(&app)).await;
    assert!(
        !page.contains("UNIQUE constraint"),
        "even the right PIN is refused"
    );

    // The lock is the debugger's, not the visitor's: a fresh browser, with
    // none of john's cookies, gets no PIN form either.
    let stranger = app.browser().await;
    let page = stranger.get("/panic").await.body;
    assert!(page.contains("The debugger is locked: too many wrong PINs."));
    assert!(!page.contains(r#"<input name="pin""#));
    assert!(!page.contains(".rs"), "no detail, only the headline");
}

#[rocket::async_test]
async fn cookie_values_never_appear_on_the_debug_page() {
    let app = debug_app().await;
    let (john, page) = rename_to_taken(&app).await;
    enter_pin(&john, &failure_path(&page), &pin(&app)).await;
    let cookies: Vec<_> = ["user_id", "csrf_token", "debugger_unlocked"]
        .map(|name| john.cookie(name).expect("the browser holds the cookie"))
        .into();
    let header = cookies
        .iter()
        .map(|cookie| format!("{}={}", cookie.name(), cookie.value()))
        .collect::<Vec<_>>()
        .join("; ");

    let page = john.get_with_header("/panic", "Cookie", header).await.body;

    assert!(
        page.contains("panicked: the test handler panicked on purpose"),
        "unlocked"
    );
    assert!(page.contains("user_id=••••••; csrf_token=••••••; debugger_unlocked=••••••"));
    for cookie in &cookies {
        assert!(
            !page.contains(cookie.value()),
            "{}'s value is shown",
            cookie.name()
        );
    }
}

#[rocket::async_test]
async fn release_shows_no_detail_and_has_no_debugger() {
    let rocket = ch07_1_debug_mode::app().mount("/", routes![panicking_handler]);
    let app = TestApp::new(release(rocket)).await;
    assert!(app.client.rocket().state::<Debugger>().is_none());

    let (john, page) = rename_to_taken(&app).await;
    let panic_page = john.get("/panic").await;
    assert_eq!(panic_page.status, Status::InternalServerError);
    for page in [&page, &panic_page.body] {
        for secret in ["database", "UNIQUE", "panicked", ".rs", "__debugger", "PIN"] {
            assert!(!page.contains(secret), "{secret} in {page}");
        }
    }
    assert_eq!(
        john.get("/__debugger/failure/1").await.status,
        Status::NotFound
    );
    let reply = john.post("/__debugger/failure/1", &[("pin", "1")]).await;
    assert_eq!(reply.status, Status::NotFound);
}

#[rocket::async_test]
async fn markup_in_the_request_is_escaped_on_the_debug_page() {
    let app = debug_app().await;
    let visitor = app.browser().await;
    let page = visitor.get("/panic").await;
    enter_pin(&visitor, &failure_path(&page.body), &pin(&app)).await;

    let script = "<script>alert(1)</script>";
    let page = visitor
        .get_with_header("/panic", "X-Evil", script.to_owned())
        .await
        .body;

    assert!(
        page.contains("panicked: the test handler panicked on purpose"),
        "unlocked"
    );
    assert!(page.contains("&lt;script&gt;alert(1)&lt;&#x2F;script&gt;"));
    assert!(!page.contains(script));
}

/// `cargo run -p ch07-1-debug-mode` prints `Debugger PIN: NNN-NNN-NNN`, a new
/// one each start; the release profile prints none.
#[test]
fn the_binary_prints_a_new_pin_at_each_start_and_none_in_release() {
    use test_support::ChildApp;

    const BINARY: &str = env!("CARGO_BIN_EXE_ch07-1-debug-mode");
    let printed_pin = |app: &ChildApp| {
        app.wait_for(|app| app.output().contains("Debugger PIN: "), "the PIN");
        let output = app.output();
        let (_, rest) = output.split_once("Debugger PIN: ").expect("the PIN line");
        let pin: String = rest.chars().take_while(|c| !c.is_whitespace()).collect();
        let groups: Vec<&str> = pin.split('-').collect();
        assert!(
            groups.len() == 3
                && groups
                    .iter()
                    .all(|group| group.len() == 3 && group.bytes().all(|b| b.is_ascii_digit())),
            "NNN-NNN-NNN: {pin}"
        );
        pin
    };
    let debug = [("ROCKET_PROFILE", "debug")];

    let first = printed_pin(&ChildApp::start(BINARY, &debug));
    let second = printed_pin(&ChildApp::start(BINARY, &debug));
    assert_ne!(first, second, "a new PIN each start");

    let mut release = ChildApp::start(BINARY, &[]);
    assert!(release.terminate());
    assert!(!release.output().contains("Debugger PIN"));
}
