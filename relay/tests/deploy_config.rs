//! What `wrangler deploy` ships: `wrangler.toml` as a deployed relay reads it. The fault
//! switch is refused there (a production `CONFAB_ENV`, no `CONFAB_FAULTS`), and every Rate
//! Limiting binding the relay calls is declared.

use confab_relay::fault;

fn config() -> toml::Table {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../wrangler.toml");
    let text = std::fs::read_to_string(path).expect("wrangler.toml exists");
    text.parse().expect("wrangler.toml is TOML")
}

#[test]
fn a_deployed_relay_refuses_the_fault_switch() {
    let config = config();
    let vars = config["vars"].as_table().expect("wrangler.toml has [vars]");
    let var = |name: &str| vars.get(name).and_then(|value| value.as_str());
    assert_eq!(var("CONFAB_ENV"), Some("production"));
    assert_eq!(
        var("CONFAB_FAULTS"),
        None,
        "faults are for local test relays only"
    );
    assert!(!fault::allowed(var("CONFAB_ENV"), var("CONFAB_FAULTS")));
    // Nor may an environment of the file turn it on.
    for (name, env) in config
        .get("env")
        .and_then(|envs| envs.as_table())
        .into_iter()
        .flatten()
    {
        let faults = env
            .get("vars")
            .and_then(|vars| vars.get("CONFAB_FAULTS"))
            .and_then(|value| value.as_str());
        assert_eq!(faults, None, "environment {name} turns faults on");
    }
}

#[test]
fn every_rate_limit_the_relay_calls_is_declared() {
    let config = config();
    let declared: Vec<&str> = config["ratelimits"]
        .as_array()
        .expect("wrangler.toml has [[ratelimits]]")
        .iter()
        .filter_map(|limit| limit.get("name").and_then(|name| name.as_str()))
        .collect();
    for name in ["SESSIONS_PER_IP", "LINK_GUESSES"] {
        assert!(
            declared.contains(&name),
            "{name} is not declared: {declared:?}"
        );
    }
}
