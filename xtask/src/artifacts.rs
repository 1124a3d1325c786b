//! Builds what Confab ships: the widget (wasm, JS glue, CSS and the loader), the demo site,
//! assembled in `dist/` (the Worker's static assets), and the relay in `relay/build/`.

mod console;
mod names;

use crate::error::{io, Result, XtaskError};
use crate::setup::{modified, Tools};
use crate::step::{run, run_for_stdout, skipped, step};
use flate2::{write::GzEncoder, Compression};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

/// The files a deploy serves, relative to `dist/`, whose sizes the build reports.
pub const SHIPPED: [(&str, &str); 4] = [
    ("loader", "widget.js"),
    ("widget wasm", "widget/confab_widget_bg.wasm"),
    ("widget JS glue", "widget/confab_widget.js"),
    ("widget CSS", "widget/widget.css"),
];

/// Builds everything: the widget and demo site into `dist/`, the relay into `relay/build/`.
pub fn build_all(root: &Path, tools: &Tools) -> Result<()> {
    build_widget(root, tools)?;
    relay(root, tools)?;
    report_sizes(root, &root.join("dist"))
}

/// Builds what the browser loads (widget, loader, stylesheet, language packs, demo site)
/// into `dist/`, leaving the relay as it is: `cargo xtask build --widget`, for weighing a
/// change to the widget quickly.
pub fn build_widget(root: &Path, tools: &Tools) -> Result<()> {
    let dist = root.join("dist");
    std::fs::create_dir_all(dist.join("widget")).map_err(io(&dist))?;
    widget_wasm(root, tools, &dist)?;
    step(
        "loader, service worker and stylesheet (esbuild --minify)",
        || {
            minify(
                tools,
                &root.join("widget/loader/widget.js"),
                &dist.join("widget.js"),
            )?;
            // Confab's half of web push: brands' own one-line workers import it.
            minify(
                tools,
                &root.join("widget/loader/push-sw.js"),
                &dist.join("widget/push-sw.js"),
            )?;
            minify(
                tools,
                &root.join("widget/style/widget.css"),
                &dist.join("widget/widget.css"),
            )
        },
    )?;
    step(
        "language packs (widget/i18n/ → dist/widget/i18n/)",
        || copy_tree(&root.join("widget/i18n"), &dist.join("widget/i18n")),
    )?;
    step("demo site (www/ → dist/)", || {
        copy_tree(&root.join("www"), &dist)
    })?;
    console::build(root, tools, &dist)
}

/// The cargo command that builds `package`'s wasm for the browser, with the `widget`
/// profile, and the target folder it builds into. With a nightly: the standard library
/// rebuilt for size, panics that abort without a message, and no file/line strings (about a
/// sixth of the widget's gzipped bytes); `optimize_for_size` picks the standard library's
/// smaller code where it has two (sorting, formatting integers: 1.0 KB less gzipped). A
/// target folder of its own keeps these flags from invalidating the workspace's build
/// cache, and the widget and the console share it, so Yew, serde and the standard library
/// are built once.
pub(crate) fn size_build(root: &Path, tools: &Tools, package: &str) -> (Command, PathBuf) {
    let mut cargo = Command::new("cargo");
    let target_dir = match tools.widget_nightly {
        Some(nightly) => {
            cargo
                .arg(format!("+{nightly}"))
                .args(["-Z", "build-std=std,panic_abort"])
                .args(["-Z", "build-std-features=optimize_for_size"])
                .env("RUSTFLAGS", NIGHTLY_WIDGET_FLAGS);
            root.join("target/widget-nightly")
        }
        None => root.join("target"),
    };
    cargo
        .args(["build", "--package", package, "--lib"])
        .args(["--profile", "widget", "--target", "wasm32-unknown-unknown"])
        .arg("--target-dir")
        .arg(&target_dir)
        .current_dir(root);
    (cargo, target_dir)
}

