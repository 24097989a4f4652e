//! The small edit-profile app that exercises 11 and 12 both work in: a `user`
//! table, who is signed in, the form page and the saving. Given: read it, but
//! there is nothing to write here. Each exercise's own file says
//! `pub use given::*`, so its tests see these items as the exercise's.

use rocket::http::Status;
use rocket::request::{FromRequest, Outcome};
use rocket::response::content::RawHtml;
use rocket::response::{self, Redirect, Responder};
use rocket::{routes, Build, Config, Request, Rocket};
use sqlx::SqlitePool;

use super::{edit_profile, EditProfileForm};

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
