//! The views of app/routes.py, one handler per Flask view function and method.

use rocket::http::CookieJar;
use rocket::response::Redirect;
use rocket::{get, post, routes, uri, Responder, Route, State};
use rocket_dyn_templates::{context, Template};
use serde::Serialize;

use rocket::http::uri::Origin;
use rocket::{catch, Request};

use crate::auth;
use crate::csrf::{CsrfForm, CsrfToken};
use crate::db::{Connection, Db};
use crate::error::AppError;
use crate::flash::Flash;
use crate::forms::{
    EditProfileForm, FieldErrors, LoginForm, RegistrationForm, EMAIL_TAKEN, USERNAME_TAKEN,
};
use crate::models::{SaveError, User};
use crate::page::Page;
use crate::passwords::PasswordHasher;

/// Every route of chapter 6.
pub fn routes() -> Vec<Route> {
    routes![
        root,
        index,
        login_page,
        login,
        logout,
        register_page,
        register,
        user,
        edit_profile_page,
        edit_profile
    ]
}

/// What a form handler answers: the form again, or a redirect once it is done.
#[derive(Debug, Responder)]
pub enum FormReply {
    Page(Template),
    Redirect(Redirect),
    Flash(Flash<Redirect>),
}

/// `redirect(url_for('index'))`, where a signed-in user is sent from the
/// sign-in and registration pages.
fn to_index() -> FormReply {
    FormReply::Redirect(Redirect::to(uri!(index)))
}

/// `flash(message)` then `redirect(...)`. Flask's default category is "message".
pub fn flash(to: Redirect, message: &str) -> FormReply {
    FormReply::Flash(Flash::new(to, message))
}

/// The tutorial's made-up posts: there is no way to write one until chapter 8.
#[derive(Serialize)]
struct Post<A> {
    author: A,
    body: &'static str,
}

#[derive(Serialize)]
struct Author {
    username: &'static str,
}

#[get("/")]
pub fn root(user: &User, page: Page<'_>) -> Template {
    index(user, page)
}

#[get("/index")]
pub fn index(_user: &User, page: Page<'_>) -> Template {
    let posts = [
        Post {
            author: Author { username: "John" },
            body: "Beautiful day in Portland!",
        },
        Post {
            author: Author { username: "Susan" },
            body: "The Avengers movie was so cool!",
        },
    ];
    page.render("index", context! { title: "Home", posts })
}

#[get("/login")]
pub fn login_page(page: Page<'_>, csrf: CsrfToken) -> FormReply {
    if page.current_user().is_some() {
        return to_index();
    }
    let form = context! { username: "", remember_me: false };
    FormReply::Page(page.render_form("login", "Sign In", form, FieldErrors::default(), &csrf))
}

#[post("/login?<next>", data = "<form>")]
pub async fn login(
    next: Option<&str>,
    form: CsrfForm<LoginForm>,
    page: Page<'_>,
    csrf: CsrfToken,
    cookies: &CookieJar<'_>,
    passwords: &State<PasswordHasher>,
    mut db: Connection<Db>,
) -> Result<FormReply, AppError> {
    if page.current_user().is_some() {
        return Ok(to_index());
    }
    let CsrfForm(form) = form;
    let errors = form.validate();
    if !errors.is_empty() {
        return Ok(FormReply::Page(
            page.render_form("login", "Sign In", form, errors, &csrf),
        ));
    }
    let user = User::find_by_username(&mut db, &form.username).await?;
    let user = match check_password(passwords, user, form.password.clone()).await? {
        Some(user) => user,
        // Unlike Flask's redirect(url_for('login')), keep `next` for the retry.
        None => {
            let retry = Redirect::to(uri!(login(next = next)));
            return Ok(flash(retry, "Invalid username or password"));
        }
    };
    auth::log_in(cookies, user.id, form.remember_me());
    Ok(FormReply::Redirect(safe_next(next)))
}

/// `user.check_password(password)`: the user, if the password is theirs. Made
/// with no user too (against a dummy hash), so its time tells no one who exists.
async fn check_password(
    passwords: &PasswordHasher,
    user: Option<User>,
    password: String,
) -> Result<Option<User>, AppError> {
    let hash = user.as_ref().and_then(|user| user.password_hash.clone());
    let matches = passwords.check_if_any(password, hash).await?;
    Ok(user.filter(|_| matches))
}

#[get("/logout")]
pub fn logout(cookies: &CookieJar<'_>) -> Redirect {
    auth::log_out(cookies);
    Redirect::to(uri!(index))
}

#[get("/register")]
pub fn register_page(page: Page<'_>, csrf: CsrfToken) -> FormReply {
    if page.current_user().is_some() {
        return to_index();
    }
    let form = context! { username: "", email: "" };
    FormReply::Page(page.render_form("register", "Register", form, FieldErrors::default(), &csrf))
}

