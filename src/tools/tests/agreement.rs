//! Agreement between each tool's input schema and the reader that checks the
//! input: at and just past every bound, the keys read against the keys declared,
//! and every default shown against the one applied. Both come from the same input
//! definitions, so these catch a rule a plan adds beside them. (The definitions'
//! size in the model's context is checked where they are built, in `server.rs`.)

use serde_json::{Map, Value, json};

use crate::api::ApiRequest;
use crate::tools::CATALOG;
use crate::tools::core::{Run, Tool};
use crate::tools::input::args::{EXAMPLE_UUID, Reader};
use crate::tools::input::spec::Properties;

/// Inputs some properties need beside them, for rules that span keys: these are
/// the reader's, and the schema says them in words.
fn companions(tool: &str, key: &str) -> Value {
    match (tool, key) {
        ("get_cost_allocation_summary" | "get_unit_economics_for_cost_pools", "") => {
            json!({"end_date": "2025-05-31"})
        }
        ("get_optimizations_summary", "status" | "limit") => {
            json!({"types": ["rightsizing_instances"]})
        }
        ("get_cost_allocation_summary", "group_by" | "filters") => {
            json!({"nsm_key_id": EXAMPLE_UUID})
        }
        _ => json!({}),
    }
}

/// Whether the tool's reader accepts these arguments.
fn accepts(tool: &Tool, args: &Map<String, Value>) -> Result<(), String> {
    let mut reader = Reader::new(Some(args.clone()));
    let ok = match tool.run {
        Run::Single(plan) => plan(&mut reader).is_some(),
        Run::Composite(job) => job(&mut reader).is_some(),
    };
    let problems = reader.finish(tool.suggestions);
    if ok && problems.is_empty() {
        Ok(())
    } else {
        Err(problems.message(tool.name))
    }
}

/// The `i`-th distinct valid value of a scalar schema, for a property named `key`.
fn scalar(key: &str, schema: &Value, i: usize) -> Value {
    if let Some(values) = schema["enum"].as_array() {
        return values[i % values.len()].clone();
    }
    match schema["type"].as_str() {
        Some("integer") => json!(schema["minimum"].as_i64().unwrap_or(0) + i as i64),
        Some("boolean") => json!(true),
        _ if schema["format"] == "date" => json!("2025-05-01"),
        _ if key == "resource_types" => json!(format!("Instance{i}:regular")),
        _ if key.ends_with("_id") || key.ends_with("_ids") || key.contains("assignee") => {
            json!(format!("{:08x}{}", i, &EXAMPLE_UUID[8..]))
        }
        _ => {
            let min = schema["minLength"].as_u64().unwrap_or(1) as usize;
            let text = format!("v{i}");
            json!(format!(
                "{text}{}",
                "x".repeat(min.saturating_sub(text.len()))
            ))
        }
    }
}

/// A valid value of any schema, with `n` items for a list.
fn sample(key: &str, schema: &Value, n: usize) -> Value {
    match key {
        // Their valid forms depend on dimension_type, which a schema walk cannot see.
        "dimension" if schema["type"] == "object" => {
            return json!({"dimension_type": "standard", "name": "service_name"});
        }
        "dimensions" => {
            let entry = json!({"dimension_type": "standard", "name": "service_name"});
            return Value::Array(vec![entry; n]);
        }
        _ => {}
    }
    if schema["type"] == "array" {
        let items = &schema["items"];
        let item = items["anyOf"].get(0).unwrap_or(items);
        return Value::Array(
            (0..n)
                .map(|i| {
                    if item["type"] == "object" {
                        sample_object(item)
                    } else {
                        scalar(key, item, i)
                    }
                })
                .collect(),
        );
    }
    if schema["type"] == "object" {
        return sample_object(schema);
    }
    scalar(key, schema, 0)
}

fn sample_object(schema: &Value) -> Value {
    let mut out = Map::new();
    for r in schema["required"].as_array().into_iter().flatten() {
        let key = r.as_str().unwrap_or_default();
        let prop = &schema["properties"][key];
        let n = prop["minItems"].as_u64().unwrap_or(1) as usize;
        out.insert(key.to_string(), sample(key, prop, n));
    }
    Value::Object(out)
}

/// Values at each bound the schema declares for `prop`, with whether the schema
/// accepts them. A list given must have an item: the schema does not spend
/// `"minItems": 1` on each list to say so, and the reader refuses `[]` with a message.
fn probes(key: &str, prop: &Value) -> Vec<(Value, bool, String)> {
    let mut out = Vec::new();
    let mut bound = |v: Value, ok: bool, what: String| out.push((v, ok, what));
    if let (Some(min), Some(max)) = (prop["minimum"].as_i64(), prop["maximum"].as_i64()) {
        bound(json!(min), true, format!("minimum {min}"));
        bound(json!(max), true, format!("maximum {max}"));
        bound(json!(min - 1), false, format!("below minimum {min}"));
        bound(json!(max + 1), false, format!("above maximum {max}"));
    }
    if prop["type"] == "string" && prop["enum"].is_null() && prop["format"].is_null() {
        if let Some(max) = prop["maxLength"].as_u64() {
            let max = max as usize;
            bound(json!("a".repeat(max)), true, format!("maxLength {max}"));
            bound(
                json!("a".repeat(max + 1)),
                false,
                format!("above maxLength {max}"),
            );
        }
        if let Some(min) = prop["minLength"].as_u64().filter(|m| *m > 0) {
            let min = min as usize;
            bound(json!("a".repeat(min)), true, format!("minLength {min}"));
            bound(
                json!("a".repeat(min - 1)),
                false,
                format!("below minLength {min}"),
            );
        }
    }
    if let Some(values) = prop["enum"].as_array() {
        for v in values {
            bound(v.clone(), true, format!("enum value {v}"));
        }
        bound(
            json!("zz_not_listed"),
            false,
            "a value not in the enum".into(),
        );
    }
    if prop["type"] == "array" {
        if prop["minItems"].is_null() {
            // The schema leaves it unsaid; the reader's rule for every list.
            bound(json!([]), false, "an empty list".into());
        }
        if let Some(max) = prop["maxItems"].as_u64() {
            let max = max as usize;
            bound(sample(key, prop, max), true, format!("maxItems {max}"));
            let over = sample(key, prop, max + 1);
            // A unique list of an enum cannot grow past the enum: its extra item repeats.
            bound(over, false, format!("above maxItems {max}"));
        }
        if let Some(min) = prop["minItems"].as_u64() {
            let min = min as usize;
            bound(sample(key, prop, min), true, format!("minItems {min}"));
            if min > 0 {
                bound(
                    sample(key, prop, min - 1),
                    false,
                    format!("below minItems {min}"),
                );
            }
        }
        let items = &prop["items"];
        if let Some(values) = items["enum"].as_array() {
            for v in values {
                bound(json!([v]), true, format!("item enum value {v}"));
            }
            bound(
                json!(["zz_not_listed"]),
                false,
                "an item not in the enum".into(),
            );
        }
    }
    out
}

