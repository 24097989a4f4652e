//! Exercise 1, solved: see `src/ex01_mask_passwords.rs` for the brief.

use rocket::http::RawStr;

/// The form body with its password fields' values masked.
pub fn masked_form(body: &str) -> String {
    body.split('&')
        .map(|field| {
            let name = field.split_once('=').map_or(field, |(name, _)| name);
            // Decode before comparing: `pass%77ord` is `password` too.
            let decoded = RawStr::new(name).url_decode_lossy();
            if decoded.to_lowercase().contains("password") {
                format!("{name}=••••••")
            } else {
                field.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("&")
}
