//! Step 1: debug mode. The lesson is in `debug_page.rs`: the [`DebugPage`]
//! fairing, which swaps every 500 for a report of its failure. This file
//! attaches it in the debug profile. The other modules are machinery.
//!
//! Flask's `FLASK_DEBUG=1` turns an unhandled exception into Werkzeug's debugger
//! page: the traceback with each frame's source, locked behind a PIN printed on
//! the terminal. Rocket's debug profile (what `cargo run` uses) gets the same here.
//! Outside debug nothing is added but the panic capture, which makes a handler's
//! panic a logged error like any other.

mod debug_page;
mod panics;
mod pin_lock;
mod shown;
mod trusted_hosts;

use rocket::fairing::AdHoc;
use rocket::{Build, Config, Rocket};

pub use debug_page::{replaces_the_500_page, DebugPage};
pub use pin_lock::Debugger;
pub use trusted_hosts::TrustedHosts;

// ANCHOR: app
/// `common::app()` plus debug mode.
pub fn app() -> Rocket<Build> {
    common::app().attach(debug_mode())
}
// ANCHOR_END: app

// ANCHOR: debug_mode
/// Everything this step adds, as one fairing a later step's `app()` inherits.
pub fn debug_mode() -> AdHoc {
    AdHoc::on_ignite("Debug mode", |rocket| async {
        // Every profile: a panic in a handler is the request's failure, shown
        // and logged just as an `AppError` is.
        let rocket = rocket
            .manage(panics::uncaught())
            .attach(panics::RecordEvery500);
        // `app.debug` in Flask. Release never mounts the debugger at all.
        if rocket.figment().profile() != Config::DEBUG_PROFILE {
            return rocket;
        }
        // DEBUGGER_EDITOR=vscode://file/{file}:{line}: links to an editor.
        let editor = std::env::var("DEBUGGER_EDITOR").ok();
        let editor = editor.or_else(|| rocket.figment().extract_inner("debugger_editor").ok());
        let debugger = Debugger::new(editor);
        let pin_line = format!("Debugger PIN: {}", debugger.pin());
        // Werkzeug's trusted hosts: no debugger for a foreign `Host`.
        let trusted_hosts = TrustedHosts::from_config(rocket.figment());
        rocket
            .manage(debugger)
            .manage(trusted_hosts)
            .mount("/__debugger", pin_lock::routes())
            .attach(DebugPage)
            .attach(AdHoc::on_liftoff("Debugger PIN", |_| {
                Box::pin(async move { println!("{pin_line}") })
            }))
    })
}
// ANCHOR_END: debug_mode
