//! What the book's sample outputs have in common: the parts of a run that
//! change from run to run, made fixed so that the rest can be compared.

/// What a failure's reference becomes in the book.
pub const FIXED_REFERENCE: &str = "E-3f9a21c0";

/// Every `E-` and eight hex digits in `text`: a failure's reference.
pub fn references_in(text: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for (at, _) in text.match_indices("E-") {
        let Some(candidate) = text.get(at..at + FIXED_REFERENCE.len()) else {
            continue;
        };
        let hex = candidate[2..]
            .bytes()
            .all(|byte| byte.is_ascii_digit() || (b'a'..=b'f').contains(&byte));
        let alone = !text[..at].ends_with(|c: char| c.is_ascii_alphanumeric())
            && !text[at + candidate.len()..].starts_with(|c: char| c.is_ascii_alphanumeric());
        if hex && alone && !found.iter().any(|seen| seen == candidate) {
            found.push(candidate.to_owned());
        }
    }
    found
}

/// `  (80 more frames in std, ...)` becomes `  (N more frames in std, ...)`.
pub fn fixed_frame_count(line: &str) -> String {
    if let Some(rest) = line.trim_start().strip_prefix('(') {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 && rest[digits..].starts_with(" more frames in ") {
            let indent = &line[..line.len() - line.trim_start().len()];
            return format!("{indent}(N{}", &rest[digits..]);
        }
    }
    line.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_found_once_each_and_frame_counts_become_n() {
        let text = "E-80ebe612 and E-80ebe612, not XE-80ebe612 nor E-80ebe61z";
        assert_eq!(references_in(text), ["E-80ebe612"]);
        assert_eq!(
            fixed_frame_count("  (80 more frames in std, tokio and Rocket)"),
            "  (N more frames in std, tokio and Rocket)"
        );
        assert_eq!(fixed_frame_count("  (not a count)"), "  (not a count)");
    }
}
