//! Builds the brand console (`console/`) into `dist/console/`: its wasm (the widget's
//! `widget` profile and, where there is one, the same nightly size build), the glue, the
//! page, its stylesheet and the widget preview page.

use super::{is_newer, minify, names, newest_in, WASM_FEATURES, WIDGET_WASM_OPT};
use crate::error::{io, Result, XtaskError};
use crate::setup::{modified, Tools};
use crate::step::{run, run_for_stdout, skipped, step};
use std::path::Path;
use std::process::Command;

/// The console's files whose sizes the build reports, relative to `dist/`.
pub const SHIPPED: [(&str, &str); 3] = [
    ("console wasm", "console/console_bg.wasm"),
    ("console JS glue", "console/console.js"),
    ("console CSS", "console/console.css"),
];

/// Builds the console into `dist/console/`.
pub fn build(root: &Path, tools: &Tools, dist: &Path) -> Result<()> {
    let out = dist.join("console");
    std::fs::create_dir_all(&out).map_err(io(&out))?;
    let (mut cargo, target_dir) = super::size_build(root, tools, "confab-console");
    step("console (cargo build --profile widget, wasm32)", || {
        run(&mut cargo)
    })?;
    let compiled = target_dir.join("wasm32-unknown-unknown/widget/confab_console.wasm");
    let shipped = out.join("console_bg.wasm");
    if is_newer(modified(&shipped), modified(&compiled)) {
        skipped("console wasm-bindgen and wasm-opt", "up to date");
    } else {
        let bindgen_out = root.join("target/console-bindgen");
        step("console wasm-bindgen --target web", || {
            run(Command::new(&tools.wasm_bindgen)
                // The page always says where the wasm is (boot.js): no default path.
                .args(["--target", "web", "--no-typescript"])
                .args(["--omit-default-module-path", "--encode-into", "always"])
                .args(["--out-name", "console"])
                .arg("--out-dir")
                .arg(&bindgen_out)
                .arg(&compiled))
        })?;
        let optimized = bindgen_out.join("console_bg.opt.wasm");
        // The widget's passes: 19 KB less gzipped than plain `-Oz --converge` here.
        step("console wasm-opt (the widget's passes)", || {
            run(Command::new(tools.npm_tool("wasm-opt"))
                .args(WIDGET_WASM_OPT)
                .args(WASM_FEATURES)
                .arg(bindgen_out.join("console_bg.wasm"))
                .arg("-o")
                .arg(&optimized))?;
            Ok(())
        })?;
        // As the widget's: the imports' and exports' names shortened in the wasm and the
        // glue alike.
        step(
            "console import and export names shortened (wasm-opt, glue)",
            || {
                let short_wasm = bindgen_out.join("console_bg.short.wasm");
                let printed = run_for_stdout(
                    Command::new(tools.npm_tool("wasm-opt"))
                        .arg("--minify-imports-and-exports-and-modules")
                        .args(WASM_FEATURES)
                        .arg(&optimized)
                        .arg("-o")
                        .arg(&short_wasm),
                )?;
                let renames = names::Renames::parse(&printed)?;
                let wasm = std::fs::read(&short_wasm).map_err(io(&short_wasm))?;
                let module = names::first_import_module(&wasm).ok_or_else(|| {
                    XtaskError::Missing("the console's wasm imports nothing".into())
                })?;
                let glue_path = bindgen_out.join("console.js");
                let glue = std::fs::read_to_string(&glue_path).map_err(io(&glue_path))?;
                let short = bindgen_out.join("console.short.js");
                std::fs::write(&short, renames.apply(&glue, &module)?).map_err(io(&short))?;
                minify(tools, &short, &out.join("console.js"))?;
                // Written last: it is what says the build is up to date.
                std::fs::copy(&short_wasm, &shipped).map_err(io(&shipped))?;
                Ok(())
            },
        )?;
    }
    let statics = root.join("console/static");
    if is_newer(
        modified(&out.join("index.html")),
        newest_in(std::slice::from_ref(&statics)),
    ) {
        skipped("console page, stylesheet and preview", "up to date");
        return Ok(());
    }
    step(
        "console page, stylesheet and preview (esbuild --minify)",
        || {
            minify(
                tools,
                &statics.join("console.css"),
                &out.join("console.css"),
            )?;
            for script in ["preview.js", "boot.js"] {
                minify(tools, &statics.join(script), &out.join(script))?;
            }
            for page in ["preview.html", "index.html"] {
                let (from, to) = (statics.join(page), out.join(page));
                std::fs::copy(&from, &to).map_err(io(&from))?;
            }
            Ok(())
        },
    )
}
