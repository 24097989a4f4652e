//! The exercises. Each module is a file in `src/` for you to edit; with the
//! `solutions` feature the same module comes from `solutions/` instead.

#[cfg_attr(feature = "solutions", path = "../solutions/ex01_mask_passwords.rs")]
pub mod ex01_mask_passwords;
#[cfg_attr(feature = "solutions", path = "../solutions/ex02_json_errors.rs")]
pub mod ex02_json_errors;
#[cfg_attr(feature = "solutions", path = "../solutions/ex03_mail_subject.rs")]
pub mod ex03_mail_subject;
#[cfg_attr(feature = "solutions", path = "../solutions/ex04_python_format.rs")]
pub mod ex04_python_format;
#[cfg_attr(feature = "solutions", path = "../solutions/ex05_case_insensitive.rs")]
pub mod ex05_case_insensitive;
#[cfg_attr(feature = "solutions", path = "../solutions/ex06_duplicate_emails.rs")]
pub mod ex06_duplicate_emails;
