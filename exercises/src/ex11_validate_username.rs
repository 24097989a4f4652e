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
//!                 User.username == self.username.data))
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
use rocket::http::Status;
use rocket::request::{FromRequest, Outcome};
use rocket::response::content::RawHtml;
use rocket::response::{self, Redirect, Responder};
use rocket::{post, routes, Build, Config, Request, Rocket, State};
use sqlx::SqlitePool;

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
        // TODO: is the new name someone else's? `username_taken` asks the
        // database whether anyone has a name.
        let _ = (db, original_username);
        Ok(None)
    }
}

#[post("/edit_profile", data = "<form>")]
pub async fn edit_profile(
    current_user: CurrentUser,
    form: Form<EditProfileForm>,
    db: &State<SqlitePool>,
) -> Result<Reply, DbError> {
    // TODO: validate the username first. On an error, show the form again
    // with it, and save nothing.
    save_profile(db, current_user.id, &form).await?;
    Ok(Reply::Saved)
}

// What follows is given.

/// The `user` table, as much of it as this exercise needs.
pub const SCHEMA: &str = r#"
    CREATE TABLE "user" (
        id INTEGER PRIMARY KEY NOT NULL,
        username VARCHAR(64) NOT NULL,
        about_me VARCHAR(140)
    );
    CREATE UNIQUE INDEX ix_user_username ON "user" (username);
"#;

/// The app, on the database `db`.
pub fn app(db: SqlitePool) -> Rocket<Build> {
    rocket::custom(Config::debug_default())
        .manage(db)
        .mount("/", routes![edit_profile])
}

/// Whether someone has `username`. (`fetch_all` runs the query to its end:
/// with SQLite, a query stopped after its first row keeps its transaction
/// open.)
pub async fn username_taken(db: &SqlitePool, username: &str) -> sqlx::Result<bool> {
    let rows = sqlx::query(r#"SELECT 1 FROM "user" WHERE username = ?"#)
        .bind(username)
        .fetch_all(db)
        .await?;
    Ok(!rows.is_empty())
}

/// Saves the form for user `id`: one UPDATE, both columns or neither.
pub async fn save_profile(db: &SqlitePool, id: i64, form: &EditProfileForm) -> sqlx::Result<()> {
    sqlx::query(r#"UPDATE "user" SET username = ?, about_me = ? WHERE id = ?"#)
        .bind(&form.username)
        .bind(&form.about_me)
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// Who is signed in. The microblog keeps it in the session; here a `user_id`
/// cookie stands in for it.
#[derive(Debug)]
pub struct CurrentUser {
    pub id: i64,
    pub username: String,
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for CurrentUser {
    type Error = ();

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, ()> {
        let id: Option<i64> = req
            .cookies()
            .get("user_id")
            .and_then(|cookie| cookie.value().parse().ok());
        let (Some(id), Some(db)) = (id, req.rocket().state::<SqlitePool>()) else {
            return Outcome::Error((Status::Unauthorized, ()));
        };
        let found =
            sqlx::query_as::<_, (i64, String)>(r#"SELECT id, username FROM "user" WHERE id = ?"#)
                .bind(id)
                .fetch_all(db)
                .await;
        match found.as_deref() {
            Ok([(id, username)]) => Outcome::Success(CurrentUser {
                id: *id,
                username: username.clone(),
            }),
            Ok(_) => Outcome::Error((Status::Unauthorized, ())),
            Err(_) => Outcome::Error((Status::InternalServerError, ())),
        }
    }
}

/// What a POST to /edit_profile answers.
#[derive(Debug)]
pub enum Reply {
    /// Saved: back to the form, as `redirect(url_for('edit_profile'))`.
    Saved,
    /// The form again, with its errors.
    Form(RawHtml<String>),
}

impl<'r> Responder<'r, 'static> for Reply {
    fn respond_to(self, req: &'r Request<'_>) -> response::Result<'static> {
        match self {
            Reply::Saved => Redirect::to("/edit_profile").respond_to(req),
            Reply::Form(page) => page.respond_to(req),
        }
    }
}

/// A database error: the app's 500 page.
#[derive(Debug)]
pub struct DbError(pub sqlx::Error);

impl From<sqlx::Error> for DbError {
    fn from(error: sqlx::Error) -> Self {
        DbError(error)
    }
}

impl<'r> Responder<'r, 'static> for DbError {
    fn respond_to(self, _: &'r Request<'_>) -> response::Result<'static> {
        Err(Status::InternalServerError)
    }
}

/// The form, as edit_profile.html shows it: what was typed, and the error in
/// red after the username field.
pub fn render_form(form: &EditProfileForm, username_error: Option<&str>) -> RawHtml<String> {
    let error = username_error
        .map(|error| {
            format!(
                "\n    <span style=\"color: red;\">[{}]</span>",
                escape(error)
            )
        })
        .unwrap_or_default();
    RawHtml(format!(
        "<form action=\"\" method=\"post\">\n\
         <p>Username<br><input name=\"username\" value=\"{}\">{error}</p>\n\
         <p>About me<br><textarea name=\"about_me\">{}</textarea></p>\n\
         <p><input type=\"submit\" value=\"Submit\"></p>\n\
         </form>\n",
        escape(&form.username),
        escape(&form.about_me)
    ))
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
