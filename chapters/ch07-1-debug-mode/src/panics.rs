//! Panics as failures. Machinery: a learner can skip this module.
//!
//! Rocket catches a handler's panic and answers 500, but the payload (the
//! message) is dropped before any catcher runs. A panic hook sees it first: it
//! keeps the message, location and backtrace for the tokio task that panicked,
//! and the response fairing hands them to the request as its `Failure`.
//!
//! The hook is the process's (std has one), but what it keeps belongs to the
//! app: each app adds a link to the hook chain that feeds its own
//! [`PendingPanics`], so two apps in one process keep theirs apart.

use std::collections::HashMap;
use std::panic::PanicHookInfo;
use std::sync::{Arc, Mutex};

use backtrace::Backtrace;
use common::error::{Failure, Frame};
use rocket::fairing::{Fairing, Info, Kind};
use rocket::http::Status;
use rocket::tokio::task;
use rocket::{Request, Response};

/// Panics waiting for their request's response, by the tokio task that ran the
/// request (the server spawns one per request), or by thread where there is no
/// task (Rocket's local test client). A panic outside a request is never
/// collected, so the map is kept small.
#[derive(Debug, Clone, Default)]
struct PendingPanics(Arc<Mutex<HashMap<Runner, Panicked>>>);

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

/// The fairing `debug_mode()` attaches, with the hook link that feeds it.
pub fn fairing() -> impl Fairing {
    let pending = PendingPanics::default();
    // ANCHOR: panic_hook
    let keep = pending.clone();
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        keep.keep(info);
        // Still print the usual "thread ... panicked at" line.
        previous(info);
    }));
    // ANCHOR_END: panic_hook
    PanicCapture(pending)
}

impl PendingPanics {
    fn keep(&self, info: &PanicHookInfo<'_>) {
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
        let Ok(mut pending) = self.0.lock() else {
            return;
        };
        if pending.len() >= MAX_PENDING {
            pending.clear();
        }
        pending.insert(runner(), panicked);
    }

    fn take(&self) -> Option<Failure> {
        let panicked = self.0.lock().ok()?.remove(&runner())?;
        Some(Failure::new(
            panicked.message,
            Vec::new(),
            panicked.location,
            Frame::since(file!(), Frame::all_of(panicked.backtrace)),
        ))
    }
}

struct PanicCapture(PendingPanics);

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
            if let Some(failure) = self.0.take() {
                failure.record(req);
            }
        }
    }
}
