//! What a username may be, and when two look alike, by published standards
//! rather than a list of our own. A learner can skip this module on a first
//! read: the forms call [`enforce`], and the `user` table keeps [`skeleton`].
//!
//! - RFC 8265's PRECIS profile `UsernameCasePreserved` (the `precis-profiles`
//!   crate) says which characters a username may hold: letters (accented or
//!   not), digits and ASCII punctuation. Nothing invisible (Unicode's
//!   Default_Ignorable_Code_Point), no controls, symbols or spaces, and a word
//!   written right to left follows the Bidi Rule (RFC 5893). It also gives a
//!   name its one spelling: full-width `ａｌｉｃｅ` becomes `alice`, and `José`
//!   typed as `e` plus a combining accent becomes the precomposed `é` (NFC).
//!   Case is kept, as Flask keeps it: `Alice` and `alice` are two names.
//! - RFC 8265 §3.1 makes a username one or more such parts with single spaces
//!   between them, each checked on its own, so `john smith` stays a name.
//! - A part may not begin with a combining mark (an accent with no letter under
//!   it), the rule IDNA2008 gives domain labels (RFC 5891 §4.2.3.2); PRECIS
//!   itself allows a lone U+0301.
//! - Unicode's confusable skeleton (UTS #39, the `unicode-security` crate)
//!   says which names look alike: Cyrillic `аlice`, `a1ice` and `aIice` all
//!   have the skeleton `alice`. The `user` table keeps each name's skeleton
//!   under a unique index, so a look-alike of a taken name is taken.

use precis_profiles::precis_core::profile::Profile;
use precis_profiles::precis_core::{CodepointInfo, DerivedPropertyValue, Error};
use precis_profiles::UsernameCasePreserved;
use unicode_normalization::char::is_combining_mark;

/// Why a username is refused. Each has its own message on the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// A control, invisible or direction-changing character: PRECIS's
    /// DISALLOWED (controls, Default_Ignorable_Code_Point, noncharacters) or a
    /// joiner outside the scripts that need it (CONTEXTJ).
    #[error("a control, invisible or direction-changing character")]
    Hidden,
    /// Anything else the profile leaves out: symbols and emoji, punctuation
    /// beyond ASCII, spaces other than one between words, compatibility
    /// characters such as `ﬁ`, characters newer than the profile's Unicode
    /// 6.3, and a word that begins with a combining mark.
    #[error("not letters, digits and ASCII punctuation with single spaces")]
    Characters,
    /// A word with right-to-left letters that breaks the Bidi Rule.
    #[error("a right-to-left word that breaks the Bidi Rule")]
    Direction,
}

/// The username as RFC 8265 stores and compares it, or why it can't be one.
/// `text` is already trimmed.
pub fn enforce(text: &str) -> Result<String, Refusal> {
    let profile = UsernameCasePreserved::new();
    let mut words = Vec::new();
    for word in text.split(' ') {
        // Two spaces in a row, or one at either end.
        if word.is_empty() {
            return Err(Refusal::Characters);
        }
        let word = profile.enforce(word).map_err(refusal)?;
        if word.starts_with(is_combining_mark) {
            return Err(Refusal::Characters);
        }
        // The stored spelling must be a valid name itself. The profile checks
        // the characters before it normalises, and NFC can compose two valid
        // ones into one it refuses: `<` and U+0338 become the symbol `≮`.
        if profile.enforce(word.as_ref()).map_err(refusal)? != word {
            return Err(Refusal::Characters);
        }
        words.push(word);
    }
    Ok(words.join(" "))
}

fn refusal(error: Error) -> Refusal {
    match error {
        // The profile's only other `Invalid` is an empty string, and every
        // word here has at least one character.
        Error::Invalid => Refusal::Direction,
        Error::BadCodepoint(CodepointInfo {
            property: DerivedPropertyValue::Disallowed | DerivedPropertyValue::ContextJ,
            ..
        }) => Refusal::Hidden,
        Error::BadCodepoint(_) | Error::Unexpected(_) => Refusal::Characters,
    }
}

