//! Step 5: fixing the duplicate username bug. The lesson is in this file: the
//! fixed `edit_profile` handler, and `app()`, which puts it in front of
//! chapter 6's.
//!
//! Flask's fix is `EditProfileForm.validate_username`: if the name changed, look
//! it up, and if someone has it, fail the form with "Please use a different
//! username.". That check alone races: two requests can both find the name
//! free, and the second write then hits the unique index, a 500 again. So here
//! the unique index has the last word, and its violation becomes the same form
//! error.

use rocket::{post, routes, Build, Rocket, Route};

use common::csrf::{CsrfForm, CsrfToken};
use common::db::{Connection, Db};
use common::forms::{EditProfileForm, USERNAME_TAKEN};
use common::models::SaveError;
use common::routes::{profile_saved, render_edit_profile, FormReply};
use common::{AppError, Page, User};

// ANCHOR: app
/// Step 4's `app()`, with chapter 6's edit-profile handler replaced by the
/// fixed one below.
pub fn app() -> Rocket<Build> {
    let app = ch07_4_file_logging::app();
    let fixed = in_front_of_chapter_6(&app, routes![edit_profile]);
    app.mount("/", fixed)
}

/// Rocket tries the routes that match a request in rank order, lowest first,
/// and refuses two routes of the same method, path and rank. Chapter 6's
/// `POST /edit_profile` has the default rank of a plain path; each fixed route
/// takes the rank just below the one it replaces, so it answers every such
/// request, and chapter 6's is never reached.
fn in_front_of_chapter_6(app: &Rocket<Build>, mut fixed: Vec<Route>) -> Vec<Route> {
    for route in &mut fixed {
        let replaced = app
            .routes()
            .filter(|old| old.method == route.method && old.uri.path() == route.uri.path())
            .map(|old| old.rank)
            .min();
        if let Some(rank) = replaced {
            route.rank = rank - 1;
        }
    }
    fixed
}
// ANCHOR_END: app

// ANCHOR: edit_profile
/// Chapter 6's handler with `validate_username`, and the unique index behind it.
#[post("/edit_profile", data = "<form>")]
pub async fn edit_profile(
    current_user: &User,
    form: CsrfForm<EditProfileForm>,
    page: Page<'_>,
    csrf: CsrfToken,
    mut db: Connection<Db>,
) -> Result<FormReply, AppError> {
    let CsrfForm(form) = form;
    // ANCHOR: validate_username
    let mut errors = form.validate();
    // `validate_username`: keeping your own name is fine.
    if *form.username != current_user.username
        && User::username_taken(&mut db, &form.username).await?
    {
        errors.add("username", USERNAME_TAKEN);
    }
    if errors.is_empty() {
        let mut tx = db.begin().await?;
        match User::update_profile(&mut tx, current_user.id, &form.username, &form.about_me).await {
            Ok(()) => {
                tx.commit().await?;
                return Ok(profile_saved());
            }
            // The race: the name was free at the check and taken by the write.
            // `tx` is dropped here, so the about_me write is rolled back too.
            Err(SaveError::UsernameTaken(_)) => errors.add("username", USERNAME_TAKEN),
            Err(error) => return Err(error.into()),
        }
    }
    // ANCHOR_END: validate_username
    Ok(FormReply::Page(render_edit_profile(
        page, form, errors, &csrf,
    )))
}
// ANCHOR_END: edit_profile
