//! Step 5: fixing the duplicate username bug.
//!
//! Flask's fix is `EditProfileForm.validate_username`: if the name changed, look
//! it up, and if someone has it, fail the form with "Please use a different
//! username.". That check alone races: two requests can both find the name
//! free, and the second write then hits the unique index, a 500 again. So here
//! the unique index has the last word, and its violation becomes the same form
//! error.

use rocket::{post, routes, Build, Rocket};
use rocket_db_pools::Connection;
use sqlx::Acquire;

use common::csrf::{CsrfForm, CsrfToken};
use common::db::Db;
use common::forms::{EditProfileForm, USERNAME_TAKEN};
use common::routes::{profile_saved, render_edit_profile, unique_violation, Column, FormReply};
use common::{AppError, Page, User};

/// Step 4's `app()` with the fixed handler mounted in front of chapter 6's.
pub fn app() -> Rocket<Build> {
    ch07_4_file_logging::app().mount("/", routes![edit_profile])
}

// ANCHOR: edit_profile
/// Rank 1 is tried before common's rank-2 handler for the same route, so this
/// one answers every POST to /edit_profile. Same method, same path, different
/// ranks: Rocket sees no collision.
#[post("/edit_profile", data = "<form>", rank = 1)]
pub async fn edit_profile(
    current_user: &User,
    form: CsrfForm<EditProfileForm>,
    page: Page<'_>,
    csrf: CsrfToken,
    mut db: Connection<Db>,
) -> Result<FormReply, AppError> {
    let CsrfForm(form) = form;
    let mut errors = form.validate();
    // `validate_username`: keeping your own name is fine.
    if form.username != current_user.username
        && User::username_taken(&mut **db, &form.username).await?
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
            Err(error) if unique_violation(&error) == Some(Column::Username) => {
                errors.add("username", USERNAME_TAKEN);
            }
            Err(error) => return Err(error.into()),
        }
    }
    Ok(FormReply::Page(render_edit_profile(
        page, form, errors, &csrf,
    )))
}
// ANCHOR_END: edit_profile
