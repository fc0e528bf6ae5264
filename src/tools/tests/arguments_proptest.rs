//! Property test: every tool's argument reader takes any JSON without panicking
//! and either plans a call or names at least one problem. Values are drawn both
//! at random and from the tool's own input schema, so the readers' deeper rules
//! (dates, ranges, nested filters) see hostile input too.
//!
//! `PROPTEST_CASES` raises the number of cases.

use proptest::prelude::*;
use serde_json::{Map, Value, json};

use crate::tools::CATALOG;
use crate::tools::core::{Run, Tool};
use crate::tools::input::args::Reader;

/// Strings that mean something to some reader, and some that should not.
const WORDS: &[&str] = &[
    "",
    " ",
    "a0000000-0000-4000-8000-000000000001",
    "A0000000-0000-4000-8000-00000000000Z",
    "2026-01-31",
    "2026-02-30",
    "2026-13-01",
    "0000-01-01",
    "9999-12-31",
    "1970-01-01T00:00:00Z",
    "-1",
    "1e400",
    "null",
    "ü\u{0}\u{202e}💸",
    "'; DROP TABLE x; --",
    "../../etc/passwd",
    "%2F%00",
];

fn leaf() -> BoxedStrategy<Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        prop_oneof![Just(i64::MIN), Just(i64::MAX), -3i64..40].prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        prop::sample::select(WORDS).prop_map(Value::from),
        any::<String>().prop_map(Value::from),
    ]
    .boxed()
}

fn any_json() -> BoxedStrategy<Value> {
    leaf()
        .prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
                prop::collection::vec((key(), inner), 0..6)
                    .prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
            ]
        })
        .boxed()
}

fn key() -> BoxedStrategy<String> {
    prop_oneof![
        prop::sample::select(WORDS).prop_map(str::to_owned),
        "[a-z_]{1,12}",
        any::<String>(),
    ]
    .boxed()
}

/// Values shaped by `schema`, mixed with arbitrary ones.
fn from_schema(schema: &Value, depth: u32) -> BoxedStrategy<Value> {
    if depth == 0 {
        return any_json();
    }
    let shaped = match schema.get("type").and_then(Value::as_str) {
        Some("object") => object_from(schema, depth),
        Some("array") => {
            let items = schema.get("items").cloned().unwrap_or(Value::Null);
            prop::collection::vec(from_schema(&items, depth - 1), 0..5)
                .prop_map(Value::from)
                .boxed()
        }
        Some("string") => string_from(schema),
        Some("integer") => {
            let min = schema.get("minimum").and_then(Value::as_i64).unwrap_or(0);
            let max = schema.get("maximum").and_then(Value::as_i64).unwrap_or(100);
            prop_oneof![
                (min.saturating_sub(2)..=max.saturating_add(2)).prop_map(Value::from),
                Just(json!(min as f64 + 0.5)),
                Just(json!(max.to_string())),
            ]
            .boxed()
        }
        Some("boolean") => {
            prop_oneof![any::<bool>().prop_map(Value::from), Just(json!("true"))].boxed()
        }
        _ => match schema.get("anyOf").and_then(Value::as_array) {
            Some(options) if !options.is_empty() => {
                let options: Vec<_> = options.iter().map(|o| from_schema(o, depth - 1)).collect();
                prop::strategy::Union::new(options).boxed()
            }
            _ => any_json(),
        },
    };
    prop_oneof![4 => shaped, 1 => any_json()].boxed()
}

fn string_from(schema: &Value) -> BoxedStrategy<Value> {
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        let mut values = values.clone();
        values.push(json!("NOT_A_CHOICE"));
        return prop::sample::select(values).boxed();
    }
    if schema.get("format").and_then(Value::as_str) == Some("date") {
        return (0i32..10_000, 0u32..14, 0u32..33)
            .prop_map(|(y, m, d)| json!(format!("{y:04}-{m:02}-{d:02}")))
            .boxed();
    }
    prop_oneof![
        prop::sample::select(WORDS).prop_map(Value::from),
        any::<String>().prop_map(Value::from),
        Just(json!("x".repeat(600))),
    ]
    .boxed()
}

fn object_from(schema: &Value, depth: u32) -> BoxedStrategy<Value> {
    let properties: Vec<(String, Value)> = schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|p| p.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    let fields: Vec<BoxedStrategy<Option<(String, Value)>>> = properties
        .iter()
        .map(|(k, s)| {
            let k = k.clone();
            prop::option::weighted(0.7, from_schema(s, depth - 1))
                .prop_map(move |v| v.map(|v| (k.clone(), v)))
                .boxed()
        })
        .collect();
    let extra = prop::collection::vec((key(), any_json()), 0..2);
    (fields, extra)
        .prop_map(|(fields, extra)| {
            let mut map: Map<String, Value> = fields.into_iter().flatten().collect();
            for (k, v) in extra {
                map.entry(k).or_insert(v);
            }
            Value::Object(map)
        })
        .boxed()
}

/// What [`crate::tools::call`] decides before it sends anything: `Ok` when it would
/// run, `Err` with the message it would return. Panics surface as failures.
fn check(tool: &Tool, arguments: Option<Map<String, Value>>) -> Result<(), String> {
    let mut reader = Reader::new(arguments);
    let planned = match tool.run {
        Run::Single(plan) => plan(&mut reader).is_some(),
        Run::Composite(job) => job(&mut reader).is_some(),
    };
    let problems = reader.finish(tool.suggestions);
    match (planned, problems.is_empty()) {
        (true, true) => Ok(()),
        (_, false) => Err(problems.message(tool.name)),
        (false, true) => panic!("{}: declined without naming a problem", tool.name),
    }
}

/// A tool's index and arguments for it; the strategies are built once per tool.
fn tool_and_arguments() -> impl Strategy<Value = (usize, Value)> {
    let per_tool: Vec<_> = CATALOG
        .iter()
        .enumerate()
        .map(|(i, tool)| {
            let schema = tool.input_schema();
            (
                Just(i),
                prop_oneof![3 => from_schema(&schema, 4), 1 => any_json()],
            )
        })
        .collect();
    prop::strategy::Union::new(per_tool)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(crate::testing::proptest_cases(2000)))]

    #[test]
    fn every_reader_answers_any_json((i, arguments) in tool_and_arguments()) {
        let tool = &CATALOG[i];
        let arguments = match arguments {
            Value::Object(map) => Some(map),
            // rmcp hands over objects only; anything else arrives as no arguments.
            _ => None,
        };
        if let Err(message) = check(tool, arguments) {
            let prefix = format!("Invalid arguments for {}:", tool.name);
            prop_assert!(message.starts_with(&prefix), "{}", message);
        }
    }
}