fn widget_wasm(root: &Path, tools: &Tools, dist: &Path) -> Result<()> {
    let (mut cargo, target_dir) = size_build(root, tools, "confab-widget");
    let name = match tools.widget_nightly {
        Some(_) => "widget (cargo +nightly build --profile widget -Z build-std, wasm32)",
        None => "widget (cargo build --profile widget, wasm32)",
    };
    step(name, || run(&mut cargo))?;
    let compiled = target_dir.join("wasm32-unknown-unknown/widget/confab_widget.wasm");
    let shipped = dist.join("widget/confab_widget_bg.wasm");
    if is_newer(modified(&shipped), modified(&compiled)) {
        skipped("widget wasm-bindgen and wasm-opt", "up to date");
        return Ok(());
    }
    let bindgen_out = root.join("target/widget-bindgen");
    step("widget wasm-bindgen --target web", || {
        run(Command::new(&tools.wasm_bindgen)
            // The loader always says where the wasm is, and every browser the widget
            // supports has TextEncoder.encodeInto: no fallbacks for either in the glue.
            .args(["--target", "web", "--no-typescript"])
            .args(["--omit-default-module-path", "--encode-into", "always"])
            .arg("--out-dir")
            .arg(&bindgen_out)
            .arg(&compiled))
    })?;
    // The shipped wasm is written last: it is what says the build is up to date, so a
    // build stopped half-way is done again rather than leave a wasm without its glue.
    let optimized = bindgen_out.join("confab_widget_bg.opt.wasm");
    let short_wasm = bindgen_out.join("confab_widget_bg.short.wasm");
    step(
        "widget wasm-opt -Oz --converge (single-caller inlining kept small)",
        || {
            run(Command::new(tools.npm_tool("wasm-opt"))
                .args(WIDGET_WASM_OPT)
                .args(WASM_FEATURES)
                .arg(bindgen_out.join("confab_widget_bg.wasm"))
                .arg("-o")
                .arg(&optimized))
        },
    )?;
    step(
        "widget import and export names shortened (wasm-opt, glue)",
        || {
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
            let module = names::first_import_module(&wasm)
                .ok_or_else(|| XtaskError::Missing("the widget's wasm imports nothing".into()))?;
            let glue_path = bindgen_out.join("confab_widget.js");
            let glue = std::fs::read_to_string(&glue_path).map_err(io(&glue_path))?;
            let short = bindgen_out.join("confab_widget.short.js");
            std::fs::write(&short, renames.apply(&glue, &module)?).map_err(io(&short))?;
            minify(tools, &short, &dist.join("widget/confab_widget.js"))?;
            std::fs::copy(&short_wasm, &shipped).map_err(io(&shipped))?;
            Ok(())
        },
    )
}

/// wasm-opt's passes for the widget, for size. `--converge` repeats them while they still
/// shrink the module; the control flow is flattened and rebuilt once first (`--rereloop`);
/// `-iit` lets the optimizer assume that no load or division traps, which safe Rust never
/// counts on (its checks are explicit); the producers and target-features sections are
/// only telemetry. Binaryen inlines every function that has one caller, whatever its size:
/// in a Yew app that makes each component's render one huge function whose locals and
/// blocks compress badly, so only small ones (15 instructions or fewer) are inlined, and a
/// second round of inlining and dead-argument removal follows the first `-Oz`. Measured on
/// this widget: 8.5 KB less gzipped than `-Oz --converge` with single-caller inlining.
const WIDGET_WASM_OPT: [&str; 12] = [
    "--one-caller-inline-max-function-size",
    "15",
    "--ignore-implicit-traps",
    "--strip-producers",
    "--strip-target-features",
    "--flatten",
    "--rereloop",
    "-Oz",
    "--dae-optimizing",
    "--inlining-optimizing",
    "-Oz",
    "--converge",
];

/// rustc flags of the widget's nightly size build. Without reference types and multivalue,
/// wasm-bindgen keeps the widget's JavaScript objects in a table on the JS side rather than
/// in the wasm's own: 0.9 KB less gzipped.
const NIGHTLY_WIDGET_FLAGS: &str = "-Zunstable-options -Cpanic=immediate-abort \
    -Zlocation-detail=none -Zfmt-debug=none -Ctarget-feature=-reference-types,-multivalue";

/// The wasm features rustc enables by default for wasm32-unknown-unknown; wasm-opt must
/// accept them.
const WASM_FEATURES: [&str; 6] = [
    "--enable-bulk-memory",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--enable-multivalue",
    "--enable-reference-types",
];

