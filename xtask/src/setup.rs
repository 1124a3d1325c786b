//! Machine set-up: installs, idempotently, every tool the build and the tests need, from the
//! package registries only (rustup, crates.io, npm, Debian). Nothing is downloaded from
//! elsewhere: worker-build is pointed at these tools through its `*_BIN` variables.

use crate::error::{io, Result, XtaskError};
use crate::step::{output, run, skipped, step};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The worker-build release the relay is built with (it must match workers-rs 0.8).
const WORKER_BUILD_VERSION: &str = "0.8.7";

/// The schemathesis release (PyPI) that tests the running relay against its OpenAPI spec.
const SCHEMATHESIS_VERSION: &str = "4.32.5";

/// What the run is for: tests also need a browser.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    /// Build and serve.
    Build,
    /// Build, serve and drive a browser.
    Test,
}

/// Where the installed tools are.
pub struct Tools {
    /// The wasm-bindgen CLI, at the version in Cargo.lock.
    pub wasm_bindgen: PathBuf,
    /// worker-build.
    pub worker_build: PathBuf,
    /// `node_modules/.bin` of the workspace (wrangler, esbuild, wasm-opt).
    pub node_bin: PathBuf,
    /// The nightly toolchain the widget is built with, to rebuild the standard library for
    /// size (`None`: this machine has no usable nightly; the widget builds on stable).
    pub widget_nightly: Option<&'static str>,
    /// Whether cargo-fuzz and a nightly toolchain are here to run the fuzz targets.
    pub fuzz: bool,
}

impl Tools {
    /// An npm tool installed from `package.json`.
    pub fn npm_tool(&self, name: &str) -> PathBuf {
        self.node_bin.join(name)
    }
}

/// Installs what is missing and says where everything is.
pub fn tools(root: &Path, needs: Needs) -> Result<Tools> {
    let cargo_bin = cargo_bin_dir();
    wasm_target()?;
    let wasm_bindgen = wasm_bindgen_cli(root, &cargo_bin)?;
    let worker_build = worker_build(&cargo_bin)?;
    let node_bin = npm_tools(root)?;
    let widget_nightly = widget_nightly();
    dev_vars(root)?;
    let mut fuzz = false;
    if needs == Needs::Test {
        chromium()?;
        schemathesis(root)?;
        fuzz = cargo_fuzz(widget_nightly.is_some())?;
    }
    Ok(Tools {
        wasm_bindgen,
        worker_build,
        node_bin,
        widget_nightly,
        fuzz,
    })
}

/// The toolchain channel the widget's size build uses.
const NIGHTLY: &str = "nightly";

/// Readies the machine's nightly toolchain for the widget's size build (the standard
/// library's source and the wasm target), if the machine has one. A missing nightly is not
/// an error: the widget then builds on stable, larger, and the build says so.
fn widget_nightly() -> Option<&'static str> {
    let name = "nightly toolchain for the widget (rust-src, wasm32 target)";
    let Some(version) = output(Command::new("rustup").args(["run", NIGHTLY, "rustc", "--version"]))
    else {
        skipped(
            name,
            "no nightly toolchain here: the widget builds on stable, larger",
        );
        return None;
    };
    let components = output(Command::new("rustup").args([
        "component",
        "list",
        "--installed",
        "--toolchain",
        NIGHTLY,
    ]))
    .unwrap_or_default();
    let has = |component: &str| {
        components
            .lines()
            .any(|line| line.trim().starts_with(component))
    };
    if has("rust-src") && has("rust-std-wasm32-unknown-unknown") {
        skipped(name, version.trim());
        return Some(NIGHTLY);
    }
    let installed = step(name, || {
        run(Command::new("rustup").args(["component", "add", "rust-src", "--toolchain", NIGHTLY]))?;
        run(Command::new("rustup").args([
            "target",
            "add",
            "wasm32-unknown-unknown",
            "--toolchain",
            NIGHTLY,
        ]))
    });
    match installed {
        Ok(()) => Some(NIGHTLY),
        Err(error) => {
            eprintln!("  the widget builds on stable, larger: {error}");
            None
        }
    }
}

fn cargo_bin_dir() -> PathBuf {
    std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".cargo")))
        .unwrap_or_else(|| PathBuf::from(".cargo"))
        .join("bin")
}

