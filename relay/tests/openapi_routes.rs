//! `relay/openapi.yaml` documents exactly the relay's routes: every (method, path) of the
//! spec is in `ROUTES`, and every route is in the spec.

use confab_relay::route::ROUTES;
use std::collections::BTreeSet;

const METHODS: [&str; 5] = ["get", "post", "put", "delete", "patch"];

#[test]
fn the_spec_and_the_router_agree() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.yaml");
    let text = std::fs::read_to_string(path).expect("relay/openapi.yaml exists");
    let spec: serde_norway::Value = serde_norway::from_str(&text).expect("the spec is YAML");
    assert_eq!(spec["openapi"].as_str(), Some("3.1.0"));
    let paths = spec["paths"].as_mapping().expect("the spec has paths");
    let documented: BTreeSet<(String, String)> = paths
        .iter()
        .flat_map(|(path, item)| {
            let path = path.as_str().unwrap_or_default().to_string();
            METHODS
                .iter()
                .filter(move |method| item.get(**method).is_some())
                .map(move |method| (method.to_uppercase(), path.clone()))
        })
        .collect();
    let routed: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|(method, path)| (method.to_string(), path.to_string()))
        .collect();
    let undocumented: Vec<_> = routed.difference(&documented).collect();
    let unrouted: Vec<_> = documented.difference(&routed).collect();
    assert!(
        undocumented.is_empty() && unrouted.is_empty(),
        "routes missing from the spec: {undocumented:?}; spec paths with no route: {unrouted:?}"
    );
}
