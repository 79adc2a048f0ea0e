//! Text given per language (`{"en": "Bibimbap", "ko": "비빔밥"}`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Text per language code. Valid values hold at least one non-blank entry
/// and only language codes of 2–3 lowercase letters (optionally `-REGION`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct LocalizedText(pub BTreeMap<String, String>);

impl LocalizedText {
    /// The longest any single translation may be, in characters.
    pub const MAX_CHARS: usize = 2000;

    pub fn new(pairs: &[(&str, &str)]) -> Self {
        Self(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        )
    }

    /// The text in `lang`, else English, else any.
    pub fn get(&self, lang: &str) -> Option<&str> {
        self.0
            .get(lang)
            .or_else(|| self.0.get("en"))
            .or_else(|| self.0.values().next())
            .map(String::as_str)
    }

    /// Why this value is unacceptable as a required name, if it is.
    pub fn problem(&self, max_chars: usize) -> Option<String> {
        if self.0.values().all(|v| v.trim().is_empty()) {
            return Some("needs at least one non-empty translation".into());
        }
        self.problem_allow_empty(max_chars)
    }

    /// Like [`Self::problem`], but an empty map is fine (optional text).
    pub fn problem_allow_empty(&self, max_chars: usize) -> Option<String> {
        for (lang, text) in &self.0 {
            if !is_language_code(lang) {
                return Some(format!(
                    "`{lang}` is not a language code such as `en` or `ko`"
                ));
            }
            if text.chars().count() > max_chars {
                return Some(format!(
                    "the `{lang}` text is longer than {max_chars} characters"
                ));
            }
        }
        None
    }
}

fn is_language_code(s: &str) -> bool {
    let (lang, region) = match s.split_once('-') {
        Some((l, r)) => (l, Some(r)),
        None => (s, None),
    };
    (2..=3).contains(&lang.len())
        && lang.bytes().all(|b| b.is_ascii_lowercase())
        && region.is_none_or(|r| {
            (2..=3).contains(&r.len()) && r.bytes().all(|b| b.is_ascii_alphanumeric())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_names_and_bad_language_codes_are_problems() {
        assert!(LocalizedText::default().problem(10).is_some());
        assert!(LocalizedText::new(&[("en", "  ")]).problem(10).is_some());
        assert!(
            LocalizedText::new(&[("English", "Tea")])
                .problem(10)
                .is_some()
        );
        assert!(
            LocalizedText::new(&[("en", "Tea"), ("ko", "차")])
                .problem(10)
                .is_none()
        );
        assert!(LocalizedText::new(&[("zh-TW", "茶")]).problem(10).is_none());
        assert!(LocalizedText::new(&[("en", "Teapot")]).problem(3).is_some());
    }

    #[test]
    fn get_falls_back_to_english() {
        let t = LocalizedText::new(&[("en", "Tea"), ("ko", "차")]);
        assert_eq!(t.get("ko"), Some("차"));
        assert_eq!(t.get("fr"), Some("Tea"));
    }
}
