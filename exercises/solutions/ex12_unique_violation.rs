//! # Exercise 12 · Fixing the duplicate username bug: the race
//!
//! Exercise 11's check has a race, and so does the tutorial's: two requests
//! can both find the name free, and the second one's UPDATE then runs into the
//! unique index, which answers with an error, and the visitor with a 500. The
//! index is right to refuse; only the answer is wrong. This app has no check
//! at all, so every taken name meets the index, as the race's loser does. Make
//! the index's refusal the same form error as the check's:
//!
//! 1. `is_username_taken`: whether an error is the unique index on
//!    `user.username` refusing a write. sqlx says whether a database error is
//!    a unique violation, and SQLite's message names the column:
//!    `UNIQUE constraint failed: user.username`. Any other error is not.
//! 2. In `edit_profile`, when `save_profile` fails that way, show the form
//!    with `USERNAME_TAKEN`, as the check would have. Any other database error
//!    is still the 500 it was.
//!
//! Nothing is saved when the UPDATE fails: it changes both columns, or
//! neither. The chapter's version is step 5's `edit_profile`, in
//! chapters/ch07-5-duplicate-username/.
//!
//! Check it: `cargo test -p exercises --test ex12`
//! Stuck? `cargo run -p exercises --bin hint -- 12`

use rocket::form::{Form, FromForm};
use rocket::{post, State};
use sqlx::SqlitePool;

// The app around the exercise: given, in exercises/given/edit_profile_app.rs.
#[path = "../given/edit_profile_app.rs"]
mod given;
pub use given::*;

pub const USERNAME_TAKEN: &str = "Please use a different username.";

#[derive(Debug, FromForm)]
pub struct EditProfileForm {
    pub username: String,
    pub about_me: String,
}

#[post("/edit_profile", data = "<form>")]
pub async fn edit_profile(
    current_user: CurrentUser,
    form: Form<EditProfileForm>,
    db: &State<SqlitePool>,
) -> Result<Reply, DbError> {
    // Exercise 11's check would come first; this app leaves it out, so that
    // every taken name reaches the unique index, as the race's loser does.
    match save_profile(db, current_user.id, &form).await {
        Ok(()) => Ok(Reply::Saved),
        // The race: the name was free at the check, and taken by the write.
        Err(error) if is_username_taken(&error) => {
            Ok(Reply::Form(render_form(&form, Some(USERNAME_TAKEN))))
        }
        Err(error) => Err(error.into()),
    }
}

/// Whether `error` is the unique index on `user.username` refusing a write.
pub fn is_username_taken(error: &sqlx::Error) -> bool {
    error.as_database_error().is_some_and(|error| {
        error.is_unique_violation() && error.message().ends_with("user.username")
    })
}
