//! Step 1: in the debug profile a 500 shows the PIN-locked debug page; in
//! release it shows nothing of the error.

mod book_output;

use ch07_1_debug_mode::Debugger;
use rocket::http::ext::IntoOwned;
use rocket::http::uri::Host;
use rocket::http::{ContentType, Header, Status};
use rocket::{get, routes};
use test_support::{csrf_token_in, form_body, release, Browser, TestApp, RENAME_TO_SUSAN};

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
    let (john, reply) = app.rename_to_a_taken_name().await;
    assert_eq!(reply.status, Status::InternalServerError);
    (john, reply.body)
}

/// The address the PIN form on `page` posts to.
fn pin_form_action(page: &str) -> String {
    let marker = r#"<form action=""#;
    let start = page.find(marker).expect("a PIN form") + marker.len();
    let end = page[start..].find('"').expect("end of the action") + start;
    page[start..end].to_owned()
}

/// Posts `pin` to the form at `action`, as the failure's page does (with the
/// visitor's CSRF token), and returns that page, where the form sends the
/// browser back.
async fn enter_pin(browser: &Browser<'_>, action: &str, pin: &str) -> String {
    let form = form_body(&[("pin", pin), ("csrf_token", &browser.csrf_token())]);
    let reply = browser.post_raw(action, &form).await;
    assert_eq!(reply.status, Status::SeeOther);
    let failure = reply.location.expect("back to the failure's page");
    browser.get(&failure).await.body
}

/// The failure's number: the last segment of the PIN form's address.
fn failure_id(page: &str) -> u64 {
    let action = pin_form_action(page);
    let id = action.rsplit('/').next().expect("a last segment");
    id.parse().expect("a failure number")
}

/// The PIN form as another page would send it: with `browser`'s cookies, the
/// right CSRF token, and `origin` as the `Origin` header. The app is at
/// `localhost:8000`, so that is the `Host` header.
async fn post_pin_from(browser: &Browser<'_>, origin: &str, action: &str, pin: &str) -> Status {
    post_pin_to("localhost:8000", browser, origin, action, pin).await
}

/// [`post_pin_from`], with `host` as the `Host` header.
async fn post_pin_to(
    host: &str,
    browser: &Browser<'_>,
    origin: &str,
    action: &str,
    pin: &str,
) -> Status {
    let token = browser.csrf_token();
    let cookies = ["csrf_token", "user_id"].map(|name| browser.cookie(name));
    let mut request = browser
        .app
        .client
        .post(action.to_owned())
        .header(ContentType::Form)
        .header(Header::new("Origin", origin.to_owned()))
        .cookies(cookies.into_iter().flatten())
        .body(form_body(&[("pin", pin), ("csrf_token", &token)]));
    request
        .inner_mut()
        .set_host(Host::parse(host).expect("a host").into_owned());
    request.dispatch().await.status()
}

/// A GET with `browser`'s cookies, sent to `host` (the `Host` header; the
/// local client sends none of its own). Returns the status and the body.
async fn get_on_host(browser: &Browser<'_>, host: &str, uri: &str) -> (Status, String) {
    let cookies = ["csrf_token", "user_id", "debugger_unlocked"].map(|name| browser.cookie(name));
    let mut request = browser
        .app
        .client
        .get(uri.to_owned())
        .cookies(cookies.into_iter().flatten());
    request
        .inner_mut()
        .set_host(Host::parse(host).expect("a host").into_owned());
    let response = request.dispatch().await;
    let status = response.status();
    (status, response.into_string().await.unwrap_or_default())
}

/// What DNS rebinding makes of a page on the attacker's site: its requests
/// reach the app with the attacker's name as `Host`, and a matching `Origin`.
const REBOUND_HOST: &str = "rebind.attacker.example:8000";
const REBOUND_ORIGIN: &str = "http://rebind.attacker.example:8000";

