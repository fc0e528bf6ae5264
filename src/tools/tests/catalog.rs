//! The catalog's own test: what every tool must be to stand in it. Nothing here
//! counts or names the tools, so a new tool needs no edit here; every other list
//! of tools (clients, bundle, README) is read from the catalog.

use std::collections::HashSet;

use crate::tools::input::spec::Properties;
use crate::tools::{CATALOG, find};

/// A name a model can call on every host: MCP tool names are short, and some hosts
/// accept only ASCII letters, digits and underscores.
fn is_callable_name(name: &str) -> bool {
    let starts_with_letter = name.bytes().next().is_some_and(|b| b.is_ascii_lowercase());
    starts_with_letter
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

#[test]
fn every_tool_stands_once_under_a_callable_name_and_is_found_by_it() {
    let mut names = HashSet::new();
    let mut titles = HashSet::new();
    for tool in CATALOG {
        assert!(is_callable_name(tool.name), "{:?}", tool.name);
        assert!(
            names.insert(tool.name),
            "{} is in the catalog twice",
            tool.name
        );
        assert!(
            titles.insert(tool.title),
            "{}: title {:?} taken",
            tool.name,
            tool.title
        );
        assert!(!tool.description.trim().is_empty(), "{}", tool.name);
        assert!(
            std::ptr::eq(find(tool.name).unwrap(), tool),
            "{}",
            tool.name
        );
    }
    assert!(find("no_such_tool").is_none());
    assert!(!CATALOG.is_empty());
}

#[test]
fn the_name_rule_refuses_what_a_host_would() {
    assert!(is_callable_name("get_pool"));
    for bad in [
        "",
        "Get_pool",
        "get-pool",
        "get pool",
        "_pool",
        "1pool",
        &"a".repeat(65),
    ] {
        assert!(!is_callable_name(bad), "{bad:?}");
    }
}

#[test]
fn every_tool_schema_is_an_object_of_its_inputs_each_declared_once() {
    for tool in CATALOG {
        let declared: Vec<_> = Properties::of(tool.inputs).names().collect();
        let unique: HashSet<_> = declared.iter().collect();
        assert_eq!(unique.len(), declared.len(), "{}: {declared:?}", tool.name);
        let schema = tool.input_schema();
        assert_eq!(schema["type"], "object", "{}", tool.name);
        let properties = schema["properties"].as_object();
        let keys: Vec<_> = properties.into_iter().flat_map(|p| p.keys()).collect();
        assert_eq!(keys, declared, "{}", tool.name);
        for required in schema["required"].as_array().into_iter().flatten() {
            let key = required.as_str().unwrap_or_default();
            assert!(
                declared.contains(&key),
                "{}: required {key} is not an input",
                tool.name
            );
        }
    }
}