/// UTS #39's skeleton of `name`: two names that look alike have the same one.
pub fn skeleton(name: &str) -> String {
    unicode_security::skeleton(name).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The look-alikes an attack registered beside `alice` and `José`
    /// (issue 26): each is refused, or is spelled or looks like a taken name.
    #[test]
    fn every_look_alike_of_alice_and_jose_is_refused_or_has_their_skeleton() {
        let alice = skeleton("alice");
        let jose = skeleton("Jos\u{e9}");
        for taken in ["\u{430}lice", "\u{ff41}\u{ff4c}\u{ff49}\u{ff43}\u{ff45}"] {
            let name = enforce(taken).expect("letters");
            assert_eq!(skeleton(&name), alice, "{taken:?}");
        }
        // NFD: `e` and a combining acute accent, stored as NFC's `é`.
        assert_eq!(enforce("Jose\u{301}").as_deref(), Ok("Jos\u{e9}"));
        assert_eq!(skeleton("Jose\u{301}"), jose);
        let refused = [
            ("\u{301}", Refusal::Characters),
            ("\u{3164}", Refusal::Hidden),
            ("\u{2800}", Refusal::Characters),
            ("ali\u{ad}ce", Refusal::Hidden),
            ("ali\u{2062}ce", Refusal::Hidden),
            ("ali\u{34f}ce", Refusal::Hidden),
            ("ali\u{fe0f}ce", Refusal::Hidden),
            ("ali\u{180e}ce", Refusal::Hidden),
            ("alice\u{e0061}", Refusal::Hidden),
            ("alice\u{ffa0}", Refusal::Hidden),
        ];
        for (name, why) in refused {
            assert_eq!(enforce(name), Err(why), "{name:?}");
        }
    }

    #[test]
    fn the_names_of_chapter_6_stay_names() {
        for name in [
            "alice",
            "Alice",
            "john smith",
            "Zo\u{eb}",
            "山田",
            "مریم",
            "a.b",
            "...",
            "<b>",
        ] {
            assert_eq!(enforce(name).as_deref(), Ok(name), "{name:?}");
        }
    }

    #[test]
    fn spaces_symbols_and_mixed_directions_are_refused() {
        for name in [
            "a  b",
            " a",
            "a ",
            "a\u{a0}b",
            "a\u{3000}b",
            "😀",
            "\u{fb01}",
        ] {
            assert_eq!(enforce(name), Err(Refusal::Characters), "{name:?}");
        }
        for name in [
            "nul\0user",
            "tab\tx",
            "\u{202e}gnp.exe",
            "a\u{200b}",
            "zw\u{200c}nj",
        ] {
            assert_eq!(enforce(name), Err(Refusal::Hidden), "{name:?}");
        }
        // Right-to-left words with a left-to-right letter, or ending in a dot.
        for name in ["مریمa", "مریم."] {
            assert_eq!(enforce(name), Err(Refusal::Direction), "{name:?}");
        }
        assert_eq!(enforce("alice مریم").as_deref(), Ok("alice مریم"));
    }

    #[test]
    fn case_is_kept_and_only_look_alikes_share_a_skeleton() {
        assert_ne!(skeleton("Alice"), skeleton("alice"));
        assert_eq!(skeleton("a1ice"), skeleton("alice"));
        assert_eq!(skeleton("rn"), skeleton("m"));
        assert_ne!(skeleton("alice"), skeleton("alicia"));
    }

    /// Found by the proptest below: full-width `<` and a combining overlay
    /// compose into a symbol, which is no name.
    #[test]
    fn a_name_whose_normal_form_would_be_refused_is_refused() {
        assert_eq!(enforce("\u{ff1c}\u{338}"), Err(Refusal::Characters));
        assert_eq!(enforce("<\u{338}"), Err(Refusal::Characters));
    }

    proptest! {
        /// A stored name is its own spelling: checking it again changes nothing.
        #[test]
        fn an_enforced_name_enforces_to_itself(text in "\\PC{1,12}|[a-zA-Z .\u{300}-\u{36f}\u{ff01}-\u{ff5e}]{1,12}") {
            if let Ok(name) = enforce(&text) {
                prop_assert_eq!(enforce(&name), Ok(name.clone()));
                prop_assert!(!name.chars().any(char::is_control), "{:?}", name);
                prop_assert!(!name.contains("  ") && name.trim() == name, "{:?}", name);
            }
        }

        /// Full-width and NFD spellings are the same name as the plain one.
        #[test]
        fn full_width_and_decomposed_spellings_are_one_name(word in "[a-zA-Z0-9]{1,12}", accent in 0x300u32..0x305) {
            let wide: String = word.chars().map(|c| char::from_u32(c as u32 - 0x21 + 0xff01).unwrap_or(c)).collect();
            prop_assert_eq!(enforce(&wide), Ok(word.clone()));
            let decomposed = format!("{word}{}", char::from_u32(accent).unwrap_or('\u{300}'));
            let composed = enforce(&decomposed).expect("an accented letter or digit");
            prop_assert_eq!(skeleton(&composed), skeleton(&decomposed));
        }
    }
}
