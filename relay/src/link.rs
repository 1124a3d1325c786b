//! Link codes: how a visitor takes a thread elsewhere without an account — onto WhatsApp
//! (the code rides in the prefilled text of a `wa.me` link) or into another browser (in a
//! resume link). A code is single-use and expires after 30 minutes.

/// How long a code works.
pub const LIFETIME_MS: u64 = 30 * 60 * 1000;

/// The characters of a code: no 0/O or 1/I, which people misread.
const ALPHABET: &[u8; 32] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

/// The characters after `LINK-`: 13 of 32, 65 random bits, so a code cannot be guessed
/// however many tries an attacker makes in its 30 minutes (a WhatsApp message or a session
/// is a try), and still short enough to type.
pub const CODE_CHARS: usize = 13;

/// A code from random bytes (each gives one character: 5 of its 8 bits, uniformly).
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
    fn codes_carry_at_least_64_random_bits() {
        // Every byte's value is used: each position takes each of the 32 characters.
        let mut seen = vec![std::collections::BTreeSet::new(); CODE_CHARS];
        for value in 0..=u8::MAX {
            let mut random = [0u8; CODE_CHARS];
            for (position, byte) in random.iter_mut().enumerate() {
                *byte = value.wrapping_add(position as u8);
            }
            let code = code_from(random);
            assert_eq!(code.len(), 5 + CODE_CHARS, "{code}");
            assert_eq!(parse_code(&code).as_deref(), Some(code.as_str()), "{code}");
            for (position, character) in code[5..].chars().enumerate() {
                seen[position].insert(character);
            }
        }
        let bits: f64 = seen
            .iter()
            .map(|characters| (characters.len() as f64).log2())
            .sum();
        assert!(bits >= 64.0, "codes carry {bits} bits");
    }

    #[test]
    fn codes_use_the_unambiguous_alphabet() {
        let mut random = [0u8; CODE_CHARS];
        random[..6].copy_from_slice(&[0, 1, 31, 32, 255, 7]);
        let code = code_from(random);
        assert!(code.starts_with("LINK-23Z2Z9"), "{code}");
        assert!(!code[5..].contains(['0', '1', 'O', 'I']), "{code}");
    }

    #[test]
    fn finds_codes_in_messages() {
        for (text, expected) in [
            (
                "Continue my chat: LINK-7K2Q9XM4HV8RT",
                Some("LINK-7K2Q9XM4HV8RT"),
            ),
            (
                "continue my chat: link-7k2q9xm4hv8rt please",
                Some("LINK-7K2Q9XM4HV8RT"),
            ),
            ("LINK-7K2Q9XM4HV8RT.", Some("LINK-7K2Q9XM4HV8RT")),
            ("LINK-7K2Q9XM4HV8RT\n", Some("LINK-7K2Q9XM4HV8RT")),
            ("(LINK-7K2Q9XM4HV8RT)", Some("LINK-7K2Q9XM4HV8RT")),
            ("LINK-7K2Q9XM4HV8RTY", None),
            ("LINK-7K2Q9XM4HV8R", None),
            ("LINK-7K2Q9X", None),
            ("LINK-7K2Q9X and more text", None),
            ("LINK-0K2Q9XM4HV8RT", None),
            ("LINK-IK2Q9XM4HV8RT", None),
            ("hello", None),
            ("LINK-", None),
            ("LINK-LINK-7K2Q9XM4HV8RT", Some("LINK-7K2Q9XM4HV8RT")),
            ("LINK-7K2Q LINK-23456789ABCDE", Some("LINK-23456789ABCDE")),
            (
                "我的代码 LINK-7K2Q9XM4HV8RT 谢谢",
                Some("LINK-7K2Q9XM4HV8RT"),
            ),
            ("LINK-7K2Q9XM4HV8R蓝", None),
        ] {
            assert_eq!(find_code(text).as_deref(), expected, "{text}");
        }
        for (raw, expected) in [
            ("LINK-7K2Q9XM4HV8RT", Some("LINK-7K2Q9XM4HV8RT")),
            (" link-7k2q9xm4hv8rt ", Some("LINK-7K2Q9XM4HV8RT")),
            ("x LINK-7K2Q9XM4HV8RT", None),
            ("LINK-7K2Q9X", None),
            ("LINK-7K2Q9XM4HV8RT LINK-7K2Q9XM4HV8RT", None),
        ] {
            assert_eq!(parse_code(raw).as_deref(), expected, "{raw:?}");
        }
    }
}
