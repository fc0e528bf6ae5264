//! Checks on the tool definitions as a whole: their size in the model's context,
//! and agreement between each input schema and the reader that checks the input.

use serde_json::Value;

/// Every conversation carries the whole tool list before the user types a word.
const MAX_TOTAL_BYTES: usize = 37_500;
const MAX_TOOL_BYTES: usize = 3_000;

fn sizes() -> Vec<(String, usize)> {
    crate::server::tool_definitions()
        .iter()
        .map(|t| {
            let text = serde_json::to_string(t).unwrap_or_default();
            (t.name.to_string(), text.len())
        })
        .collect()
}

#[test]
fn tool_list_fits_the_context_budget() {
    let tools = crate::server::tool_definitions();
    let total = serde_json::to_string(&serde_json::json!({ "tools": tools }))
        .unwrap()
        .len();
    let sizes = sizes();
    for (name, n) in &sizes {
        eprintln!("{n:>6} {name}");
    }
    eprintln!("{total:>6} total");
    assert!(total <= MAX_TOTAL_BYTES, "tools/list is {total} bytes");
    for (name, n) in sizes {
        assert!(n <= MAX_TOOL_BYTES, "{name} is {n} bytes");
    }
}

#[test]
fn schemas_have_no_references() {
    for t in crate::server::tool_definitions() {
        let text = Value::Object((*t.input_schema).clone()).to_string();
        assert!(
            !text.contains("$ref") && !text.contains("$defs"),
            "{}",
            t.name
        );
    }
}

#[test]
#[ignore]
fn dump() {
    let tools = crate::server::tool_definitions();
    std::fs::write(
        "/tmp/lean/tools.json",
        serde_json::to_string_pretty(&tools).unwrap(),
    )
    .unwrap();
}
