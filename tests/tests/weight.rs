//! What every visitor downloads, as `cargo xtask build` wrote it to `dist/`: the loader
//! within its 2 KB budget, and the full widget (wasm, glue, CSS) no heavier than it is
//! today. The widget's budget is 120 KB gzipped; until it is met, this holds the line at
//! [`WIDGET_CEILING`] so that no change makes it heavier unnoticed.

use confab_e2e::bench::weigh;
use confab_e2e::repo_root;

/// The loader's budget, gzipped.
const LOADER_BUDGET: usize = 2 * 1024;

/// The full widget's weight today (141.5 KB) and a little room; the budget is 120 KB.
const WIDGET_CEILING: usize = 145 * 1024;

#[test]
fn the_loader_keeps_its_budget_and_the_widget_does_not_grow() {
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
        widget <= WIDGET_CEILING,
        "the full widget is {widget} bytes gzipped, over its ceiling of {WIDGET_CEILING}"
    );
}