#[test]
fn schema_and_reader_agree_at_every_bound() {
    let mut disagreements = Vec::new();
    let mut checked = 0;
    for tool in CATALOG {
        let schema = tool.input_schema();
        let Value::Object(mut base) = sample_object(&schema) else {
            unreachable!()
        };
        if let Value::Object(extra) = companions(tool.name, "") {
            base.extend(extra);
        }
        if let Err(e) = accepts(tool, &base) {
            disagreements.push(format!(
                "{}: a minimal valid call is refused: {e}",
                tool.name
            ));
            continue;
        }
        let props = schema["properties"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        for (key, prop) in &props {
            for (value, schema_ok, what) in probes(key, prop) {
                let mut args = base.clone();
                if let Value::Object(extra) = companions(tool.name, key) {
                    args.extend(extra);
                }
                args.insert(key.clone(), value);
                let reader = accepts(tool, &args);
                checked += 1;
                if reader.is_ok() != schema_ok {
                    disagreements.push(format!(
                        "{}.{key} at {what}: schema {}, reader {}",
                        tool.name,
                        if schema_ok { "accepts" } else { "refuses" },
                        match reader {
                            Ok(()) => "accepts".to_string(),
                            Err(e) => format!("refuses ({e})"),
                        }
                    ));
                }
            }
        }
    }
    assert!(checked > 200, "only {checked} probes");
    assert!(disagreements.is_empty(), "{disagreements:#?}");
}

/// A tool's minimal valid arguments, as the bound probes start from them.
fn minimal(tool: &Tool) -> Map<String, Value> {
    let Value::Object(mut base) = sample_object(&tool.input_schema()) else {
        unreachable!()
    };
    if let Value::Object(extra) = companions(tool.name, "") {
        base.extend(extra);
    }
    base
}

/// The keys a tool's reader asks for on a valid call.
fn read_keys(tool: &Tool, args: &Map<String, Value>) -> Vec<&'static str> {
    let mut reader = Reader::new(Some(args.clone()));
    let _ = match tool.run {
        Run::Single(plan) => plan(&mut reader).is_some(),
        Run::Composite(job) => job(&mut reader).is_some(),
    };
    let mut keys = reader.accepted().to_vec();
    keys.sort_unstable();
    keys
}

#[test]
fn every_input_a_plan_reads_is_declared_and_every_declared_one_is_read() {
    let mut wrong = Vec::new();
    for tool in CATALOG {
        let mut declared: Vec<&str> = Properties::of(tool.inputs).names().collect();
        declared.sort_unstable();
        let read = read_keys(tool, &minimal(tool));
        if read != declared {
            wrong.push(format!(
                "{}: reads {read:?}, declares {declared:?}",
                tool.name
            ));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// The request a simple tool plans, or `None` for a composite one.
fn request(tool: &Tool, args: &Map<String, Value>) -> Option<ApiRequest> {
    let Run::Single(plan) = tool.run else {
        return None;
    };
    let mut reader = Reader::new(Some(args.clone()));
    let plan = plan(&mut reader);
    assert!(reader.finish(&[]).is_empty(), "{}: {args:?}", tool.name);
    plan.map(|p| p.request)
}

/// A default the schema shows is the one the reader applies: giving it changes
/// nothing, or (for a default the API applies) only sends it.
#[test]
fn every_default_shown_is_the_one_applied() {
    let mut wrong = Vec::new();
    let mut checked = 0;
    for tool in CATALOG {
        let schema = tool.input_schema();
        let base = minimal(tool);
        let Some(without) = request(tool, &base) else {
            continue;
        };
        for (key, prop) in schema["properties"].as_object().into_iter().flatten() {
            let Some(default) = prop.get("default") else {
                continue;
            };
            let mut args = base.clone();
            args.insert(key.clone(), default.clone());
            let with = request(tool, &args);
            checked += 1;
            let sent_only = with.clone().map(|mut r| {
                if let Some(Value::Object(body)) = &mut r.body
                    && body.get(key) == Some(default)
                {
                    body.shift_remove(key);
                }
                r
            });
            if with.as_ref() != Some(&without) && sent_only.as_ref() != Some(&without) {
                wrong.push(format!("{}.{key}: default {default}", tool.name));
            }
        }
    }
    assert!(checked > 15, "only {checked} defaults");
    assert!(wrong.is_empty(), "{wrong:#?}");
}
