//! # Exercise 12 · Fixing the duplicate username bug: the race
//!
//! Exercise 11's check has a race, and so does the tutorial's: two requests
//! can both find the name free, and the second one's UPDATE then runs into the
//! unique index, which answers with an error, and the visitor with a 500. The
//! index is right to refuse; only the answer is wrong. Make it the same form
//! error as the check's:
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
    /// WTForms' `validate_username`, from exercise 11.
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
    // TODO: if the unique index refuses the name, show the form with
    // `USERNAME_TAKEN`, as the check above does.
    save_profile(db, current_user.id, &form).await?;
    Ok(Reply::Saved)
}

/// Whether `error` is the unique index on `user.username` refusing a write.
pub fn is_username_taken(error: &sqlx::Error) -> bool {
    // TODO: a unique violation, on `user.username`.
    let _ = error;
    false
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
