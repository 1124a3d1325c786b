//! Schemathesis (property-based API testing, from PyPI) against the running relay with
//! `relay/openapi.yaml`: no request it generates may get a 5xx or an answer the spec does
//! not describe. `cargo xtask test` installs it into `target/tools/schemathesis`.

use confab_e2e::api::Api;
use confab_e2e::relay::TEST_ADMIN_SECRET;
use confab_e2e::{repo_root, Relay};
use tokio::process::Command;

/// What every generated request is checked for.
const CHECKS: &str = "not_a_server_error,status_code_conformance,content_type_conformance,\
     response_headers_conformance,response_schema_conformance,unsupported_method,\
     allow_header_conformance,ignored_auth,missing_required_header";

/// Runs schemathesis with `config` (TOML) and extra arguments; fails with its report.
async fn schemathesis(relay: &Relay, config: &str, extra: &[&str]) {
    let binary = repo_root().join("target/tools/schemathesis/bin/schemathesis");
    assert!(
        binary.exists(),
        "schemathesis is not installed at {}: run `cargo xtask test`",
        binary.display()
    );
    let folder = tempfile::tempdir().unwrap();
    let config_path = folder.path().join("schemathesis.toml");
    std::fs::write(&config_path, config).unwrap();
    let output = Command::new(binary)
        .arg("--config-file")
        .arg(&config_path)
        .arg("run")
        .arg(repo_root().join("relay/openapi.yaml"))
        .args(["--url", &relay.origin(), "--checks", CHECKS])
        .args([
            "--phases",
            "examples,coverage,fuzzing",
            "--max-examples",
            "25",
        ])
        // A fixed seed keeps CI repeatable; change it to explore further.
        .args(["--seed", "20261122", "--report-dir"])
        .arg(folder.path())
        .args(extra)
        .current_dir(folder.path())
        .env("NO_COLOR", "1")
        .output()
        .await
        .expect("schemathesis runs");
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "schemathesis {extra:?} found problems:\n{report}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test]
async fn the_running_relay_conforms_to_its_openapi_spec() {
    let relay = Relay::start().await;
    let api = Api::new(relay.origin());
    let session = api.session().await;
    api.send(&session, "seed", "a message for the generated reads")
        .await;
    let visitor = format!(
        "headers = {{ Authorization = \"Bearer {}\" }}\n\n[parameters]\n\"path.id\" = \"{}\"\n",
        session.token, session.thread_id
    );
    // The visitor's calls on a real thread; erasure runs last, on its own.
    schemathesis(
        &relay,
        &visitor,
        &[
            "--exclude-operation-id",
            "eraseThread",
            "--exclude-path-regex",
            "^/v1/admin/",
        ],
    )
    .await;
    schemathesis(&relay, &visitor, &["--include-operation-id", "eraseThread"]).await;
    // The operator's calls, on a brand of their own.
    let admin = format!(
        "headers = {{ Authorization = \"Bearer {TEST_ADMIN_SECRET}\" }}\n\n[parameters]\n\"path.brand\" = \"fuzzed\"\n"
    );
    schemathesis(&relay, &admin, &["--include-path-regex", "^/v1/admin/"]).await;
}