fn wasm_target() -> Result<()> {
    let components = "rust components clippy and rustfmt";
    let have_components = output(Command::new("cargo").args(["clippy", "--version"])).is_some()
        && output(Command::new("cargo").args(["fmt", "--version"])).is_some();
    if have_components {
        skipped(components, "installed");
    } else {
        step(components, || {
            run(Command::new("rustup").args(["component", "add", "clippy", "rustfmt"]))
        })?;
    }
    let name = "rust target wasm32-unknown-unknown";
    let installed = output(Command::new("rustup").args(["target", "list", "--installed"]))
        .is_some_and(|list| {
            list.lines()
                .any(|line| line.trim() == "wasm32-unknown-unknown")
        });
    if installed {
        skipped(name, "installed");
        return Ok(());
    }
    step(name, || {
        run(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))
    })
}

/// The version of `package` that Cargo.lock pins.
pub fn locked_version(root: &Path, package: &str) -> Result<String> {
    let lock_path = root.join("Cargo.lock");
    let lock = std::fs::read_to_string(&lock_path).map_err(io(&lock_path))?;
    let name_line = format!("name = \"{package}\"");
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == name_line {
            if let Some(version) = lines
                .next()
                .and_then(|line| line.strip_prefix("version = \""))
                .and_then(|rest| rest.strip_suffix('"'))
            {
                return Ok(version.to_string());
            }
        }
    }
    Err(XtaskError::Missing(format!(
        "Cargo.lock has no {package}; run `cargo generate-lockfile`"
    )))
}

fn wasm_bindgen_cli(root: &Path, cargo_bin: &Path) -> Result<PathBuf> {
    let version = locked_version(root, "wasm-bindgen")?;
    let binary = cargo_bin.join("wasm-bindgen");
    let name = format!("wasm-bindgen-cli {version}");
    let installed = output(Command::new(&binary).arg("--version"))
        .is_some_and(|answer| answer.split_whitespace().nth(1) == Some(version.as_str()));
    if installed {
        skipped(&name, "installed");
        return Ok(binary);
    }
    // Without --locked: the CLI's own lock file pins a crate version the registry lacks.
    step(&format!("{name} (cargo install, a few minutes)"), || {
        run(Command::new("cargo").args([
            "install",
            "wasm-bindgen-cli",
            "--version",
            &version,
            "--force",
        ]))
    })?;
    Ok(binary)
}

fn worker_build(cargo_bin: &Path) -> Result<PathBuf> {
    let binary = cargo_bin.join("worker-build");
    let name = format!("worker-build {WORKER_BUILD_VERSION}");
    let installed = output(Command::new(&binary).arg("--version"))
        .is_some_and(|answer| answer.contains(WORKER_BUILD_VERSION));
    if installed {
        skipped(&name, "installed");
        return Ok(binary);
    }
    step(&format!("{name} (cargo install, a few minutes)"), || {
        run(Command::new("cargo").args([
            "install",
            "worker-build",
            "--version",
            WORKER_BUILD_VERSION,
            "--force",
        ]))
    })?;
    Ok(binary)
}

/// Installs wrangler, esbuild, binaryen and the test tools from the committed lock file into
/// the workspace's own `node_modules/`.
fn npm_tools(root: &Path) -> Result<PathBuf> {
    let name = "npm tools (wrangler, esbuild, binaryen, axe-core)";
    let lock = root.join("package-lock.json");
    let installed = root.join("node_modules/.package-lock.json");
    let fresh = match (modified(&installed), modified(&lock)) {
        (Some(installed), Some(lock)) => installed >= lock,
        _ => false,
    };
    if fresh {
        skipped(name, "installed");
    } else {
        step(name, || {
            run(Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
                .current_dir(root))
        })?;
    }
    Ok(root.join("node_modules/.bin"))
}

/// The development secrets `wrangler dev` reads from `.dev.vars`.
const DEV_SECRETS: [&str; 3] = ["TOKEN_SECRET", "ADMIN_SECRET", "DEMO_IDENTITY_SECRET"];