fn minify(tools: &Tools, source: &Path, target: &Path) -> Result<()> {
    run(Command::new(tools.npm_tool("esbuild"))
        .arg(source)
        .args(["--minify", "--log-level=warning"])
        .arg(format!("--outfile={}", target.display())))
}

fn relay(root: &Path, tools: &Tools) -> Result<()> {
    let built = modified(&root.join("relay/build/index.js"));
    let sources = newest_in(&[
        root.join("relay/src"),
        root.join("relay/Cargo.toml"),
        root.join("protocol"),
        root.join("Cargo.lock"),
    ]);
    if is_newer(built, sources) {
        skipped("relay (worker-build)", "up to date");
        return Ok(());
    }
    step("relay (worker-build --release)", || {
        run(Command::new(&tools.worker_build)
            .arg("--release")
            .current_dir(root.join("relay"))
            .env("WASM_BINDGEN_BIN", &tools.wasm_bindgen)
            .env("WASM_OPT_BIN", tools.npm_tool("wasm-opt"))
            .env("ESBUILD_BIN", tools.npm_tool("esbuild")))
    })
}

/// Whether `output` exists and is at least as new as `input`.
fn is_newer(output: Option<SystemTime>, input: Option<SystemTime>) -> bool {
    matches!((output, input), (Some(output), Some(input)) if output >= input)
}

fn newest_in(paths: &[PathBuf]) -> Option<SystemTime> {
    paths.iter().filter_map(|path| newest(path)).max()
}

fn newest(path: &Path) -> Option<SystemTime> {
    let own = modified(path);
    let children = std::fs::read_dir(path)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| newest(&entry.path()));
    own.into_iter().chain(children).max()
}

fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to).map_err(io(to))?;
    for entry in std::fs::read_dir(from).map_err(io(from))? {
        let entry = entry.map_err(io(from))?;
        let (source, target) = (entry.path(), to.join(entry.file_name()));
        if source.is_dir() {
            copy_tree(&source, &target)?;
        } else {
            std::fs::copy(&source, &target).map_err(io(&source))?;
        }
    }
    Ok(())
}

/// The gzip-compressed size of `bytes` (level 9, as a CDN would serve it).
pub fn gzipped_len(bytes: &[u8]) -> usize {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
    // Writing into a Vec cannot fail.
    let _ = encoder.write_all(bytes);
    encoder.finish().map(|gz| gz.len()).unwrap_or(0)
}

/// Prints the raw and gzipped size of each shipped file, the relay's wasm, and the widget's
/// total (the figure its 130 KB budget is about).
pub fn report_sizes(root: &Path, dist: &Path) -> Result<()> {
    eprintln!("\nsizes            raw        gzip");
    let mut widget_total = 0;
    // The console's weight is reported, not yet held to a budget.
    let mut console_total = 0;
    let mut rows: Vec<(String, PathBuf)> = SHIPPED
        .iter()
        .map(|(label, file)| (label.to_string(), dist.join(file)))
        .collect();
    rows.extend(
        console::SHIPPED
            .iter()
            .map(|(label, file)| (label.to_string(), dist.join(file))),
    );
    // `build --widget` leaves the relay as it is, and a fresh checkout has none yet.
    let relay = root.join("relay/build/index_bg.wasm");
    if relay.exists() {
        rows.push(("relay wasm".into(), relay));
    }
    for (label, path) in rows {
        let bytes = std::fs::read(&path).map_err(io(&path))?;
        let gzip = gzipped_len(&bytes);
        if label.starts_with("widget") {
            widget_total += gzip;
        }
        if label.starts_with("console") {
            console_total += gzip;
        }
        eprintln!(
            "{label:<15} {:>7.1} KB {:>7.1} KB",
            kb(bytes.len()),
            kb(gzip)
        );
    }
    eprintln!("full widget gzip total: {:.1} KB", kb(widget_total));
    eprintln!("console gzip total: {:.1} KB\n", kb(console_total));
    Ok(())
}

fn kb(bytes: usize) -> f64 {
    bytes as f64 / 1024.0
}
