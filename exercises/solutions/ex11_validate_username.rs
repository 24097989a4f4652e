//! # Exercise 11 · Fixing the duplicate username bug: the form's check
//!
//! Chapter 6 lets you rename yourself to a name someone else has, and the
//! unique index answers with a 500. The tutorial's fix is a validator on the
//! form, which is given the name the user had:
//!
//! ```python
//! class EditProfileForm(FlaskForm):
//!     def __init__(self, original_username, *args, **kwargs): ...
//!     def validate_username(self, username):
//!         if username.data != self.original_username:
//!             user = db.session.scalar(sa.select(User).where(
//!                 User.username == username.data))
//!             if user is not None:
//!                 raise ValidationError('Please use a different username.')
//! ```
//!
//! Write `EditProfileForm::validate_username`: `Some(USERNAME_TAKEN)` when the
//! new name differs from `original_username` and a user has it, else `None`.
//! Keeping your own name is fine. Then use it in `edit_profile`: on an error,
//! show the form again (`render_form`), with what was typed and the error
//! next to the field, status 200, and save nothing.
//!
//! The app around it is given: a `user` table, who is signed in
//! (`CurrentUser`), the form page and the saving. The chapter's fix is
//! step 5's `edit_profile`, in chapters/ch07-5-duplicate-username/.
//!
//! Check it: `cargo test -p exercises --test ex11`
//! Stuck? `cargo run -p exercises --bin hint -- 11`

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

impl EditProfileForm {
    /// WTForms' `validate_username`.
    pub async fn validate_username(
        &self,
        db: &SqlitePool,
        original_username: &str,
    ) -> sqlx::Result<Option<&'static str>> {
        if self.username != original_username && username_taken(db, &self.username).await? {
            return Ok(Some(USERNAME_TAKEN));
        }
        Ok(None)
    }
}

#[post("/edit_profile", data = "<form>")]
pub async fn edit_profile(
    current_user: CurrentUser,
    form: Form<EditProfileForm>,
    db: &State<SqlitePool>,
) -> Result<Reply, DbError> {
    if let Some(error) = form.validate_username(db, &current_user.username).await? {
        return Ok(Reply::Form(render_form(&form, Some(error))));
    }
    save_profile(db, current_user.id, &form).await?;
    Ok(Reply::Saved)
}
