//! Link codes: how a visitor takes a thread elsewhere without an account — onto WhatsApp
//! (the code rides in the prefilled text of a `wa.me` link) or into another browser (in a
//! resume link). A code is single-use and expires after 30 minutes.

/// How long a code works.
pub const LIFETIME_MS: u64 = 30 * 60 * 1000;

/// The characters of a code: no 0/O or 1/I, which people misread.
const ALPHABET: &[u8; 32] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

/// The characters after `LINK-` (30 bits: with a 30-minute life and the API's rate limits,
/// guessing one is hopeless).
const CODE_CHARS: usize = 6;

/// A code from random bytes.
pub fn code_from(random: [u8; CODE_CHARS]) -> String {
    let tail: String = random
        .iter()
        .map(|byte| ALPHABET[usize::from(byte % 32)] as char)
        .collect();
    format!("LINK-{tail}")
}

/// The text a `wa.me` link prefills; the visitor just presses send.
pub fn whatsapp_text(code: &str) -> String {
    format!("Continue my chat: {code}")
}

/// The first well-formed code in a text (people may edit the prefilled text or type it).
pub fn find_code(text: &str) -> Option<String> {
    let upper = text.to_ascii_uppercase();
    upper.match_indices("LINK-").find_map(|(start, _)| {
        let tail = upper.get(start + 5..start + 5 + CODE_CHARS)?;
        let ends = upper[start + 5 + CODE_CHARS..]
            .chars()
            .next()
            .is_none_or(|next| !next.is_ascii_alphanumeric());
        (ends && tail.bytes().all(|b| ALPHABET.contains(&b))).then(|| format!("LINK-{tail}"))
    })
}

/// Checks the shape of a code given to the API.
pub fn parse_code(raw: &str) -> Option<String> {
    find_code(raw).filter(|code| code.len() == raw.trim().len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_use_the_unambiguous_alphabet() {
        assert_eq!(code_from([0, 1, 31, 32, 255, 7]), "LINK-23Z2Z9");
        let code = code_from([9, 18, 27, 36, 45, 54]);
        assert!(parse_code(&code).is_some(), "{code}");
    }

    #[test]
    fn finds_codes_in_messages() {
        for (text, expected) in [
            ("Continue my chat: LINK-7K2Q9X", Some("LINK-7K2Q9X")),
            ("continue my chat: link-7k2q9x please", Some("LINK-7K2Q9X")),
            ("LINK-7K2Q9X.", Some("LINK-7K2Q9X")),
            ("LINK-7K2Q9XY", None),
            ("LINK-7K2Q", None),
            ("LINK-0K2Q9X", None),
            ("hello", None),
            ("LINK-", None),
            ("我的代码 LINK-7K2Q9X 谢谢", Some("LINK-7K2Q9X")),
        ] {
            assert_eq!(find_code(text).as_deref(), expected, "{text}");
        }
        assert_eq!(parse_code("LINK-7K2Q9X").as_deref(), Some("LINK-7K2Q9X"));
        assert_eq!(parse_code("x LINK-7K2Q9X"), None);
    }
}
