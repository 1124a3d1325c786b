//! The rules a message text must follow, checked by the widget before sending and by the
//! relay before storing.

use std::fmt;

/// The longest text a message may carry, in Unicode scalar values (WhatsApp's limit).
pub const MAX_TEXT_CHARS: usize = 4096;

/// Why a text was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TextError {
    /// Nothing but white space.
    Empty,
    /// Longer than [`MAX_TEXT_CHARS`].
    TooLong {
        /// How many characters the text has.
        chars: usize,
    },
}

impl fmt::Display for TextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TextError::Empty => f.write_str("the message is empty"),
            TextError::TooLong { chars } => write!(
                f,
                "the message has {chars} characters; at most {MAX_TEXT_CHARS} are allowed"
            ),
        }
    }
}

impl std::error::Error for TextError {}

/// Checks a message text and returns it without leading and trailing white space (and
/// invisible characters: zero-width space, word joiner, byte-order mark, Mongolian vowel
/// separator).
pub fn validate_text(text: &str) -> Result<&str, TextError> {
    let trimmed = text.trim_matches(|c: char| {
        c.is_whitespace() || matches!(c, '\u{200B}' | '\u{2060}' | '\u{FEFF}' | '\u{180E}')
    });
    if trimmed.is_empty() {
        return Err(TextError::Empty);
    }
    let chars = trimmed.chars().count();
    if chars > MAX_TEXT_CHARS {
        return Err(TextError::TooLong { chars });
    }
    Ok(trimmed)
}

/// The text as it is stored: trimmed as [`validate_text`] trims it, once it passes.
pub fn normalize_text(text: &str) -> Result<String, TextError> {
    validate_text(text).map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: Result<&str, TextError>) {
        assert_eq!(validate_text(input), expected, "input: {input:?}");
    }

    #[test]
    fn validates_texts() {
        // Invisible characters at either end are trimmed like white space: a text of
        // nothing else is empty.
        for (input, expected) in [
            ("\u{200B}", Err(TextError::Empty)),
            ("\u{FEFF}", Err(TextError::Empty)),
            ("\u{2060}\u{200B} \u{FEFF}\n", Err(TextError::Empty)),
            ("\u{180E}", Err(TextError::Empty)),
            ("\u{00A0}\u{3000}", Err(TextError::Empty)),
            ("\u{FEFF}hello\u{200B}", Ok("hello")),
            ("\u{3000}你好\u{3000}", Ok("你好")),
            ("a\u{200B}b", Ok("a\u{200B}b")),
            ("👨\u{200D}👩\u{200D}👧", Ok("👨\u{200D}👩\u{200D}👧")),
        ] {
            check(input, expected);
        }
        check("hello", Ok("hello"));
        check("  padded \n", Ok("padded"));
        check("蓝色的还有货吗?", Ok("蓝色的还有货吗?"));
        check("line one\nline two", Ok("line one\nline two"));
        check("", Err(TextError::Empty));
        check(" \n\t ", Err(TextError::Empty));
        check(&"a".repeat(MAX_TEXT_CHARS), Ok(&"a".repeat(MAX_TEXT_CHARS)));
        check(
            &"a".repeat(MAX_TEXT_CHARS + 1),
            Err(TextError::TooLong {
                chars: MAX_TEXT_CHARS + 1,
            }),
        );
        // Counted in characters, not bytes: 4,096 three-byte characters are allowed.
        check(
            &"蓝".repeat(MAX_TEXT_CHARS),
            Ok(&"蓝".repeat(MAX_TEXT_CHARS)),
        );
    }

    #[test]
    fn normalizes_texts_for_storage() {
        let most = "a".repeat(MAX_TEXT_CHARS);
        let padded_most = format!(" \n{most}\u{FEFF} ");
        let too_many = format!("{most}b");
        for (input, expected) in [
            ("hello", Ok("hello")),
            ("  padded \n", Ok("padded")),
            ("\r\n\thello\r\n", Ok("hello")),
            ("\u{FEFF}hello\u{200B}", Ok("hello")),
            ("\u{3000}蓝色\u{3000}", Ok("蓝色")),
            ("line one\n\nline two", Ok("line one\n\nline two")),
            ("  inner  spaces  ", Ok("inner  spaces")),
            (padded_most.as_str(), Ok(most.as_str())),
            ("", Err(TextError::Empty)),
            (" \n\t ", Err(TextError::Empty)),
            ("\u{200B}\u{FEFF}", Err(TextError::Empty)),
            (
                too_many.as_str(),
                Err(TextError::TooLong {
                    chars: MAX_TEXT_CHARS + 1,
                }),
            ),
        ] {
            assert_eq!(
                normalize_text(input),
                expected.map(str::to_string),
                "input: {input:?}"
            );
        }
    }
}
