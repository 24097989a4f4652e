//! An event as one text, for the error mail here and step 4's log line.
//! Machinery: a learner can skip this module on a first read.
//!
//! The text is the message, then the event's other fields as ` key=value`
//! (` reference=E-3f9a21c0`), all on one line: every control character in
//! them (CR and LF included) is escaped, so no text a visitor sent can start
//! a line that looks like another record. Then a failure's `backtrace`, the
//! app's own frames, each on a line below. A failed request's `kind`,
//! `root_cause` and `origin` are for the error mail's grouping key, not for
//! reading: they are kept apart, out of the text.

use std::fmt::Write as _;

use common::failure::escaped;
use tracing::field::{Field, Visit};
use tracing::Event;
use tracing_subscriber::field::RecordFields;

/// One event, read: its text, and the fields the error mail keeps apart.
#[derive(Debug, Default)]
pub struct EventText {
    message: String,
    fields: String,
    /// `backtrace`: lines below the record's own, each starting with a newline.
    backtrace: String,
    /// `reference`: the failure's `E-3f9a21c0` (in the text too).
    pub(crate) reference: Option<String>,
    /// `kind`: what kind of failure it is (`Database`, or a panic's location).
    pub(crate) kind: Option<String>,
    /// `root_cause`: the kind of its innermost cause (empty when none).
    pub(crate) root_cause: Option<String>,
    /// `origin`: the innermost frame of the app's own code (empty when none).
    pub(crate) origin: Option<String>,
}

impl EventText {
    /// The text of `event`.
    pub fn of(event: &Event<'_>) -> String {
        Self::read(event).text()
    }

    pub(crate) fn read(fields: impl RecordFields) -> EventText {
        let mut text = EventText::default();
        fields.record(&mut text);
        text
    }

    pub(crate) fn text(&self) -> String {
        let mut text = escaped(&self.message).into_owned();
        text.push_str(&self.fields);
        for line in self.backtrace.split('\n').skip(1) {
            text.push('\n');
            text.push_str(&escaped(line));
        }
        text
    }
}

impl Visit for EventText {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let value = format!("{value:?}");
        match field.name() {
            "message" => self.message.push_str(&value),
            // Which failures are the same one: for grouping, not for reading.
            "kind" => self.kind = Some(value),
            "root_cause" => self.root_cause = Some(value),
            "origin" => self.origin = Some(value),
            "backtrace" => self.backtrace = value,
            // Where a `log` record (Rocket's) came from, which tracing-log
            // adds as it bridges the record: tracing-subscriber's own
            // formatter leaves these out, and so does this.
            name if name.starts_with("log.") => {}
            name => {
                let _ = write!(self.fields, " {name}={}", escaped(&value));
                if name == "reference" {
                    self.reference = Some(value);
                }
            }
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "message" => self.message.push_str(value),
            "kind" => self.kind = Some(value.to_owned()),
            "root_cause" => self.root_cause = Some(value.to_owned()),
            "origin" => self.origin = Some(value.to_owned()),
            "backtrace" => self.backtrace = value.to_owned(),
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
    fn the_text_is_the_message_then_the_fields_then_the_backtrace_below() {
        let read = read(|| {
            tracing::error!(
                reference = %"E-3f9a21c0",
                backtrace = %"\n  at frame one\n  at frame two",
                "boom"
            )
        });
        assert_eq!(
            read.text(),
            "boom reference=E-3f9a21c0\n  at frame one\n  at frame two"
        );
        assert_eq!(read.reference.as_deref(), Some("E-3f9a21c0"));
    }

    /// A record is one line, whatever its message and fields hold: CR, LF and
    /// every other control character come out escaped (a forged record would
    /// otherwise start at the newline). Only the backtrace's own newlines
    /// start lines, each below the record's.
    #[test]
    fn newlines_and_control_characters_in_the_message_and_fields_are_escaped() {
        let forged = "\n2099-01-01 00:00:00,000 ERROR: Exception on /admin [GET]";
        let read = read(|| {
            tracing::error!(
                user = %format!("eve\r{forged}"),
                backtrace = %"\n  frame\u{1b}[2J",
                "panicked: 1:\u{e9}{forged}\u{7}"
            )
        });
        assert_eq!(
            read.text(),
            "panicked: 1:\u{e9}\\u{a}2099-01-01 00:00:00,000 ERROR: Exception on /admin [GET]\\u{7} \
             user=eve\\u{d}\\u{a}2099-01-01 00:00:00,000 ERROR: Exception on /admin [GET]\n  frame\\u{1b}[2J"
        );
    }

    #[test]
    fn a_bridged_log_records_origin_fields_are_left_out() {
        let read = read(|| {
            tracing::info!(
                log.target = "rocket::launch",
                log.file = "config.rs",
                log.line = 405,
                "Configured for debug."
            )
        });
        assert_eq!(read.text(), "Configured for debug.");
    }

    #[test]
    fn a_failures_kind_and_origin_are_kept_out_of_the_text() {
        let read = read(|| {
            tracing::error!(
                reference = %"E-3f9a21c0",
                kind = %"Database",
                root_cause = %"sqlx::Error::Database(code 2067)",
                origin = %"common::routes::edit_profile at common/src/routes.rs:290",
                "Exception on /edit_profile [POST]: database query failed"
            )
        });
        assert_eq!(
            read.text(),
            "Exception on /edit_profile [POST]: database query failed reference=E-3f9a21c0"
        );
        assert_eq!(read.kind.as_deref(), Some("Database"));
        assert_eq!(
            read.root_cause.as_deref(),
            Some("sqlx::Error::Database(code 2067)")
        );
        assert_eq!(
            read.origin.as_deref(),
            Some("common::routes::edit_profile at common/src/routes.rs:290")
        );
    }
}