#[post("/register", data = "<form>")]
pub async fn register(
    form: CsrfForm<RegistrationForm>,
    page: Page<'_>,
    csrf: CsrfToken,
    passwords: &State<PasswordHasher>,
    mut db: Connection<Db>,
) -> Result<FormReply, AppError> {
    if page.current_user().is_some() {
        return Ok(to_index());
    }
    let CsrfForm(form) = form;
    let mut errors = form.validate(&mut db).await?;
    if errors.is_empty() {
        let hash = passwords.hash(form.password.clone()).await?;
        match User::insert(&mut db, &form.username, &form.email, &hash).await {
            Ok(_) => {
                let to_login = Redirect::to(uri!(login(next = _)));
                return Ok(flash(
                    to_login,
                    "Congratulations, you are now a registered user!",
                ));
            }
            // Someone took the name or address between the check and the insert:
            // the unique index caught it, so say what the check would have said.
            Err(SaveError::UsernameTaken(_)) => errors.add("username", USERNAME_TAKEN),
            Err(SaveError::EmailTaken(_)) => errors.add("email", EMAIL_TAKEN),
            Err(error) => return Err(error.into()),
        }
    }
    Ok(FormReply::Page(
        page.render_form("register", "Register", form, errors, &csrf),
    ))
}

#[get("/user/<username>")]
pub async fn user(
    username: &str,
    current_user: &User,
    page: Page<'_>,
    mut db: Connection<Db>,
) -> Result<Option<Template>, AppError> {
    // `first_or_404`: `None` is Rocket's 404.
    let Some(user) = User::find_by_username(&mut db, username).await? else {
        return Ok(None);
    };
    let posts = [
        Post {
            author: &user,
            body: "Test post #1",
        },
        Post {
            author: &user,
            body: "Test post #2",
        },
    ];
    let is_current_user = user.id == current_user.id;
    Ok(Some(page.render(
        "user",
        context! { user: &user, posts, is_current_user },
    )))
}

#[get("/edit_profile")]
pub fn edit_profile_page(current_user: &User, page: Page<'_>, csrf: CsrfToken) -> Template {
    let form = context! {
        username: &current_user.username,
        about_me: current_user.about_me.as_deref().unwrap_or_default(),
    };
    render_edit_profile(page, form, FieldErrors::default(), &csrf)
}

/// The edit-profile form, for any handler of `/edit_profile`.
pub fn render_edit_profile(
    page: Page<'_>,
    form: impl Serialize,
    errors: FieldErrors,
    csrf: &CsrfToken,
) -> Template {
    page.render_form("edit_profile", "Edit Profile", form, errors, csrf)
}

// ANCHOR: edit_profile
/// Chapter 6's handler, bug included: nothing checks that the new username is
/// free, so taking someone else's hits the unique index and the request fails
/// with a 500. Both writes run in one transaction, which is rolled back when it
/// is dropped uncommitted, so the failure leaves the profile as it was.
#[post("/edit_profile", data = "<form>")]
pub async fn edit_profile(
    current_user: &User,
    form: CsrfForm<EditProfileForm>,
    page: Page<'_>,
    csrf: CsrfToken,
    mut db: Connection<Db>,
) -> Result<FormReply, AppError> {
    let CsrfForm(form) = form;
    let errors = form.validate();
    if !errors.is_empty() {
        return Ok(FormReply::Page(render_edit_profile(
            page, form, errors, &csrf,
        )));
    }
    let mut tx = db.begin().await?;
    User::update_profile(&mut tx, current_user.id, &form.username, &form.about_me).await?;
    tx.commit().await?;
    Ok(profile_saved())
}
// ANCHOR_END: edit_profile

/// `flash('Your changes have been saved.')` and back to the form.
pub fn profile_saved() -> FormReply {
    flash(
        Redirect::to(uri!(edit_profile_page)),
        "Your changes have been saved.",
    )
}

/// Flask-Login's `login_view = 'login'`: send the visitor to sign in, and back
/// here afterwards. The flash text is Flask-Login's default `login_message`.
#[catch(401)]
pub fn login_required(req: &Request<'_>) -> Flash<Redirect> {
    let next = req.uri().to_string();
    Flash::new(
        Redirect::to(uri!(login(next = Some(next.as_str())))),
        "Please log in to access this page.",
    )
}

/// Where to go after signing in. Only a path on this site is followed; anything
/// else (`http://evil.example/`, `//evil.example`, `/\evil.example`) goes to
/// `/index`. Flask checks `urlsplit(next).netloc == ''`, which lets `/\evil`
/// through: browsers read it as `//evil`.
pub fn safe_next(next: Option<&str>) -> Redirect {
    match next.filter(|path| is_path_on_this_site(path)) {
        Some(path) => Redirect::to(path.to_owned()),
        None => Redirect::to(uri!(index)),
    }
}

fn is_path_on_this_site(path: &str) -> bool {
    path.starts_with('/')
        && !path.starts_with("//")
        && !path.starts_with("/\\")
        && Origin::parse(path).is_ok()
}

#[cfg(test)]
mod tests {
    use super::is_path_on_this_site;

    #[test]
    fn next_is_followed_only_to_a_path_on_this_site() {
        for ours in ["/", "/index", "/user/john?page=2", "/edit_profile"] {
            assert!(is_path_on_this_site(ours), "{ours}");
        }
        let elsewhere = [
            "",
            "index",
            "http://evil.example/",
            "//evil.example",
            "/\\evil.example",
            "/a b",
        ];
        for theirs in elsewhere {
            assert!(!is_path_on_this_site(theirs), "{theirs}");
        }
    }
}
