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

/// Checks a message text and returns it without leading and trailing white space.
pub fn validate_text(text: &str) -> Result<&str, TextError> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(TextError::Empty);
    }
    let chars = trimmed.chars().count();
    if chars > MAX_TEXT_CHARS {
        return Err(TextError::TooLong { chars });
    }
    Ok(trimmed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: Result<&str, TextError>) {
        assert_eq!(validate_text(input), expected, "input: {input:?}");
    }

    #[test]
    fn validates_texts() {
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
}