/// Writes `.dev.vars` (the development secrets, never committed), giving each secret it
/// lacks a fresh random value; values already there are kept.
fn dev_vars(root: &Path) -> Result<()> {
    let path = root.join(".dev.vars");
    let existing = std::fs::read_to_string(&path).unwrap_or_default();
    let has = |name: &str| {
        existing
            .lines()
            .any(|line| line.starts_with(&format!("{name}=")))
    };
    let missing: Vec<&str> = DEV_SECRETS.into_iter().filter(|name| !has(name)).collect();
    let needs_env = !has("CONFAB_ENV");
    if missing.is_empty() && !needs_env {
        skipped(".dev.vars", "present");
        return Ok(());
    }
    step(".dev.vars (development secrets)", || {
        let mut contents = if existing.is_empty() {
            "# Development secrets for `wrangler dev`; generated by `cargo xtask`, never committed.\n"
                .to_string()
        } else {
            existing.clone()
        };
        for name in missing {
            contents.push_str(&format!("{name}={}\n", random_hex()?));
        }
        if needs_env {
            // Lets local brands send webhooks to this machine (never so in production).
            contents.push_str("CONFAB_ENV=development\n");
        }
        std::fs::write(&path, contents).map_err(io(&path))
    })
}

fn random_hex() -> Result<String> {
    let mut secret = [0u8; 32];
    let urandom = Path::new("/dev/urandom");
    std::io::Read::read_exact(
        &mut std::fs::File::open(urandom).map_err(io(urandom))?,
        &mut secret,
    )
    .map_err(io(urandom))?;
    Ok(secret.iter().map(|byte| format!("{byte:02x}")).collect())
}

/// A font with Chinese and Japanese glyphs (Debian's WenQuanYi Zen Hei, 7 MB): without
/// one, Chromium draws the zh-CN and ja widgets, and the README's gallery, as empty boxes.
const CJK_FONT: &str = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc";

/// The browser for the end-to-end tests: Debian's Chromium and its driver, and a CJK font.
fn chromium() -> Result<()> {
    let name = "chromium, chromium-driver and fonts-wqy-zenhei (apt-get)";
    if ["/usr/bin/chromium", "/usr/bin/chromedriver", CJK_FONT]
        .iter()
        .all(|path| Path::new(path).exists())
    {
        skipped(name, "installed");
        return Ok(());
    }
    step(name, || {
        let as_root = output(Command::new("id").arg("-u")).is_some_and(|uid| uid.trim() == "0");
        let apt = |args: &[&str]| {
            let mut command = if as_root {
                Command::new("apt-get")
            } else {
                let mut sudo = Command::new("sudo");
                sudo.arg("apt-get");
                sudo
            };
            command.args(args).env("DEBIAN_FRONTEND", "noninteractive");
            run(&mut command)
        };
        apt(&["update", "-q"])?;
        apt(&[
            "install",
            "-y",
            "-q",
            "chromium",
            "chromium-driver",
            "fonts-wqy-zenhei",
        ])
    })
}

/// The cargo-fuzz version the fuzz targets are run with.
const CARGO_FUZZ_VERSION: &str = "0.13.2";

/// cargo-fuzz, for the fuzz targets in `fuzz/` (which need nightly): true if they can run.
fn cargo_fuzz(have_nightly: bool) -> Result<bool> {
    let name = format!("cargo-fuzz {CARGO_FUZZ_VERSION}");
    if !have_nightly {
        skipped(
            &name,
            "no nightly toolchain here: the fuzz targets cannot run",
        );
        return Ok(false);
    }
    let installed = output(Command::new("cargo").args(["fuzz", "--version"]))
        .is_some_and(|answer| answer.contains(CARGO_FUZZ_VERSION));
    if installed {
        skipped(&name, "installed");
        return Ok(true);
    }
    step(&name, || {
        run(Command::new("cargo").args([
            "install",
            "cargo-fuzz",
            "--locked",
            "--version",
            CARGO_FUZZ_VERSION,
        ]))
    })?;
    Ok(true)
}

/// Schemathesis in a virtual environment of its own, `target/tools/schemathesis`.
fn schemathesis(root: &Path) -> Result<()> {
    let name = format!("schemathesis {SCHEMATHESIS_VERSION} (pip, in target/tools)");
    let venv = root.join("target/tools/schemathesis");
    let installed = output(Command::new(venv.join("bin/schemathesis")).arg("--version"))
        .is_some_and(|answer| answer.contains(SCHEMATHESIS_VERSION));
    if installed {
        skipped(&name, "installed");
        return Ok(());
    }
    step(&name, || {
        run(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
        run(Command::new(venv.join("bin/pip")).args([
            "install",
            "--quiet",
            "--disable-pip-version-check",
            &format!("schemathesis=={SCHEMATHESIS_VERSION}"),
        ]))
    })
}

/// A file's modification time, if it exists.
pub fn modified(path: &Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(path)
        .and_then(|meta| meta.modified())
        .ok()
}
