//! An event as one text, for the error mail here and step 4's log line.
//! Machinery: a learner can skip this module on a first read.
//!
//! The text is the message's first line, then the event's other fields as
//! ` key=value` (` reference=E-3f9a21c0`), then the rest of the message (a
//! backtrace). A failed request's `kind` and `origin` are for the error mail's
//! grouping key, not for reading: they are kept apart, out of the text.

use std::fmt::Write as _;

use tracing::field::{Field, Visit};
use tracing::Event;

/// One event, read: its text, and the fields the error mail keeps apart.
#[derive(Debug, Default)]
pub struct EventText {
    message: String,
    fields: String,
    /// `reference`: the failure's `E-3f9a21c0` (in the text too).
    pub(crate) reference: Option<String>,
    /// `kind`: the failure's own message, without its causes.
    pub(crate) kind: Option<String>,
    /// `origin`: the first frame of the app's own code (empty when none).
    pub(crate) origin: Option<String>,
}

impl EventText {
    /// The text of `event`.
    pub fn of(event: &Event<'_>) -> String {
        Self::read(event).text()
    }

    pub(crate) fn read(event: &Event<'_>) -> EventText {
        let mut text = EventText::default();
        event.record(&mut text);
        text
    }

    pub(crate) fn text(&self) -> String {
        let (first, rest) = match self.message.split_once('\n') {
            Some((first, rest)) => (first, Some(rest)),
            None => (self.message.as_str(), None),
        };
        let mut text = format!("{first}{}", self.fields);
        if let Some(rest) = rest {
            text.push('\n');
            text.push_str(rest);
        }
        text
    }
}

impl Visit for EventText {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        match field.name() {
            "message" => {
                let _ = write!(self.message, "{value:?}");
            }
            // Which failures are the same one: for grouping, not for reading.
            "kind" => self.kind = Some(format!("{value:?}")),
            "origin" => self.origin = Some(format!("{value:?}")),
            name => {
                if name == "reference" {
                    self.reference = Some(format!("{value:?}"));
                }
                let _ = write!(self.fields, " {name}={value:?}");
            }
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "message" => self.message.push_str(value),
            "kind" => self.kind = Some(value.to_owned()),
            "origin" => self.origin = Some(value.to_owned()),
            _ => self.record_debug(field, &value),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `EventText` of the one event that `log` logs.
    fn read(log: impl FnOnce()) -> EventText {
        use std::sync::{Arc, Mutex};
        use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

        struct Reader(Arc<Mutex<Option<EventText>>>);
        impl<S: tracing::Subscriber> Layer<S> for Reader {
            fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
                if let Ok(mut read) = self.0.lock() {
                    *read = Some(EventText::read(event));
                }
            }
        }
        let read = Arc::new(Mutex::new(None));
        let subscriber = tracing_subscriber::registry().with(Reader(read.clone()));
        tracing::subscriber::with_default(subscriber, log);
        let read = read.lock().expect("lock").take();
        read.expect("one event")
    }

    #[test]
    fn the_text_is_the_first_line_then_the_fields_then_the_other_lines() {
        let read = read(|| tracing::error!(reference = %"E-3f9a21c0", "boom\n  at frame one"));
        assert_eq!(read.text(), "boom reference=E-3f9a21c0\n  at frame one");
        assert_eq!(read.reference.as_deref(), Some("E-3f9a21c0"));
    }

    #[test]
    fn a_failures_kind_and_origin_are_kept_out_of_the_text() {
        let read = read(|| {
            tracing::error!(
                reference = %"E-3f9a21c0",
                kind = %"database query failed",
                origin = %"common::routes::edit_profile at common/src/routes.rs:290",
                "Exception on /edit_profile [POST]: database query failed"
            )
        });
        assert_eq!(
            read.text(),
            "Exception on /edit_profile [POST]: database query failed reference=E-3f9a21c0"
        );
        assert_eq!(read.kind.as_deref(), Some("database query failed"));
        assert_eq!(
            read.origin.as_deref(),
            Some("common::routes::edit_profile at common/src/routes.rs:290")
        );
    }
}
