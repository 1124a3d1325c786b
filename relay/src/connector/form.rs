//! `multipart/form-data` bodies (RFC 7578) around one file, for providers that take files
//! as forms (Telegram's `sendPhoto`/`sendDocument`, WhatsApp's media upload): text fields,
//! then the file part's headers, then — streamed by the caller between [`FileForm::head`]
//! and [`FileForm::tail`] — the file's bytes, so that a file is never whole in memory.

/// A form around a file: what goes before the file's bytes and what after.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileForm {
    /// The `Content-Type` header, naming the boundary.
    pub content_type: String,
    /// The fields and the file part's headers.
    pub head: Vec<u8>,
    /// The end of the file part and of the form.
    pub tail: Vec<u8>,
}

impl FileForm {
    /// The whole body's length for a file of `size` bytes.
    pub fn length(&self, size: u64) -> u64 {
        (self.head.len() + self.tail.len()) as u64 + size
    }
}

/// A file to send: its name and type.
#[derive(Clone, Copy, Debug)]
pub struct FilePart<'a> {
    /// The file's name.
    pub name: &'a str,
    /// Its type.
    pub content_type: &'a str,
}

/// The form of `fields` (name, value; in this order) and the file as the part named
/// `file_field`. `boundary` must be random (it must not occur in the bytes; 128 random
/// bits do not, in practice).
pub fn file_form(
    boundary: &str,
    fields: &[(&str, &str)],
    file_field: &str,
    file: FilePart<'_>,
) -> FileForm {
    let FilePart { name, content_type } = file;
    let mut head = Vec::with_capacity(1024);
    for (field, value) in fields {
        head.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    head.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{file_field}\"; \
             filename=\"{}\"\r\nContent-Type: {content_type}\r\n\r\n",
            quoted(name)
        )
        .as_bytes(),
    );
    FileForm {
        content_type: format!("multipart/form-data; boundary={boundary}"),
        head,
        tail: format!("\r\n--{boundary}--\r\n").into_bytes(),
    }
}

/// A file name fit for a quoted header parameter: quotes, back slashes and line breaks
/// become `_` (browsers do the same when they send forms).
fn quoted(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            '"' | '\\' | '\r' | '\n' => '_',
            c if c.is_control() => '_',
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_come_first_and_the_file_last() {
        let file = FilePart {
            name: "a\nb.pdf",
            content_type: "application/pdf",
        };
        let form = file_form(
            "B",
            &[("x", "1"), ("type", "application/pdf")],
            "file",
            file,
        );
        assert_eq!(
            String::from_utf8(form.head.clone()).unwrap(),
            "--B\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n1\r\n\
             --B\r\nContent-Disposition: form-data; name=\"type\"\r\n\r\napplication/pdf\r\n\
             --B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a_b.pdf\"\r\n\
             Content-Type: application/pdf\r\n\r\n"
        );
        assert_eq!(form.tail, b"\r\n--B--\r\n");
        assert_eq!(
            form.length(10),
            (form.head.len() + form.tail.len() + 10) as u64
        );
    }
}
