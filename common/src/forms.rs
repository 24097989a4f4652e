//! The forms of app/forms.py, with WTForms' validators and messages.
//!
//! Every field defaults to empty, so a missing field is "This field is required."
//! on the page (as in WTForms) rather than a bare 422. The checks are plain
//! functions: the form is re-rendered with its `errors` when any fails.
//!
//! Usernames get more care than WTForms gives them: they are trimmed and put in
//! their one spelling as they are read ([`Username`]), and they follow RFC 8265
//! ([`FieldErrors::username`], [`usernames`]).

pub mod usernames;

use std::collections::BTreeMap;

use std::ops::Deref;

use rocket::form::{self, DataField, FromFormField, ValueField};
use rocket::FromForm;
use serde::Serialize;

use crate::csrf::CsrfField;
use crate::db::DbConnection;
use crate::models::User;
use usernames::Refusal;

/// Error messages by field name: `errors.username` in a template.
#[derive(Debug, Default, Serialize)]
pub struct FieldErrors(BTreeMap<&'static str, Vec<String>>);

impl FieldErrors {
    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        self.0.entry(field).or_default().push(message.into());
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn get(&self, field: &str) -> &[String] {
        self.0.get(field).map_or(&[], Vec::as_slice)
    }

    /// WTForms' `DataRequired()`. Returns whether the field has data, because
    /// like WTForms the remaining checks of an empty field are skipped.
    pub fn required(&mut self, field: &'static str, value: &str) -> bool {
        let present = !value.trim().is_empty();
        if !present {
            self.add(field, "This field is required.");
        }
        present
    }

    /// WTForms' `Length(min, max)`, counted in characters as Python does.
    pub fn length(&mut self, field: &'static str, value: &str, min: usize, max: usize) {
        let count = value.chars().count();
        if count < min || count > max {
            self.add(
                field,
                format!("Field must be between {min} and {max} characters long."),
            );
        }
    }

    /// The checks of a username field that need no database: `Length(1, 64)`,
    /// then two that WTForms doesn't have.
    ///
    /// - A username as RFC 8265 defines it ([`usernames::enforce`]). A name is
    ///   shown on pages and written into logs: a line break in it can forge a
    ///   log line, a right-to-left override makes `\u{202e}gnp.exe` display as
    ///   `exe.png`, and a soft hyphen makes a second `alice` that looks like
    ///   the first.
    /// - Not `.` or `..`. The profile is at `/user/<username>`, and browsers
    ///   resolve `/user/..` to `/` before sending it, so that page can't be
    ///   reached.
    pub fn username(&mut self, field: &'static str, value: &str) {
        self.length(field, value, 1, USERNAME_MAX);
        if let Err(refusal) = usernames::enforce(value) {
            self.add(
                field,
                match refusal {
                    Refusal::Hidden => USERNAME_HIDDEN_CHARACTERS,
                    Refusal::Characters => USERNAME_CHARACTERS,
                    Refusal::Direction => USERNAME_DIRECTION,
                },
            );
        }
        if value == "." || value == ".." {
            self.add(field, USERNAME_DOTS);
        }
    }
}

pub const USERNAME_TAKEN: &str = "Please use a different username.";
pub const EMAIL_TAKEN: &str = "Please use a different email address.";
pub const USERNAME_HIDDEN_CHARACTERS: &str =
    "Usernames cannot contain control, invisible or direction-changing characters.";
pub const USERNAME_CHARACTERS: &str = "Usernames can only hold letters (accented or not), digits and ASCII punctuation, with single spaces between words.";
pub const USERNAME_DIRECTION: &str = "A word written right to left must begin with a right-to-left letter, end with one or a digit, and hold no left-to-right letters.";
pub const ABOUT_ME_NULL: &str = "Field cannot contain the null character.";
pub const USERNAME_DOTS: &str =
    "The usernames . and .. cannot be used: browsers rewrite their profile addresses.";

/// A username field, read with its surrounding whitespace removed (WTForms'
/// `filters=[str.strip]`, which the tutorial doesn't use, so Flask stores
/// `alice ` as typed) and in RFC 8265's one spelling of it: full-width letters
/// made ordinary, accents composed (NFC). Doing this as the form is read,
/// rather than in `validate`, means every handler that reads the form checks,
/// saves and looks up the same text, so `ａｌｉｃｅ` signs in as `alice`. A
/// name the standard refuses is kept as typed (trimmed), for
/// [`FieldErrors::username`] to refuse and the form to show again.
///
/// It dereferences to `&str`, so `&form.username` goes wherever a `&str` does,
/// and it compares equal to `String`s.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Username(String);

impl Username {
    pub fn new(text: &str) -> Self {
        // Unicode's whitespace, as Python's `str.strip()` removes it.
        let text = text.trim();
        Username(usernames::enforce(text).unwrap_or_else(|_| text.to_owned()))
    }
}

#[rocket::async_trait]
impl<'v> FromFormField<'v> for Username {
    fn from_value(field: ValueField<'v>) -> form::Result<'v, Self> {
        Ok(Username::new(field.value))
    }

    /// A multipart form's field: read as a `String` is, then trimmed.
    async fn from_data(field: DataField<'v, '_>) -> form::Result<'v, Self> {
        let text = <String as FromFormField>::from_data(field).await?;
        Ok(Username::new(&text))
    }

    /// A missing field is empty, so `required` reports it, like the other
    /// fields' `#[field(default = String::new())]`.
    fn default() -> Option<Self> {
        Some(Username(String::new()))
    }
}

impl Deref for Username {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

/// The column sizes of the `user` table. WTForms doesn't check them (SQLite
/// would store a longer name anyway); our table does, so the forms must too.
pub const USERNAME_MAX: usize = 64;
pub const EMAIL_MAX: usize = 120;
pub const ABOUT_ME_MAX: usize = 140;

#[derive(Debug, FromForm, Serialize)]
pub struct LoginForm {
    /// Read as registration reads it, so `alice ` and `ａｌｉｃｅ` sign in as `alice`.
    pub username: Username,
    #[field(default = String::new())]
    #[serde(skip)]
    pub password: String,
    /// A checkbox: absent when unticked, `y` when ticked (WTForms' value).
    pub remember_me: Option<String>,
    #[field(default = String::new())]
    #[serde(skip)]
    pub csrf_token: String,
}

impl LoginForm {
    /// WTForms' `BooleanField`: any value but `false` or empty means ticked.
    pub fn remember_me(&self) -> bool {
        !matches!(self.remember_me.as_deref(), None | Some("" | "false"))
    }

    pub fn validate(&self) -> FieldErrors {
        let mut errors = FieldErrors::default();
        errors.required("username", &self.username);
        errors.required("password", &self.password);
        errors
    }
}

#[derive(Debug, FromForm, Serialize)]
pub struct RegistrationForm {
    pub username: Username,
    #[field(default = String::new())]
    pub email: String,
    #[field(default = String::new())]
    #[serde(skip)]
    pub password: String,
    #[field(default = String::new())]
    #[serde(skip)]
    pub password2: String,
    #[field(default = String::new())]
    #[serde(skip)]
    pub csrf_token: String,
}

impl RegistrationForm {
    /// The field checks, then `validate_username` and `validate_email`, which ask
    /// the database.
    pub async fn validate(&self, db: &mut DbConnection) -> sqlx::Result<FieldErrors> {
        let mut errors = FieldErrors::default();
        if errors.required("username", &self.username) {
            errors.username("username", &self.username);
            if User::username_taken(&mut *db, &self.username).await? {
                errors.add("username", USERNAME_TAKEN);
            }
        }
        if errors.required("email", &self.email) {
            if !looks_like_email(&self.email) || self.email.chars().count() > EMAIL_MAX {
                errors.add("email", "Invalid email address.");
            } else if User::email_taken(&mut *db, &self.email).await? {
                errors.add("email", EMAIL_TAKEN);
            }
        }
        errors.required("password", &self.password);
        if errors.required("password2", &self.password2) && self.password2 != self.password {
            errors.add("password2", "Field must be equal to password.");
        }
        Ok(errors)
    }
}

/// The shape WTForms' `Email()` accepts: one `@`, something before it, and a
/// dotted domain after it, with no spaces or control characters. Deliverability
/// is not checked.
fn looks_like_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && domain.contains('.')
        && domain.split('.').all(|label| !label.is_empty())
}

#[derive(Debug, FromForm, Serialize)]
pub struct EditProfileForm {
    pub username: Username,
    #[field(default = String::new())]
    pub about_me: String,
    #[field(default = String::new())]
    #[serde(skip)]
    pub csrf_token: String,
}

impl EditProfileForm {
    /// Chapter 6's form: the field checks only. Nothing asks whether the new
    /// username is taken: the duplicate-username bug, a 500 when the name is
    /// someone else's.
    pub fn validate(&self) -> FieldErrors {
        let mut errors = FieldErrors::default();
        if errors.required("username", &self.username) {
            errors.username("username", &self.username);
        }
        errors.length("about_me", &self.about_me, 0, ABOUT_ME_MAX);
        // Not a check of Flask's: PostgreSQL's text cannot hold U+0000, so
        // saving it would fail; SQLite would keep it. Refused on both.
        if self.about_me.contains('\0') {
            errors.add("about_me", ABOUT_ME_NULL);
        }
        errors
    }
}

impl CsrfField for LoginForm {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

impl CsrfField for RegistrationForm {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

impl CsrfField for EditProfileForm {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edit_profile(username: &str, about_me: &str) -> FieldErrors {
        EditProfileForm {
            username: Username::new(username),
            about_me: about_me.to_owned(),
            csrf_token: String::new(),
        }
        .validate()
    }

    fn login(username: &str, password: &str) -> FieldErrors {
        LoginForm {
            username: Username::new(username),
            password: password.to_owned(),
            remember_me: None,
            csrf_token: String::new(),
        }
        .validate()
    }

    #[test]
    fn errors_are_kept_by_field_and_an_untouched_field_has_none() {
        let mut errors = FieldErrors::default();
        assert!(errors.is_empty());
        errors.add("username", "first");
        errors.add("username", "second");
        assert!(!errors.is_empty());
        assert_eq!(errors.get("username"), ["first", "second"]);
        assert!(errors.get("email").is_empty());
    }

    #[test]
    fn a_blank_field_is_required_and_its_other_checks_are_skipped() {
        for blank in ["", "   "] {
            let errors = edit_profile(blank, "");
            assert_eq!(errors.get("username"), ["This field is required."]);
        }
        assert!(edit_profile("a", "").is_empty());
    }

    #[test]
    fn a_username_is_1_to_64_characters_counted_as_python_counts_them() {
        let too_long = "Field must be between 1 and 64 characters long.";
        assert!(edit_profile(&"a".repeat(64), "").is_empty());
        assert_eq!(
            edit_profile(&"a".repeat(65), "").get("username"),
            [too_long]
        );
        // 64 characters of two bytes each: 128 bytes, still 64 characters.
        assert!(edit_profile(&"é".repeat(64), "").is_empty());
    }

    #[test]
    fn about_me_may_be_empty_and_at_most_140_characters() {
        assert!(edit_profile("a", "").is_empty());
        assert!(edit_profile("a", &"b".repeat(140)).is_empty());
        assert_eq!(
            edit_profile("a", &"b".repeat(141)).get("about_me"),
            ["Field must be between 0 and 140 characters long."]
        );
    }

    #[test]
    fn a_length_below_the_minimum_is_an_error_too() {
        let mut errors = FieldErrors::default();
        errors.length("code", "ab", 3, 5);
        assert_eq!(
            errors.get("code"),
            ["Field must be between 3 and 5 characters long."]
        );
        let mut errors = FieldErrors::default();
        errors.length("code", "abc", 3, 5);
        assert!(errors.is_empty());
    }

    #[test]
    fn the_login_form_needs_both_a_username_and_a_password() {
        assert!(login("john", "secret").is_empty());
        let errors = login("", "secret");
        assert_eq!(errors.get("username"), ["This field is required."]);
        assert!(errors.get("password").is_empty());
        let errors = login("john", "");
        assert!(errors.get("username").is_empty());
        assert_eq!(errors.get("password"), ["This field is required."]);
    }

    #[test]
    fn remember_me_is_ticked_by_any_value_but_empty_or_false() {
        let form = |value: Option<&str>| LoginForm {
            username: Username::new(""),
            password: String::new(),
            remember_me: value.map(str::to_owned),
            csrf_token: String::new(),
        };
        assert!(!form(None).remember_me());
        assert!(!form(Some("")).remember_me());
        assert!(!form(Some("false")).remember_me());
        assert!(form(Some("y")).remember_me());
    }

    /// What Rocket makes of a submitted `application/x-www-form-urlencoded` body.
    fn read<T: for<'r> rocket::form::FromForm<'r> + 'static>(body: &str) -> T {
        rocket::form::Form::<T>::parse_encoded(rocket::http::RawStr::new(body))
            .expect("the form parses")
    }

    #[test]
    fn a_username_is_read_without_its_surrounding_whitespace_in_every_form() {
        let login: LoginForm = read("username=%20alice%09&password=%20pw%20");
        assert_eq!(&*login.username, "alice");
        assert_eq!(login.password, " pw ", "passwords are taken as typed");
        let registration: RegistrationForm = read("username=alice%20&email=a%40b.c");
        assert_eq!(&*registration.username, "alice");
        let edit: EditProfileForm = read("username=%E2%80%83alice%0A&about_me=");
        assert_eq!(&*edit.username, "alice", "an em space and a newline too");
        assert!(edit.validate().is_empty());
        // Inner spaces stay: "john smith" is a name the tutorial accepts.
        let edit: EditProfileForm = read("username=+john+smith+");
        assert_eq!(&*edit.username, "john smith");
        // A missing field is empty, so it is required rather than a 422.
        let edit: EditProfileForm = read("about_me=x");
        assert_eq!(&*edit.username, "");
        assert_eq!(edit.validate().get("username"), ["This field is required."]);
    }

    #[test]
    fn control_invisible_and_direction_changing_characters_are_refused_in_a_username() {
        let refused = [
            "nul\0user",
            "crlf\r\nINFO: forged",
            "tab\there",
            "del\u{7f}",
            "c1\u{85}control",
            "line\u{2028}separator",
            "\u{202e}gnp.exe",
            "lre\u{202a}x",
            "isolate\u{2066}x\u{2069}",
            "marks\u{200e}\u{200f}\u{61c}",
            "alice\u{200b}",
            "zw\u{200c}nj\u{200d}",
            "word\u{2060}joiner",
            "bom\u{feff}",
        ];
        for name in refused {
            assert_eq!(
                edit_profile(name, "").get("username"),
                [USERNAME_HIDDEN_CHARACTERS],
                "{name:?}"
            );
        }
        for name in [
            "alice",
            "john smith",
            "Zoë",
            "山田",
            "مریم",
            "a.b",
            "...",
            "<b>",
        ] {
            assert!(edit_profile(name, "").is_empty(), "{name:?}");
        }
    }

    #[test]
    fn the_usernames_dot_and_dot_dot_are_refused_but_other_dotted_names_are_fine() {
        for name in [".", "..", " .. "] {
            assert_eq!(
                edit_profile(name, "").get("username"),
                [USERNAME_DOTS],
                "{name:?}"
            );
        }
        for name in ["...", ".alice", "alice.", "a..b"] {
            assert!(edit_profile(name, "").is_empty(), "{name:?}");
        }
    }

    #[test]
    fn an_email_has_one_at_sign_a_local_part_and_a_dotted_domain() {
        for good in ["a@b.c", "john.smith@mail.example.com"] {
            assert!(looks_like_email(good), "{good}");
        }
        for bad in [
            "",
            "ab.c",
            "@b.c",
            "a@b",
            "a@b@c.d",
            "a b@c.d",
            "a@b .c",
            "a@.c",
            "a@b.",
            "a@b..c",
            "a\0@b.c",
            "a@b.c\u{7}",
        ] {
            assert!(!looks_like_email(bad), "{bad:?}");
        }
    }

    #[test]
    fn an_about_me_may_hold_line_breaks_but_not_the_null_character() {
        assert!(edit_profile("alice", "line one\r\nline two\ttab").is_empty());
        let errors = edit_profile("alice", "before\0after");
        assert_eq!(errors.get("about_me"), [ABOUT_ME_NULL]);
    }
}
