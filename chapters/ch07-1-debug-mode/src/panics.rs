//! Panics as failures. Machinery: a learner can skip this module on a first read.
//!
//! Rocket catches a handler's panic and answers 500, but the payload (the
//! message) is dropped before any catcher runs. A panic hook sees it first: it
//! keeps the message, location and backtrace, filed under the tokio task that
//! panicked. The app manages them as common's [`Uncaught`] failures, so the
//! first to ask for the 500's `Failure` (the 500 catcher, the debug page, or
//! at the latest this module's fairing) records the request's own panic, and
//! its page, its log line and its mail share one reference.
//!
//! The hook is the process's (std has one). Each app adds a link to its chain
//! that files every panic in the app's own map, and holds that map weakly: an
//! app that is dropped leaves a link that does nothing. Two apps in one process
//! both file every panic, and each takes only its own requests' panics out.

use std::collections::HashMap;
use std::panic::PanicHookInfo;
use std::sync::{Arc, Mutex, PoisonError, Weak};

use backtrace::Backtrace;
use common::failure::{Failure, Frame, Uncaught};
use rocket::fairing::{Fairing, Info, Kind};
use rocket::http::Status;
use rocket::tokio::task;
use rocket::{Request, Response};

/// Panics waiting for their request's response, by the tokio task that ran the
/// request (the server spawns one per request), or by thread where there is no
/// task (Rocket's local test client). A panic outside a request is never
/// collected, so the map is kept small.
type Pending = Mutex<HashMap<Runner, Panicked>>;

#[derive(Debug)]
struct Panicked {
    message: String,
    location: Option<String>,
    backtrace: Backtrace,
}

#[derive(Debug, PartialEq, Eq, Hash)]
enum Runner {
    Task(task::Id),
    Thread(std::thread::ThreadId),
}

fn runner() -> Runner {
    task::try_id().map_or_else(|| Runner::Thread(std::thread::current().id()), Runner::Task)
}
const MAX_PENDING: usize = 64;

/// Held while a link is added to the hook chain. `take_hook` and `set_hook`
/// are two calls: two apps starting at once (tests do) could both take the
/// same hook, and one app's link would be lost. std's `update_hook`, which
/// does both at once, is not stable yet; this lock is its stand-in, and holds
/// no state.
static HOOK_CHAIN: Mutex<()> = Mutex::new(());

/// The app's panics, as [`Uncaught`] failures for it to manage, with the hook
/// link that files them.
pub fn uncaught() -> Uncaught {
    let pending: Arc<Pending> = Arc::default();
    // ANCHOR: panic_hook
    let filed = Arc::downgrade(&pending);
    let _adding = HOOK_CHAIN.lock().unwrap_or_else(PoisonError::into_inner);
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        file_panic(&filed, info);
        // Still print the usual "thread ... panicked at" line.
        previous(info);
    }));
    // ANCHOR_END: panic_hook
    Uncaught::new(move || take(&pending))
}

fn file_panic(pending: &Weak<Pending>, info: &PanicHookInfo<'_>) {
    let Some(pending) = pending.upgrade() else {
        return;
    };
    let message = info
        .payload()
        .downcast_ref::<&str>()
        .map(|text| text.to_string())
        .or_else(|| info.payload().downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "Box<dyn Any>".to_owned());
    let panicked = Panicked {
        message: format!("panicked: {message}"),
        location: info.location().map(ToString::to_string),
        // Looked up later, and only if the panic was a request's.
        backtrace: Backtrace::new_unresolved(),
    };
    let Ok(mut pending) = pending.lock() else {
        return;
    };
    if pending.len() >= MAX_PENDING {
        pending.clear();
    }
    pending.insert(runner(), panicked);
}

/// The panic of the request this task (or thread) is answering, if any.
fn take(pending: &Pending) -> Option<Failure> {
    let panicked = pending.lock().ok()?.remove(&runner())?;
    Some(Failure::new(
        panicked.message,
        Vec::new(),
        panicked.location,
        // The frames below the hook in this file: the stack starts at the panic.
        Frame::since(file!(), Frame::all_of(panicked.backtrace)),
    ))
}

/// For a 500 that nothing asked about (no catcher of the app's own, no debug
/// page): asks, so that a panic is still recorded and logged.
pub struct RecordEvery500;

#[rocket::async_trait]
impl Fairing for RecordEvery500 {
    fn info(&self) -> Info {
        Info {
            name: "Panic capture",
            kind: Kind::Response,
        }
    }

    async fn on_response<'r>(&self, req: &'r Request<'_>, res: &mut Response<'r>) {
        // Rocket runs the handler, its catcher and these fairings on one task.
        if res.status() == Status::InternalServerError {
            Failure::of(req);
        }
    }
}
