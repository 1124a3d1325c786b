//! Running the relay locally on workerd (`wrangler dev`), and the test run.

use crate::error::Result;
use crate::setup::Tools;
use crate::step::{run, step};
use sha2::{Digest, Sha256};
use std::path::Path;
use std::process::Command;

/// Prepares the local D1 database (migrations, the development `demo` brand) in the given
/// persistence folder.
pub fn prepare_database(root: &Path, tools: &Tools, persist_to: &Path) -> Result<()> {
    step("local D1: migrations and the demo brand", || {
        run(Command::new(tools.npm_tool("wrangler"))
            .args(["d1", "migrations", "apply", "DB", "--local", "--persist-to"])
            .arg(persist_to)
            .env("CI", "true")
            .current_dir(root))?;
        run(Command::new(tools.npm_tool("wrangler"))
            .args([
                "d1",
                "execute",
                "DB",
                "--local",
                "--file",
                "relay/seed/dev.sql",
            ])
            .arg("--persist-to")
            .arg(persist_to)
            .env("CI", "true")
            .current_dir(root))
    })
}

/// The demo brand's owner in the local D1, and a fresh single-use sign-in link for them
/// (the relay keeps only its token's SHA-256, as `relay/src/member.rs` does).
fn console_link(root: &Path, tools: &Tools, persist_to: &Path, port: u16) -> Result<String> {
    let mut bytes = [0u8; 32];
    let urandom = Path::new("/dev/urandom");
    std::io::Read::read_exact(
        &mut std::fs::File::open(urandom).map_err(crate::error::io(urandom))?,
        &mut bytes,
    )
    .map_err(crate::error::io(urandom))?;
    let hex = |bytes: &[u8]| bytes.iter().map(|b| format!("{b:02x}")).collect::<String>();
    let token = hex(&bytes);
    let hash = hex(&Sha256::digest(token.as_bytes()));
    let sql = format!(
        "INSERT INTO members (brand_id, email, name, role, added_at) \
         VALUES ('demo', 'owner@demo.localhost', 'Demo owner', 'owner', unixepoch() * 1000) \
         ON CONFLICT DO NOTHING; \
         INSERT INTO sign_in_links (hash, brand_id, email, expires_at) \
         VALUES ('{hash}', 'demo', 'owner@demo.localhost', (unixepoch() + 86400) * 1000);"
    );
    step(
        "local D1: the demo brand's owner and a console link",
        || {
            run(Command::new(tools.npm_tool("wrangler"))
                .args(["d1", "execute", "DB", "--local", "--command", &sql])
                .arg("--persist-to")
                .arg(persist_to)
                .env("CI", "true")
                .current_dir(root))
        },
    )?;
    Ok(format!("http://127.0.0.1:{port}/console/#token={token}"))
}

/// The development relay's VAPID key (base64url P-256 scalar), the same as the tests':
/// for this machine only. A deployed relay has its own, as the secret `VAPID_PRIVATE_KEY`.
const DEV_VAPID_PRIVATE_KEY: &str = "vXKm2ry0aNtPHwx0yOdPU6qtgvYW3Uf3bUU_dKKnXdo";

/// `cargo xtask dev`: serves `dist/` and the API on 127.0.0.1:`port` until interrupted.
pub fn dev(root: &Path, tools: &Tools, port: u16, extra: &[String]) -> Result<()> {
    let persist_to = root.join(".wrangler/state");
    prepare_database(root, tools, &persist_to)?;
    let console = console_link(root, tools, &persist_to, port)?;
    eprintln!(
        "\nConfab is starting: open http://127.0.0.1:{port}/ (Ctrl-C stops it)\n\
         The console, signed in as the demo brand's owner (a single-use link, valid a day):\n\
         {console}\n"
    );
    run(Command::new(tools.npm_tool("wrangler"))
        .args(["dev", "--ip", "127.0.0.1", "--port", &port.to_string()])
        .arg("--persist-to")
        .arg(&persist_to)
        .args(["--show-interactive-dev-session=false"])
        // Web push for the demo brand (www/index.html hosts the service worker).
        .args([
            "--var",
            &format!("VAPID_PRIVATE_KEY:{DEV_VAPID_PRIVATE_KEY}"),
        ])
        .args(["--var", "VAPID_SUBJECT:mailto:dev@confab.localhost"])
        .args(extra)
        .current_dir(root))
}

/// How long `cargo xtask test` runs: the usual bounded suite, or the long soak.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Length {
    /// Every test, each fuzz target briefly, the soak in its short form.
    Usual,
    /// The same with the fuzz targets run for minutes and the soak at full size.
    Soak,
}

/// The fuzz targets (`fuzz/fuzz_targets/`), with the folders of valid inputs to start from.
const FUZZ_TARGETS: [(&str, &str); 7] = [
    ("protocol_json", "fuzz/seeds/protocol_json"),
    ("telegram_update", "relay/tests/fixtures/telegram"),
    ("whatsapp_webhook", "relay/tests/fixtures/whatsapp"),
    ("wechat_hook", "relay/tests/fixtures/wechat"),
    ("credentials", "fuzz/seeds/credentials"),
    ("paths_and_codes", "fuzz/seeds/paths_and_codes"),
    ("attachments", "fuzz/seeds/attachments"),
];

