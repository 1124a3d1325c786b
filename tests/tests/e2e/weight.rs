//! What every visitor downloads, as `cargo xtask build` wrote it to `dist/`: the loader
//! within its 2 KB budget and the full widget (wasm, glue, CSS) within its 130 KB, both
//! gzipped.

use confab_e2e::bench::weigh;
use confab_e2e::repo_root;

/// The loader's budget, gzipped.
const LOADER_BUDGET: usize = 2 * 1024;

/// The full widget's budget, gzipped.
const WIDGET_BUDGET: usize = 130 * 1024;

#[test]
fn the_loader_and_the_widget_keep_their_budgets() {
    let dist = repo_root().join("dist");
    let loader = weigh("loader", &dist.join("widget.js"));
    assert!(
        loader.gzip <= LOADER_BUDGET,
        "the loader is {} bytes gzipped, over its {LOADER_BUDGET}",
        loader.gzip
    );
    let widget: usize = ["confab_widget_bg.wasm", "confab_widget.js", "widget.css"]
        .iter()
        .map(|file| weigh(file, &dist.join("widget").join(file)).gzip)
        .sum();
    assert!(
        widget <= WIDGET_BUDGET,
        "the full widget is {widget} bytes gzipped, over its budget of {WIDGET_BUDGET}"
    );
}
