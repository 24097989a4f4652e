//! Panics as failures. Rocket catches a handler's panic and answers 500, but the
//! payload (the message) is dropped before any catcher runs. A panic hook sees it
//! first: it keeps the message, location and backtrace for the tokio task that
//! panicked, and the response fairing hands them to the request as its `Failure`.

use std::backtrace::Backtrace;
use std::collections::HashMap;
use std::panic::PanicHookInfo;
use std::sync::{Mutex, Once};

use common::Failure;
use rocket::fairing::{Fairing, Info, Kind};
use rocket::http::Status;
use rocket::tokio::task;
use rocket::{Request, Response};

/// Panics waiting for their request's response, by the tokio task that ran the
/// request (the server spawns one per request), or by thread where there is no
/// task (Rocket's local test client). A panic outside a request is never
/// collected, so the map is kept small.
static PENDING: Mutex<Option<HashMap<Runner, Failure>>> = Mutex::new(None);

#[derive(Debug, PartialEq, Eq, Hash)]
enum Runner {
    Task(task::Id),
    Thread(std::thread::ThreadId),
}

fn runner() -> Runner {
    task::try_id().map_or_else(|| Runner::Thread(std::thread::current().id()), Runner::Task)
}
const MAX_PENDING: usize = 64;

// ANCHOR: panic_hook
fn install_hook() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            keep(info);
            // Still print the usual "thread ... panicked at" line.
            previous(info);
        }));
    });
}
// ANCHOR_END: panic_hook

fn keep(info: &PanicHookInfo<'_>) {
    let message = info
        .payload()
        .downcast_ref::<&str>()
        .map(|text| text.to_string())
        .or_else(|| info.payload().downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "Box<dyn Any>".to_owned());
    let failure = Failure {
        message: format!("panicked: {message}"),
        causes: Vec::new(),
        location: info.location().map(ToString::to_string),
        backtrace: Backtrace::force_capture(),
    };
    let Ok(mut pending) = PENDING.lock() else {
        return;
    };
    let pending = pending.get_or_insert_with(HashMap::new);
    if pending.len() >= MAX_PENDING {
        pending.clear();
    }
    pending.insert(runner(), failure);
}

fn take() -> Option<Failure> {
    PENDING.lock().ok()?.as_mut()?.remove(&runner())
}

struct PanicCapture;

pub fn fairing() -> impl Fairing {
    install_hook();
    PanicCapture
}

#[rocket::async_trait]
impl Fairing for PanicCapture {
    fn info(&self) -> Info {
        Info {
            name: "Panic capture",
            kind: Kind::Response,
        }
    }

    async fn on_response<'r>(&self, req: &'r Request<'_>, res: &mut Response<'r>) {
        // Rocket runs the handler, its catcher and these fairings on one task.
        if res.status() == Status::InternalServerError && Failure::of(req).is_none() {
            if let Some(failure) = take() {
                failure.record(req);
            }
        }
    }
}
