//! The public portal's languages: Simplified Chinese (the default, and the text of every
//! template) and English. A template writes its Chinese and asks `frame.t("…")`; under the
//! English locale the text is looked up in `locales/en.toml` (keyed by the Chinese), and what
//! is not there stays Chinese. Statutory names are kept in Chinese beside their English
//! (`frame.both`), so a reader can match them with the documents. The visitor chooses with a
//! link (remembered in the preferences cookie); otherwise Accept-Language decides.

use std::collections::HashMap;
use std::sync::LazyLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    /// The `lang` attribute of a page.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// The language an `Accept-Language` header prefers between the two: English only when
    /// English is liked more than any Chinese.
    pub fn from_accept(header: &str) -> Lang {
        let mut zh = -1.0f32;
        let mut en = -1.0f32;
        for part in header.split(',') {
            let mut bits = part.trim().split(';');
            let tag = bits.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = bits
                .find_map(|b| {
                    b.trim()
                        .strip_prefix("q=")
                        .and_then(|q| q.parse::<f32>().ok())
                })
                .unwrap_or(1.0);
            if tag == "zh" || tag.starts_with("zh-") {
                zh = zh.max(q);
            } else if tag == "en" || tag.starts_with("en-") {
                en = en.max(q);
            }
        }
        if en > 0.0 && en > zh {
            Lang::En
        } else {
            Lang::Zh
        }
    }
}

static EN: LazyLock<HashMap<String, String>> =
    LazyLock::new(|| toml::from_str(include_str!("../../locales/en.toml")).unwrap_or_default());

/// `zh` in `lang`: the English of it under English (or `zh` itself where there is none).
pub fn tr(lang: Lang, zh: &str) -> &str {
    match lang {
        Lang::Zh => zh,
        Lang::En => EN.get(zh).map(String::as_str).unwrap_or(zh),
    }
}

/// A statutory or official name: in English, "English (中文)"; in Chinese, the Chinese.
pub fn both(lang: Lang, zh: &str) -> String {
    match lang {
        Lang::En => match EN.get(zh) {
            Some(en) => format!("{en} ({zh})"),
            None => zh.to_string(),
        },
        Lang::Zh => zh.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_prefers_chinese_unless_english_is_liked_more() {
        assert_eq!(Lang::from_accept(""), Lang::Zh);
        assert_eq!(Lang::from_accept("en-US,en;q=0.9"), Lang::En);
        assert_eq!(Lang::from_accept("zh-CN,zh;q=0.9,en;q=0.8"), Lang::Zh);
        assert_eq!(Lang::from_accept("en;q=0.9,zh-TW;q=0.95"), Lang::Zh);
        assert_eq!(Lang::from_accept("fr, en;q=0.5"), Lang::En);
        assert_eq!(Lang::from_accept("fr"), Lang::Zh);
        assert_eq!(Lang::from_accept("en;q=abc"), Lang::En);
    }

    #[test]
    fn the_dictionary_reads_and_falls_back() {
        assert!(EN.len() > 50, "locales/en.toml parses");
        assert_eq!(tr(Lang::En, "首页"), "Home");
        assert_eq!(tr(Lang::Zh, "首页"), "首页");
        assert_eq!(tr(Lang::En, "妥安乡"), "妥安乡");
        assert_eq!(
            both(Lang::En, "政府信息公开指南"),
            "Guide to Open Government Information (政府信息公开指南)"
        );
    }

    /// Every text a template asks to translate has its English.
    #[test]
    fn every_template_text_has_its_english() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        let mut missing = Vec::new();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().and_then(|e| e.to_str()) != Some("html") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for marker in ["frame.t(\"", "frame.both(\""] {
                for piece in text.split(marker).skip(1) {
                    let key = piece.split('"').next().unwrap_or("");
                    if !EN.contains_key(key) {
                        missing.push(format!("{}: {key}", path.display()));
                    }
                }
            }
        }
        assert!(
            missing.is_empty(),
            "no English for:\n{}",
            missing.join("\n")
        );
    }
}
