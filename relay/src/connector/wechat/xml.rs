//! WeChat's XML bodies, read with a real parser (`quick-xml`): the root element's children
//! as name → text pairs (CDATA or escaped text alike). Deeper elements are skipped, a DTD
//! is refused (no entity of the sender's is ever expanded), and the body must be one
//! well-formed element.

use crate::error::RelayError;
use quick_xml::events::Event;
use quick_xml::Reader;

/// The most fields a body may have (WeChat's have about ten).
const MAX_FIELDS: usize = 64;

/// The most nesting a body may have.
const MAX_DEPTH: usize = 16;

/// The children of the root element, in order: `(name, text)`.
pub fn fields(body: &[u8]) -> Result<Vec<(String, String)>, RelayError> {
    let malformed = |why: String| RelayError::MalformedXml(why);
    let text = std::str::from_utf8(body).map_err(|e| malformed(e.to_string()))?;
    let mut reader = Reader::from_str(text);
    let config = reader.config_mut();
    config.check_end_names = true;
    config.expand_empty_elements = true;
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut depth = 0usize;
    let mut roots = 0usize;
    let mut current: Option<(String, String)> = None;
    loop {
        let event = reader.read_event().map_err(|e| malformed(e.to_string()))?;
        match event {
            Event::Start(start) => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(malformed("nested too deeply".into()));
                }
                if depth == 1 {
                    roots += 1;
                    if roots > 1 {
                        return Err(malformed("more than one root element".into()));
                    }
                }
                if depth == 2 {
                    if fields.len() >= MAX_FIELDS {
                        return Err(malformed("too many fields".into()));
                    }
                    let name = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
                    current = Some((name, String::new()));
                }
            }
            Event::End(_) => {
                if depth == 2 {
                    if let Some(field) = current.take() {
                        fields.push(field);
                    }
                }
                depth = depth.saturating_sub(1);
            }
            Event::Text(text) if depth == 2 => {
                let decoded = text.xml_content().map_err(|e| malformed(e.to_string()))?;
                if let Some((_, value)) = current.as_mut() {
                    value.push_str(&decoded);
                }
            }
            Event::CData(data) if depth == 2 => {
                let decoded = data.decode().map_err(|e| malformed(e.to_string()))?;
                if let Some((_, value)) = current.as_mut() {
                    value.push_str(&decoded);
                }
            }
            Event::GeneralRef(reference) if depth == 2 => {
                let resolved = match reference.resolve_char_ref() {
                    Ok(Some(character)) => character.to_string(),
                    Ok(None) => {
                        let name = reference.decode().map_err(|e| malformed(e.to_string()))?;
                        quick_xml::escape::resolve_predefined_entity(&name)
                            .ok_or_else(|| malformed(format!("unknown entity &{name};")))?
                            .to_string()
                    }
                    Err(e) => return Err(malformed(e.to_string())),
                };
                if let Some((_, value)) = current.as_mut() {
                    value.push_str(&resolved);
                }
            }
            Event::Text(text) if depth == 0 && !text.iter().all(u8::is_ascii_whitespace) => {
                return Err(malformed("text outside the root element".into()));
            }
            Event::DocType(_) => return Err(malformed("a DTD".into())),
            Event::Eof => break,
            _ => {}
        }
    }
    if roots != 1 || depth != 0 {
        return Err(malformed("not one whole element".into()));
    }
    Ok(fields)
}

/// The first field named `name`.
pub fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cdata_text_and_entities() {
        let body = br#"<?xml version="1.0"?>
<xml>
  <ToUserName><![CDATA[gh_7f083739789a]]></ToUserName>
  <CreateTime>1348831860</CreateTime>
  <Content>a &lt;b&gt; &amp; &#x4F60;<![CDATA[<raw>]]></Content>
  <Empty/>
  <ScanCodeInfo><ScanType>qrcode</ScanType></ScanCodeInfo>
</xml>"#;
        let fields = fields(body).unwrap();
        assert_eq!(field(&fields, "ToUserName"), Some("gh_7f083739789a"));
        assert_eq!(field(&fields, "CreateTime"), Some("1348831860"));
        assert_eq!(field(&fields, "Content"), Some("a <b> & 你<raw>"));
        assert_eq!(field(&fields, "Empty"), Some(""));
        assert_eq!(field(&fields, "ScanCodeInfo"), Some(""));
        assert_eq!(field(&fields, "ScanType"), None);
    }

    #[test]
    fn refuses_what_is_not_one_element() {
        for body in [
            &b""[..],
            b"<xml>",
            b"<xml><a>1</b></xml>",
            b"<xml></xml><xml></xml>",
            b"text<xml></xml>",
            b"<!DOCTYPE xml [<!ENTITY x \"y\">]><xml><a>&x;</a></xml>",
            b"<xml><a>&x;</a></xml>",
            b"<xml><a>\xff</a></xml>",
        ] {
            assert!(fields(body).is_err(), "{}", String::from_utf8_lossy(body));
        }
        let deep = format!("<xml>{}{}</xml>", "<a>".repeat(40), "</a>".repeat(40));
        assert!(fields(deep.as_bytes()).is_err());
        let wide = format!("<xml>{}</xml>", "<a>1</a>".repeat(100));
        assert!(fields(wide.as_bytes()).is_err());
    }
}
