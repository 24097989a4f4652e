//! How a flood of errors stays a few mails: which failures are one group
//! (the grouping key), the rate limit, and the list of what was not mailed.
//! Machinery: a learner can skip this module on a first read.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// Which failures are the same one: the failure's `kind` (`Database`, or a
/// panic's location), its `root_cause`'s kind (`sqlx::Error::PoolTimedOut`)
/// and its `origin` (the innermost frame of the app's own code), as common's
/// failure record gives them, each decided by the app from types, never free
/// text from the request. A record with none of them has no key.
pub(super) fn grouping_key(
    kind: Option<&str>,
    root_cause: Option<&str>,
    origin: Option<&str>,
) -> Option<String> {
    if kind.is_none() && root_cause.is_none() && origin.is_none() {
        return None;
    }
    let kind = kind.unwrap_or_default();
    let caused = match root_cause.unwrap_or_default() {
        "" => String::new(),
        root_cause => format!(" ({root_cause})"),
    };
    let origin = origin.unwrap_or_default();
    Some(format!("{kind}{caused} in {origin}"))
}

// ANCHOR: rate_limit
/// At most `limit` sends in any `window`.
#[derive(Debug)]
pub(super) struct RateLimit {
    pub(super) limit: usize,
    pub(super) window: Duration,
    sent: VecDeque<Instant>,
}

impl RateLimit {
    pub(super) fn new(limit: usize, window: Duration) -> Self {
        RateLimit {
            limit,
            window,
            sent: VecDeque::new(),
        }
    }

    pub(super) fn allow(&mut self, now: Instant) -> bool {
        while self
            .sent
            .front()
            .is_some_and(|&sent| now.duration_since(sent) >= self.window)
        {
            self.sent.pop_front();
        }
        if self.sent.len() < self.limit {
            self.sent.push_back(now);
            true
        } else {
            false
        }
    }
}
// ANCHOR_END: rate_limit

/// Failures with one grouping key, mailed once, then counted until the window
/// closes.
#[derive(Debug)]
pub(super) struct Group {
    pub(super) first: String,
    pub(super) last: String,
    pub(super) repeats: u64,
    pub(super) closes: Instant,
    /// Whether the mail of its first failure was delivered.
    pub(super) first_mailed: bool,
}

/// The failures that no mail has told of yet, by group: each group's count
/// and its first reference, in the order they came, so that a flood of new
/// kinds cannot hide a real failure among them. At most [`NotMailed::GROUPS`]
/// groups are listed; the rest, and the records that found the queue full
/// (which never reached the sender, so have no group), are counted.
#[derive(Debug, Default)]
pub(super) struct NotMailed {
    pub(super) groups: Vec<NotMailedGroup>,
    /// Failures of groups beyond [`NotMailed::GROUPS`].
    pub(super) unlisted: u64,
    /// Records dropped from a full queue.
    pub(super) queue_full: u64,
}

#[derive(Debug)]
pub(super) struct NotMailedGroup {
    /// The grouping key; `None` for an ERROR that is not a failed request.
    pub(super) key: Option<String>,
    pub(super) count: u64,
    pub(super) first: String,
}

impl NotMailed {
    pub(super) const GROUPS: usize = 50;

    /// `count` failures of group `key`, the first of them `first`.
    pub(super) fn add(&mut self, key: Option<&str>, count: u64, first: &str) {
        if count == 0 {
            return;
        }
        if let Some(group) = self
            .groups
            .iter_mut()
            .find(|group| key.is_some() && group.key.as_deref() == key)
        {
            group.count += count;
        } else if self.groups.len() < Self::GROUPS {
            self.groups.push(NotMailedGroup {
                key: key.map(str::to_owned),
                count,
                first: first.to_owned(),
            });
        } else {
            self.unlisted += count;
        }
    }

    /// `later`'s failures added to these, as if they had come after.
    pub(super) fn merge(&mut self, later: NotMailed) {
        for group in later.groups {
            self.add(group.key.as_deref(), group.count, &group.first);
        }
        self.unlisted += later.unlisted;
        self.queue_full += later.queue_full;
    }

    pub(super) fn total(&self) -> u64 {
        self.groups.iter().map(|group| group.count).sum::<u64>() + self.unlisted + self.queue_full
    }
}

/// One mail to send, and the failures it tells of, counted if it fails.
pub(super) struct Outgoing {
    pub(super) subject: Option<String>,
    pub(super) text: String,
    pub(super) key: Option<String>,
    /// The reference its failures are listed under if it is not delivered.
    pub(super) first: String,
    pub(super) failures: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failures_kind_root_cause_and_origin_are_its_grouping_key_and_a_record_with_none_has_none()
    {
        let origin = "common::routes::edit_profile at common/src/routes.rs:290";
        let key = |root_cause| grouping_key(Some("Database"), Some(root_cause), Some(origin));
        assert_eq!(
            key("sqlx::Error::Database(code 2067)").as_deref(),
            Some("Database (sqlx::Error::Database(code 2067)) in common::routes::edit_profile at common/src/routes.rs:290")
        );
        let causes = [
            "sqlx::Error::Database(code 14)",
            "sqlx::Error::Database(code 5)",
            "sqlx::Error::Database(code 8)",
            "sqlx::Error::PoolTimedOut",
        ];
        let keys: std::collections::HashSet<_> = causes.into_iter().map(key).collect();
        assert_eq!(keys.len(), 4, "one group per root cause: {keys:?}");
        assert_eq!(
            grouping_key(Some("panic at src/flash.rs:259:25"), Some(""), Some("")).as_deref(),
            Some("panic at src/flash.rs:259:25 in ")
        );
        assert_eq!(grouping_key(None, None, None), None);
    }

    #[test]
    fn the_rate_limit_allows_its_limit_per_window_then_frees_a_slot_as_one_ages_out() {
        let window = Duration::from_millis(100);
        let mut limit = RateLimit::new(2, window);
        let start = Instant::now();
        assert!(limit.allow(start));
        assert!(limit.allow(start + Duration::from_millis(10)));
        assert!(!limit.allow(start + Duration::from_millis(20)));
        // The first send is a whole window old: its slot is free again.
        assert!(limit.allow(start + window));
        assert!(!limit.allow(start + window + Duration::from_millis(5)));
        // Both later sends have aged out too.
        assert!(limit.allow(start + window * 3));
        assert!(limit.allow(start + window * 3));
    }
}
