//! Short names between the widget's wasm and its JS glue.
//!
//! wasm-bindgen names each of the ~220 browser functions the widget imports like
//! `__wbg_setAttribute_f75317b2b5cabfb4`, and each name is written twice, in the wasm and in
//! the glue; the hashes do not compress. wasm-opt renames the imports, the exports and the
//! import module to a letter or two and prints the mapping, which is applied here to the
//! glue before it is minified: about 6 KB of the widget's gzipped bytes.

use crate::error::{Result, XtaskError};
use serde::Deserialize;

/// What `wasm-opt --minify-imports-and-exports-and-modules` prints.
#[derive(Debug, Deserialize)]
pub struct Renames {
    /// `[module, name, new name]` for each import.
    imports: Vec<(String, String, String)>,
    /// `[name, new name]` for each export.
    exports: Vec<(String, String)>,
}

impl Renames {
    /// Reads wasm-opt's mapping.
    pub fn parse(printed: &str) -> Result<Renames> {
        serde_json::from_str(printed)
            .map_err(|error| XtaskError::Missing(format!("wasm-opt's renames: {error}")))
    }

    /// The glue with the new names. `module` is the import module's new name (wasm-opt
    /// gives every import the same one and does not print it). Fails, rather than ship a
    /// widget that cannot start, if a name is not where the glue is expected to have it.
    pub fn apply(&self, glue: &str, module: &str) -> Result<String> {
        let mut modules: Vec<&str> = self.imports.iter().map(|(m, _, _)| m.as_str()).collect();
        modules.sort_unstable();
        modules.dedup();
        // wasm-opt gives every import one module, so the glue must have one import object.
        let [old] = modules[..] else {
            return Err(XtaskError::Missing(format!(
                "the widget imports from {} modules, not one: {modules:?}",
                modules.len()
            )));
        };
        // The import object: `"./confab_widget_bg.js": import0,`
        let mut glue = replace_once(glue, &format!("\"{old}\":"), &format!("\"{module}\":"))?;
        for (_, old, new) in &self.imports {
            // A key of the import object: `    __wbg_focus_3a2c…: function(arg0) {`
            glue = replace_once(&glue, &format!(" {old}: "), &format!(" {new}: "))?;
        }
        for (old, new) in &self.exports {
            // The glue calls exports as `wasm.name(…)` or reads `wasm.name.buffer`.
            glue = replace_words(&glue, &format!("wasm.{old}"), &format!("wasm.{new}"));
        }
        Ok(glue)
    }
}

/// `text` with its one `old` replaced by `new`; an error if `old` is not there exactly once.
fn replace_once(text: &str, old: &str, new: &str) -> Result<String> {
    match text.matches(old).count() {
        1 => Ok(text.replacen(old, new, 1)),
        count => Err(XtaskError::Missing(format!(
            "the widget's JS glue has `{old}` {count} times, not once"
        ))),
    }
}

/// `text` with each `old` not followed by a letter, digit, `_` or `$` replaced by `new`.
fn replace_words(text: &str, old: &str, new: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(old) {
        let after = &rest[at + old.len()..];
        let whole = !after.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == '$');
        out.push_str(&rest[..at]);
        out.push_str(if whole { new } else { old });
        rest = after;
    }
    out.push_str(rest);
    out
}

/// The module name of the first import of a wasm binary.
pub fn first_import_module(wasm: &[u8]) -> Option<String> {
    let mut reader = Reader {
        bytes: wasm.get(8..)?,
    };
    while !reader.bytes.is_empty() {
        let id = reader.byte()?;
        let size = reader.leb()? as usize;
        let mut section = Reader {
            bytes: reader.take(size)?,
        };
        const IMPORT_SECTION: u8 = 2;
        if id == IMPORT_SECTION {
            let _count = section.leb()?;
            let length = section.leb()? as usize;
            return String::from_utf8(section.take(length)?.to_vec()).ok();
        }
    }
    None
}

/// Reads a wasm binary front to back.
struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn byte(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }

    fn take(&mut self, length: usize) -> Option<&'a [u8]> {
        let (taken, rest) = self.bytes.split_at_checked(length)?;
        self.bytes = rest;
        Some(taken)
    }

    /// An unsigned LEB128 number.
    fn leb(&mut self) -> Option<u32> {
        let mut value = 0u32;
        for shift in (0..35).step_by(7) {
            let byte = self.byte()?;
            value |= u32::from(byte & 0x7f).checked_shl(shift)?;
            if byte & 0x80 == 0 {
                return Some(value);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GLUE: &str = r#"function __wbg_get_imports() {
    const import0 = {
        __wbg_focus_3a2c: function(arg0) {
            arg0.focus();
        },
        __wbindgen_init_externref_table: function() {
            const table = wasm.__wbindgen_externrefs;
        },
    };
    return { "./confab_widget_bg.js": import0 };
}
export function mount(root) { return wasm.mount(root, wasm.mount_len); }
"#;

    fn renames() -> Renames {
        Renames::parse(
            r#"{"imports": [
                ["./confab_widget_bg.js", "__wbg_focus_3a2c", "a"],
                ["./confab_widget_bg.js", "__wbindgen_init_externref_table", "b"]],
              "exports": [["mount", "c"], ["__wbindgen_externrefs", "d"], ["unused", "e"]]}"#,
        )
        .expect("mapping")
    }

    #[test]
    fn every_name_is_replaced_where_the_glue_uses_it() {
        let glue = renames().apply(GLUE, "z").expect("applied");
        let expected = GLUE
            .replace(" __wbg_focus_3a2c: ", " a: ")
            .replace(" __wbindgen_init_externref_table: ", " b: ")
            .replace("wasm.__wbindgen_externrefs", "wasm.d")
            .replace("\"./confab_widget_bg.js\"", "\"z\"")
            .replace("wasm.mount(", "wasm.c(");
        assert_eq!(glue, expected);
        // The JS function keeps its name, and so does an export that merely starts alike.
        assert!(glue.contains("export function mount(") && glue.contains("wasm.mount_len"));
    }

    #[test]
    fn a_missing_import_is_an_error() {
        let mut renames = renames();
        renames.imports.push((
            "./confab_widget_bg.js".into(),
            "__wbg_gone_1234".into(),
            "f".into(),
        ));
        let error = renames.apply(GLUE, "z").expect_err("must fail");
        assert!(error.to_string().contains("__wbg_gone_1234"), "{error}");
    }

    #[test]
    fn imports_from_two_modules_are_an_error() {
        let mut renames = renames();
        renames
            .imports
            .push(("env".into(), "__wbg_other_5678".into(), "f".into()));
        let error = renames.apply(GLUE, "z").expect_err("must fail");
        assert!(error.to_string().contains("2 modules"), "{error}");
    }

    #[test]
    fn the_first_import_module_is_read_from_the_binary() {
        // Header, a type section to skip, then an import section: one import "ab"."f".
        let mut wasm = b"\0asm\x01\0\0\0".to_vec();
        wasm.extend([1, 4, 1, 0x60, 0, 0]);
        wasm.extend([2, 8, 1, 2, b'a', b'b', 1, b'f', 0, 0]);
        assert_eq!(first_import_module(&wasm).as_deref(), Some("ab"));
        assert_eq!(first_import_module(&wasm[..20]), None);
        assert_eq!(first_import_module(b"\0asm\x01\0\0\0"), None);
    }
}