/// Runs each fuzz target for `seconds`; a crash fails the step (cargo-fuzz keeps the input
/// in `fuzz/artifacts/<target>/` and prints how to reproduce it).
fn fuzz(root: &Path, seconds: u32) -> Result<()> {
    for (target, seeds) in FUZZ_TARGETS {
        let corpus = root.join("target/fuzz-corpus").join(target);
        std::fs::create_dir_all(&corpus).map_err(crate::error::io(&corpus))?;
        run(Command::new("cargo")
            .args([
                "+nightly",
                "fuzz",
                "run",
                "--sanitizer",
                "none",
                "--release",
            ])
            .args(["--target-dir", "target/fuzz", target])
            .arg(&corpus)
            .arg(root.join(seeds))
            .args(["--", &format!("-max_total_time={seconds}")])
            .current_dir(root))?;
    }
    Ok(())
}

/// `cargo xtask test`: lints, native tests, fuzzing, the deploy dry run, then the
/// end-to-end tests (with the soak at the given length).
pub fn test(root: &Path, tools: &Tools, length: Length) -> Result<()> {
    step("cargo fmt --check", || {
        run(Command::new("cargo")
            .args(["fmt", "--all", "--", "--check"])
            .current_dir(root))
    })?;
    step(
        "cargo clippy -D warnings (native, and wasm for widget, console and relay)",
        || {
            run(Command::new("cargo")
                .args([
                    "clippy",
                    "--workspace",
                    "--all-targets",
                    "--quiet",
                    "--",
                    "-D",
                    "warnings",
                ])
                .current_dir(root))?;
            run(Command::new("cargo")
                .args([
                    "clippy",
                    "--package",
                    "confab-relay",
                    "--package",
                    "confab-widget",
                    "--package",
                    "confab-console",
                ])
                .args([
                    "--target",
                    "wasm32-unknown-unknown",
                    "--quiet",
                    "--",
                    "-D",
                    "warnings",
                ])
                .current_dir(root))
        },
    )?;
    step("native tests (cargo test)", || {
        run(Command::new("cargo")
            .args(["test", "--workspace", "--exclude", "confab-e2e"])
            .current_dir(root))
    })?;
    let fuzz_seconds = match length {
        Length::Usual => 15,
        Length::Soak => 300,
    };
    if tools.fuzz {
        let name = format!("fuzz targets (cargo-fuzz, {fuzz_seconds} s each)");
        step(&name, || fuzz(root, fuzz_seconds))?;
    }
    step("wrangler deploy --dry-run", || {
        run(Command::new(tools.npm_tool("wrangler"))
            .args(["deploy", "--dry-run", "--outdir", "target/deploy-dry-run"])
            .current_dir(root))
    })?;
    step("end-to-end tests (real workerd, headless Chromium)", || {
        run(Command::new("cargo")
            .args(["test", "--package", "confab-e2e"])
            .env("CONFAB_NODE_BIN", &tools.node_bin)
            .env("CONFAB_SOAK", if length == Length::Soak { "1" } else { "" })
            .current_dir(root))
    })
}

/// `cargo xtask bench`: the baseline room built, then the measurements of `confab-bench`
/// (release build), on this machine.
pub fn bench(root: &Path, tools: &Tools, quick: bool) -> Result<()> {
    bench_baseline(root, tools)?;
    let name = if quick {
        "benchmarks, quick (target/bench/report.md)"
    } else {
        "benchmarks (target/bench/report.md)"
    };
    step(name, || {
        let mut command = Command::new("cargo");
        command
            .args(["run", "--release", "--quiet", "--package", "confab-e2e"])
            .args(["--bin", "confab-bench", "--"])
            .env("CONFAB_NODE_BIN", &tools.node_bin)
            .current_dir(root);
        if quick {
            command.arg("--quick");
        }
        run(&mut command)
    })
}

/// Builds the bench's baseline room (`bench/baseline/`, a workers-rs Worker of its own) into
/// `bench/baseline/build/` with worker-build and the same local tools as the relay, unless
/// the build is newer than its sources.
fn bench_baseline(root: &Path, tools: &Tools) -> Result<()> {
    let dir = root.join("bench/baseline");
    let built = crate::setup::modified(&dir.join("build/index.js"));
    let sources = [
        dir.join("src"),
        dir.join("Cargo.toml"),
        root.join("Cargo.lock"),
    ]
    .iter()
    .filter_map(|path| newest(path))
    .max();
    if matches!((built, sources), (Some(built), Some(sources)) if built >= sources) {
        crate::step::skipped("bench baseline (worker-build)", "up to date");
        return Ok(());
    }
    step("bench baseline (worker-build --release)", || {
        run(Command::new(&tools.worker_build)
            .arg("--release")
            .current_dir(&dir)
            .env("WASM_BINDGEN_BIN", &tools.wasm_bindgen)
            .env("WASM_OPT_BIN", tools.npm_tool("wasm-opt"))
            .env("ESBUILD_BIN", tools.npm_tool("esbuild")))
    })
}

/// The newest modification time of a file or of anything under a folder.
fn newest(path: &Path) -> Option<std::time::SystemTime> {
    let own = crate::setup::modified(path);
    let children = std::fs::read_dir(path)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| newest(&entry.path()));
    own.into_iter().chain(children).max()
}