// ANCHOR: test_locked
#[rocket::async_test]
async fn renaming_to_a_taken_username_shows_the_locked_debug_page() {
    let app = debug_app().await;
    let (_, page) = rename_to_taken(&app).await;

    assert!(page.contains("<h1>database query failed</h1>"));
    assert!(page.contains(r#"<input name="pin""#));
    assert!(!page.contains("UNIQUE constraint"), "detail stays locked");
    assert!(!page.contains(".rs"), "no source paths while locked");
}
// ANCHOR_END: test_locked

// ANCHOR: test_pin
#[rocket::async_test]
async fn a_wrong_pin_leaves_it_locked_and_the_right_pin_shows_everything() {
    let app = debug_app().await;
    let (john, page) = rename_to_taken(&app).await;
    let action = pin_form_action(&page);

    let locked = enter_pin(&john, &action, "000-000-000").await;
    assert!(locked.contains("Wrong PIN (1 of 10 tries used)"));
    assert!(!locked.contains("UNIQUE constraint"));

    let unlocked = enter_pin(&john, &action, &pin(&app)).await;
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
// ANCHOR_END: test_pin

/// `curl` says `Accept: */*`: the unlocked report comes as plain text, the
/// same report as the page, reference included.
#[rocket::async_test]
async fn a_client_that_does_not_ask_for_html_gets_the_report_as_text() {
    let app = debug_app().await;
    let (john, page) = rename_to_taken(&app).await;
    let unlocked = enter_pin(&john, &pin_form_action(&page), &pin(&app)).await;
    assert!(
        unlocked.contains("Copy as text"),
        "the page has the text too"
    );

    let reply = john
        .submit_with_header(
            "/edit_profile",
            &RENAME_TO_SUSAN,
            "Accept",
            "*/*".to_owned(),
        )
        .await;
    assert_eq!(reply.status, Status::InternalServerError);
    assert_eq!(reply.content_type, Some(ContentType::Plain));
    let text = reply.body;
    assert!(
        text.starts_with("database query failed\nReference E-"),
        "{text}"
    );
    assert!(
        text.contains("Caused by\n  error returned from database"),
        "{text}"
    );
    assert!(text.contains("POST /edit_profile"), "{text}");
    assert!(text.contains("common::routes::edit_profile"), "{text}");
    assert!(
        !text.contains("<code>") && !text.contains("&#x2F;"),
        "no markup: {text}"
    );
}

/// With an editor URL template, each of the app's own frames links to its
/// file and line.
#[rocket::async_test]
async fn with_an_editor_template_the_apps_frames_link_to_their_source() {
    let rocket = ch07_1_debug_mode::app();
    let figment = rocket
        .figment()
        .clone()
        .merge(("debugger_editor", "vscode://file/{file}:{line}"));
    let app = TestApp::new(rocket.configure(figment)).await;
    let (john, page) = rename_to_taken(&app).await;
    let unlocked = enter_pin(&john, &pin_form_action(&page), &pin(&app)).await;

    // Tera escapes `/` as `&#x2F;`. The path is absolute, as editors want it.
    let root = env!("CARGO_MANIFEST_DIR").trim_end_matches("chapters/ch07-1-debug-mode");
    let link = format!(
        r#"<a href="vscode:&#x2F;&#x2F;file&#x2F;{}common&#x2F;src&#x2F;routes.rs:"#,
        root.replace('/', "&#x2F;")
    );
    assert!(unlocked.contains(&link), "{link}");
    assert!(unlocked.contains("common&#x2F;src&#x2F;routes.rs:"));
}

#[rocket::async_test]
async fn once_unlocked_the_next_failure_shows_at_once() {
    let app = debug_app().await;
    let (john, page) = rename_to_taken(&app).await;
    enter_pin(&john, &pin_form_action(&page), &pin(&app)).await;

    let again = john.submit("/edit_profile", &RENAME_TO_SUSAN).await;
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

    let unlocked = enter_pin(&visitor, &pin_form_action(&page.body), &pin(&app)).await;
    let location = format!("tests&#x2F;debug_mode&#x2F;main.rs:{PANIC_LINE}:");
    assert!(unlocked.contains(&location), "expected {location}");
}

#[rocket::async_test]
async fn the_eleventh_wrong_pin_finds_the_debugger_locked_until_restart() {
    let app = debug_app().await;
    let (john, page) = rename_to_taken(&app).await;
    let action = pin_form_action(&page);

    for try_number in 1..=10 {
        let page = enter_pin(&john, &action, "111-111-111").await;
        assert!(!page.contains("UNIQUE constraint"), "try {try_number}");
    }
    let page = enter_pin(&john, &action, "222-222-222").await;
    assert!(page.contains("The debugger is locked: too many wrong PINs."));
    assert!(!page.contains(r#"<input name="pin""#));

    let page = enter_pin(&john, &action, &pin(&app)).await;
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
async fn a_pin_posted_from_another_site_is_refused_and_costs_no_try() {
    let app = debug_app().await;
    let (john, page) = rename_to_taken(&app).await;
    let action = pin_form_action(&page);

    // Enough tries to lock the debugger, if they counted.
    for origin in ["https://evil.example", "http://localhost:8001", "null"] {
        for _ in 0..4 {
            let status = post_pin_from(&john, origin, &action, "000-000-000").await;
            assert_eq!(status, Status::Forbidden, "from {origin}");
        }
    }
    // The app's own page names the app's own host and port.
    let status = post_pin_from(&john, "http://localhost:8000", &action, "000-000-000").await;
    assert_eq!(status, Status::SeeOther);

    let page = enter_pin(&john, &action, "111-111-111").await;
    assert!(
        page.contains("Wrong PIN (2 of 10 tries used)"),
        "only the two same-site tries count"
    );
    let page = enter_pin(&john, &action, &pin(&app)).await;
    assert!(page.contains("UNIQUE constraint failed: user.username"));
}

/// CVE-2024-34069 in Werkzeug: a page that reaches the debugger through DNS
/// rebinding gets neither its token nor a try, so it can lock nobody out.
#[rocket::async_test]
async fn a_foreign_host_gets_no_debugger_and_its_wrong_pins_cost_no_try() {
    let app = debug_app().await;
    let (john, page) = rename_to_taken(&app).await;
    let action = pin_form_action(&page);
    // The developer unlocks the debugger, on the app's own host.
    let unlocked = enter_pin(&john, &action, &pin(&app)).await;
    assert!(unlocked.contains("UNIQUE constraint failed: user.username"));

    // The rebound page cannot fetch the failure's page, which hands out the
    // CSRF token and the PIN form.
    let failure = action.replace("/unlock/", "/failure/");
    let (status, body) = get_on_host(&john, REBOUND_HOST, &failure).await;
    assert_eq!(status, Status::BadRequest);
    assert!(csrf_token_in(&body).is_none(), "no token: {body}");
    // Nor can it post wrong PINs: more than enough to lock the debugger, if
    // they counted, and each with a real token.
    for try_number in 1..=12 {
        let status = post_pin_to(REBOUND_HOST, &john, REBOUND_ORIGIN, &action, "000-000-000").await;
        assert_eq!(status, Status::BadRequest, "try {try_number}");
    }

    // The developer's session is still unlocked...
    let again = john.submit("/edit_profile", &RENAME_TO_SUSAN).await;
    assert!(again
        .body
        .contains("UNIQUE constraint failed: user.username"));
    // ...no try was used, and the right PIN, from a trusted host, still
    // unlocks a new session.
    let developer = app.browser().await;
    let page = developer.get("/panic").await.body;
    assert!(!page.contains("Wrong PIN") && !page.contains("locked: too many"));
    let action = pin_form_action(&page);
    for host in ["127.0.0.1:8000", "[::1]:8000", "LOCALHOST"] {
        let status = post_pin_to(host, &developer, &format!("http://{host}"), &action, "1").await;
        assert_eq!(status, Status::SeeOther, "{host} is trusted");
    }
    let page = enter_pin(&developer, &action, &pin(&app)).await;
    assert!(page.contains("panicked: the test handler panicked on purpose"));
}

/// On a foreign host a 500 is the ordinary error page: no detail, no PIN form,
/// not even for a session that unlocked the debugger.
#[rocket::async_test]
async fn a_500_on_a_foreign_host_shows_no_debug_page() {
    let app = debug_app().await;
    let visitor = app.browser().await;
    let page = visitor.get("/panic").await.body;
    enter_pin(&visitor, &pin_form_action(&page), &pin(&app)).await;

    let (status, page) = get_on_host(&visitor, REBOUND_HOST, "/panic").await;
    assert_eq!(status, Status::InternalServerError);
    for secret in ["panicked", ".rs", "__debugger", "PIN", "csrf_token"] {
        assert!(!page.contains(secret), "{secret} in {page}");
    }
    // The same session, on the app's own host, sees everything.
    let (_, page) = get_on_host(&visitor, "localhost:8000", "/panic").await;
    assert!(page.contains("panicked: the test handler panicked on purpose"));
}

/// `DEBUGGER_TRUSTED_HOSTS` (or `debugger_trusted_hosts`) adds hosts, say a
/// name the developer's VM has on the local network.
#[rocket::async_test]
async fn a_host_listed_in_the_config_is_trusted() {
    let rocket = ch07_1_debug_mode::app().mount("/", routes![panicking_handler]);
    let figment = rocket
        .figment()
        .clone()
        .merge(("debugger_trusted_hosts", "dev-vm.local, other.example"));
    let app = TestApp::new(rocket.configure(figment)).await;
    let visitor = app.browser().await;

    let (status, page) = get_on_host(&visitor, "dev-vm.local:8000", "/panic").await;
    assert_eq!(status, Status::InternalServerError);
    assert!(page.contains(r#"<input name="pin""#), "{page}");
    let (_, page) = get_on_host(&visitor, REBOUND_HOST, "/panic").await;
    assert!(!page.contains("PIN"), "{page}");
}

#[rocket::async_test]
async fn a_pin_without_the_visitors_csrf_token_is_refused_and_costs_no_try() {
    let app = debug_app().await;
    let (john, page) = rename_to_taken(&app).await;
    let action = pin_form_action(&page);
    let stranger = app.browser().await;

    let pin = ("pin", "000-000-000");
    let bodies = [
        form_body(&[pin]),
        form_body(&[pin, ("csrf_token", "forged")]),
        // A real token, but another visitor's.
        form_body(&[pin, ("csrf_token", &stranger.csrf_token())]),
    ];
    for body in &bodies {
        let reply = john.post_raw(&action, body).await;
        assert_eq!(reply.status, Status::Forbidden, "{body}");
    }

    let page = enter_pin(&john, &action, "111-111-111").await;
    assert!(
        page.contains("Wrong PIN (1 of 10 tries used)"),
        "only the try with the token counts"
    );
    assert_eq!(csrf_token_in(&page), Some(john.csrf_token().as_str()));
}

#[rocket::async_test]
async fn a_first_visit_that_fails_leads_to_a_pin_form_that_works() {
    let app = debug_app().await;
    // The local client itself keeps no cookies: a visitor with no CSRF token yet.
    let response = app.client.get("/panic").dispatch().await;
    assert_eq!(response.status(), Status::InternalServerError);
    let page = response.into_string().await.unwrap_or_default();
    assert!(
        !page.contains(r#"<input name="pin""#),
        "no form it could send"
    );
    let start = page
        .find("/__debugger/failure/")
        .expect("a link to the failure");
    let end = page[start..].find('"').expect("end of the link") + start;

    let response = app.client.get(&page[start..end]).dispatch().await;
    assert_eq!(response.status(), Status::Ok);
    let cookie = response.cookies().get("csrf_token").cloned();
    let page = response.into_string().await.unwrap_or_default();
    let token = csrf_token_in(&page).expect("a hidden CSRF field");
    let reply = app
        .client
        .post(pin_form_action(&page))
        .header(ContentType::Form)
        .cookies(cookie)
        .body(form_body(&[("pin", &pin(&app)), ("csrf_token", token)]))
        .dispatch()
        .await;
    assert_eq!(reply.status(), Status::SeeOther);
    assert!(
        reply.cookies().get("debugger_unlocked").is_some(),
        "unlocked"
    );
}

#[rocket::async_test]
async fn an_unknown_or_forgotten_failure_is_not_found() {
    let app = debug_app().await;
    let visitor = app.browser().await;
    let first = failure_id(&visitor.get("/panic").await.body);
    let unknown = format!("/__debugger/failure/{}", first + 1000);
    assert_eq!(visitor.get(&unknown).await.status, Status::NotFound);

    // The debugger keeps the last 32 failures.
    let kept = format!("/__debugger/failure/{first}");
    assert_eq!(visitor.get(&kept).await.status, Status::Ok);
    for _ in 0..32 {
        visitor.get("/panic").await;
    }
    assert_eq!(visitor.get(&kept).await.status, Status::NotFound);
}

#[rocket::async_test]
async fn cookie_values_never_appear_on_the_debug_page() {
    let app = debug_app().await;
    let (john, page) = rename_to_taken(&app).await;
    enter_pin(&john, &pin_form_action(&page), &pin(&app)).await;
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
    for path in ["/__debugger/unlock/1", "/__debugger/failure/1"] {
        let reply = john.post_raw(path, "pin=1").await;
        assert_eq!(reply.status, Status::NotFound, "{path}");
    }
}

#[rocket::async_test]
async fn markup_in_the_request_is_escaped_on_the_debug_page() {
    let app = debug_app().await;
    let visitor = app.browser().await;
    let page = visitor.get("/panic").await;
    enter_pin(&visitor, &pin_form_action(&page.body), &pin(&app)).await;

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
