//! The MCP surface: initialize, tools/list, protocol errors, stdout purity,
//! progress, cancellation, start-up without credentials or with a broken config.

use std::time::{Duration, Instant};

use crate::common::*;
use serde_json::{Value, json};

/// The input object forbids extra keys, descriptions are not empty, no type
/// arrays, and no schema uses references.
fn check_schema(tool: &str, path: &str, schema: &Value, problems: &mut Vec<String>) {
    let Some(obj) = schema.as_object() else {
        problems.push(format!("{tool} {path}: schema is not an object"));
        return;
    };
    for k in ["$ref", "$defs", "definitions"] {
        if obj.contains_key(k) {
            problems.push(format!("{tool} {path}: uses {k}"));
        }
    }
    if let Some(Value::Array(types)) = obj.get("type") {
        problems.push(format!("{tool} {path}: type array {types:?}"));
    }
    // The input object is closed, so a host that checks arguments against the
    // schema refuses an unknown key before the call; nested objects stay open to
    // save context, and the server refuses their unknown keys itself.
    if path == "input" && obj.get("additionalProperties") != Some(&json!(false)) {
        problems.push(format!("{tool} {path}: additionalProperties is not false"));
    }
    if obj.get("type") == Some(&json!("object")) {
        let props = obj
            .get("properties")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        // A property may go without a description when its name and type say it
        // all (JSON Schema and MCP ask for none); one given is not empty.
        for (name, prop) in &props {
            if prop
                .get("description")
                .is_some_and(|d| d.as_str().is_none_or(str::is_empty))
            {
                problems.push(format!("{tool} {path}.{name}: empty description"));
            }
            check_schema(tool, &format!("{path}.{name}"), prop, problems);
        }
        for r in obj
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if !props.contains_key(r.as_str().unwrap_or("")) {
                problems.push(format!("{tool} {path}: required {r} is not a property"));
            }
        }
    }
    if let Some(items) = obj.get("items") {
        check_schema(tool, &format!("{path}[]"), items, problems);
    }
    for key in ["anyOf", "oneOf"] {
        for (i, option) in obj
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            check_schema(tool, &format!("{path}<{key}{i}>"), option, problems);
        }
    }
}

#[tokio::test]
async fn tools_list_serves_the_catalog_with_titles_annotations_and_portable_schemas() {
    let h = Harness::start().await;
    let info = h.client.peer_info().expect("server info");
    let server = info.server_info.as_ref().expect("serverInfo");
    assert_eq!(server.name, "digiusher-mcp");
    assert_eq!(server.version, env!("CARGO_PKG_VERSION"));
    assert!(info.capabilities.tools.is_some());

    let tools = h.client.list_all_tools().await.expect("tools/list");
    let names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    assert_eq!(names, catalog_names());
    // What a host receives is exactly what `tools --json` prints.
    let wire: Vec<Value> = tools
        .iter()
        .map(|t| serde_json::to_value(t).unwrap())
        .collect();
    assert_eq!(wire, catalog());
    let mut problems = Vec::new();
    for t in &tools {
        let value = serde_json::to_value(t).unwrap();
        let title = t.title.as_deref().expect("title");
        assert!(!title.is_empty(), "{}", t.name);
        // MCP shows `title` before `annotations.title`; one copy is enough.
        let a = &value["annotations"];
        assert!(a.get("title").is_none(), "{}", t.name);
        assert_eq!(a["readOnlyHint"], true, "{}", t.name);
        assert_eq!(a["destructiveHint"], false, "{}", t.name);
        assert_eq!(a["idempotentHint"], true, "{}", t.name);
        assert_eq!(a["openWorldHint"], true, "{}", t.name);
        assert!(value.get("_meta").is_none());
        assert!(
            t.description.as_ref().is_some_and(|d| d.len() > 80),
            "{} needs a teaching description",
            t.name
        );
        let schema = Value::Object((*t.input_schema).clone());
        assert_eq!(schema["type"], "object");
        check_schema(&t.name, "input", &schema, &mut problems);
    }
    assert!(problems.is_empty(), "{problems:#?}");
    assert!(h.requests().is_empty(), "listing tools needs no API call");
}

#[tokio::test]
async fn schemas_and_validation_accept_the_same_keys() {
    // A key the schema lists is never reported as unknown, and vice versa.
    let h = Harness::start().await;
    let tools = h.client.list_all_tools().await.unwrap();
    for t in tools {
        let props: Vec<String> = t
            .input_schema
            .get("properties")
            .and_then(Value::as_object)
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default();
        let msg = h.err(&t.name, json!({"zz_unknown": 1})).await;
        let accepted = msg
            .split("zz_unknown: unknown key. Accepted keys: ")
            .nth(1)
            .and_then(|rest| rest.split('.').next())
            .unwrap_or_else(|| panic!("{}: {msg}", t.name));
        let accepted: Vec<String> = if accepted == "none" {
            Vec::new()
        } else {
            accepted.split(", ").map(str::to_string).collect()
        };
        assert_eq!(accepted, props, "{}", t.name);
    }
}

#[tokio::test]
async fn unknown_tools_are_a_json_rpc_invalid_params_error() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let mut s = RawServer::start(&sim.base_url(), Options::default()).await;
    s.initialize().await;
    s.call(1, "delete_everything", json!({}), None).await;
    let (r, _) = s.until_response(1).await;
    assert_eq!(r["error"]["code"], -32602, "{r}");
    assert!(
        r["error"]["message"]
            .as_str()
            .unwrap()
            .contains("delete_everything")
    );
    let (_, _, status) = s.finish().await;
    assert!(status.success());
}

/// Codex asks for resources though none are declared, and hosts probe with methods
/// of their own: empty lists, -32601 for the rest, and no warning in the log.
#[tokio::test]
async fn probing_hosts_get_empty_resource_lists_and_no_warning() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let mut s = RawServer::start(
        &sim.base_url(),
        Options {
            extra_env: vec![("RUST_LOG", "debug".into())],
            ..Options::default()
        },
    )
    .await;
    s.initialize().await;
    s.send(json!({"jsonrpc": "2.0", "id": 1, "method": "resources/list"}))
        .await;
    let (r, _) = s.until_response(1).await;
    assert_eq!(r["result"]["resources"], json!([]), "{r}");
    s.send(json!({"jsonrpc": "2.0", "id": 2, "method": "resources/templates/list", "params": {}}))
        .await;
    let (r, _) = s.until_response(2).await;
    assert_eq!(r["result"]["resourceTemplates"], json!([]), "{r}");
    s.send(json!({"jsonrpc": "2.0", "id": 3, "method": "vendor/probe", "params": {}}))
        .await;
    let (r, _) = s.until_response(3).await;
    assert_eq!(r["error"]["code"], -32601, "{r}");
    assert!(
        r["error"]["message"]
            .as_str()
            .unwrap()
            .contains("vendor/probe"),
        "{r}"
    );
    s.send(json!({"jsonrpc": "2.0", "id": 4, "method": "tools/list"}))
        .await;
    s.until_response(4).await;
    let (_, stderr, status) = s.finish().await;
    assert!(status.success());
    assert!(!stderr.contains("WARN"), "{stderr}");
    assert!(!stderr.contains("ERROR"), "{stderr}");
    assert!(
        stderr.contains("method not found"),
        "logged at debug: {stderr}"
    );
}

#[tokio::test]
async fn stdout_carries_only_json_rpc_and_logs_go_to_stderr() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let mut s = RawServer::start(
        &sim.base_url(),
        Options {
            extra_env: vec![("RUST_LOG", "trace".into())],
            ..Options::default()
        },
    )
    .await;
    let init = s.initialize().await;
    assert_eq!(init["result"]["serverInfo"]["name"], "digiusher-mcp");
    s.send(json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}))
        .await;
    s.until_response(1).await;
    s.call(2, "list_organizations", json!({}), None).await;
    let (r, _) = s.until_response(2).await;
    assert_eq!(r["result"]["isError"], false);
    s.call(3, "get_expenses", json!({"organization_id": "bad"}), None)
        .await;
    s.until_response(3).await;
    let (lines, stderr, status) = s.finish().await;
    assert!(status.success());
    for line in &lines {
        let v: Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert_eq!(v["jsonrpc"], "2.0");
    }
    assert!(stderr.contains("tool call"), "logs are on stderr: {stderr}");
    assert!(
        !stderr.contains("sim-alice"),
        "the token never reaches a log"
    );
}

#[tokio::test]
async fn the_server_exits_promptly_on_stdin_eof_even_with_a_call_in_flight() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let http = http_client();
    http.post(format!("{}/__sim/faults", sim.base_url()))
        .json(&json!({"match": {"path": "/restapi/v2/organizations"}, "fault": {"kind": "latency", "ms": 4000}}))
        .send()
        .await
        .unwrap();
    let mut s = RawServer::start(&sim.base_url(), Options::default()).await;
    s.initialize().await;
    s.call(1, "list_organizations", json!({}), None).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    let (_, _, status) = s.finish().await;
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "took {:?}",
        started.elapsed()
    );
    assert!(status.success());
}

#[tokio::test]
async fn initialize_and_tools_list_work_without_credentials_and_with_a_broken_config() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let config = TempDir::new("cfg");
    let path = config.0.join("config.toml");
    std::fs::write(&path, "[default]\napi_base = 42\n").unwrap();
    let mut s = RawServer::start(
        // An unreachable API: nothing may be contacted before the first tool call.
        "https://digiusher.invalid",
        Options {
            token: None,
            extra_env: vec![("DIGIUSHER_CONFIG", path.to_string_lossy().into_owned())],
            ..Options::default()
        },
    )
    .await;
    let init = s.initialize().await;
    assert!(init["result"]["protocolVersion"].is_string());
    s.send(json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}))
        .await;
    let (r, _) = s.until_response(1).await;
    assert_eq!(r["result"]["tools"].as_array(), Some(&catalog().to_vec()));
    s.call(2, "list_organizations", json!({}), None).await;
    let (r, _) = s.until_response(2).await;
    assert_eq!(r["result"]["isError"], true);
    let msg = r["result"]["content"][0]["text"].as_str().unwrap();
    assert!(
        msg.contains(path.to_str().unwrap()) && msg.contains("line 2") && msg.contains("api_base"),
        "{msg}"
    );
    s.finish().await;
    assert!(sim.requests().is_empty());
}

#[tokio::test]
async fn a_bad_api_base_is_reported_by_tool_calls() {
    let mut s = RawServer::start("http://example.com", Options::default()).await;
    s.initialize().await;
    s.call(1, "list_organizations", json!({}), None).await;
    let (r, _) = s.until_response(1).await;
    let msg = r["result"]["content"][0]["text"].as_str().unwrap();
    assert!(
        msg.starts_with("DIGIUSHER_API_BASE_URL: must use https://"),
        "{msg}"
    );
    s.finish().await;
}

#[tokio::test]
async fn composite_tools_report_progress_when_asked() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let mut s = RawServer::start(&sim.base_url(), Options::default()).await;
    s.initialize().await;
    s.call(
        7,
        "query_expenses_with_discovery",
        json!({"organization_id": ACME, "start_date": "2025-05-01", "end_date": "2025-05-31",
               "discover_filters": {"service_name": "ec2", "region_id": "us-"}}),
        Some(json!({"progressToken": "p-1"})),
    )
    .await;
    let (r, notes) = s.until_response(7).await;
    assert_eq!(r["result"]["isError"], false, "{r}");
    let progress: Vec<&Value> = notes
        .iter()
        .filter(|n| n["method"] == "notifications/progress")
        .map(|n| &n["params"])
        .collect();
    assert_eq!(progress.len(), 4, "one per request: {notes:#?}");
    let values: Vec<f64> = progress
        .iter()
        .map(|p| p["progress"].as_f64().unwrap())
        .collect();
    assert!(values.windows(2).all(|w| w[0] < w[1]), "{values:?}");
    assert!(
        progress
            .iter()
            .all(|p| p["progressToken"] == "p-1" && p["total"] == 4.0)
    );

    // Without a token there are no notifications.
    s.call(8, "discover_expense_filters", json!({"organization_id": ACME, "dimensions": [{"dimension_type": "standard", "name": "provider"}]}), None).await;
    let (_, notes) = s.until_response(8).await;
    assert!(notes.is_empty(), "{notes:#?}");
    s.finish().await;
}

#[tokio::test]
async fn cancellation_aborts_the_upstream_request() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let http = http_client();
    http.post(format!("{}/__sim/faults", sim.base_url()))
        .json(&json!({"match": {"path": "/api/v3/organizations/*/expenses"}, "fault": {"kind": "latency", "ms": 3000}}))
        .send()
        .await
        .unwrap();
    let mut s = RawServer::start(&sim.base_url(), Options::default()).await;
    s.initialize().await;
    s.call(
        5,
        "get_expenses",
        json!({"organization_id": ACME, "start_date": "2025-06-01", "end_date": "2025-06-14"}),
        None,
    )
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    s.send(json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 5, "reason": "user stopped"}})).await;
    s.call(6, "list_organizations", json!({}), None).await;
    let (r, _) = s.until_response(6).await;
    assert_eq!(r["result"]["isError"], false);
    let (lines, stderr, _) = s.finish().await;
    assert!(
        started.elapsed() < Duration::from_millis(2500),
        "{:?}",
        started.elapsed()
    );
    assert!(
        stderr.contains("tool call cancelled by the client"),
        "{stderr}"
    );
    assert!(
        !lines
            .iter()
            .any(|l| l.contains("\"id\":5") && l.contains("rows")),
        "no expense data after cancellation"
    );
}

#[test]
fn version_help_tools_and_call_from_the_terminal() {
    use std::process::Command;
    let home = TempDir::new("cli");
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let mut cmd = Command::new(BIN);
        cmd.args(args)
            .env_clear()
            .env("HOME", &home.0)
            .env("RUST_BACKTRACE", "0");
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().expect("runs")
    };
    let out = run(&["--version"], &[]);
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        concat!("digiusher-mcp ", env!("CARGO_PKG_VERSION"))
    );
    let out = run(&["--help"], &[]);
    let help = String::from_utf8_lossy(&out.stdout);
    for word in [
        "serve",
        "tools",
        "call",
        "--api-base",
        "--profile",
        "--log-file",
        "DIGIUSHER_TOKEN",
    ] {
        assert!(help.contains(word), "help mentions {word}");
    }
    // The plain list names the tools `tools --json` defines, in the same order.
    let out = run(&["tools"], &[]);
    let list = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    let (table, footer) = list.split_once("\n\n").expect("a table, then a footer");
    let listed: Vec<&str> = table
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(listed, catalog_names());
    let count = format!("{} tools, all read-only.", catalog().len());
    assert!(footer.starts_with(&count), "{footer}");

    let out = run(&["call", "list_organizations"], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("digiusher-mcp login"));
    let out = run(&["call", "list_organisations"], &[]);
    assert_eq!(out.status.code(), Some(2));
    let out = run(&["call", "get_pool", "{not json"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not valid JSON"));

    let sim = digiusher_sim::start_in_background(SimConfig::default()).unwrap();
    let base = sim.base_url();
    let out = run(
        &[
            "call",
            "get_pool",
            &format!("{{\"pool_id\": \"{ENGINEERING}\"}}"),
        ],
        &[
            ("DIGIUSHER_API_BASE_URL", &base),
            ("DIGIUSHER_TOKEN", "sim-alice"),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("stdout is the JSON result");
    assert_eq!(v["name"], "Engineering");
    let out = run(
        &["call", "get_pool", "{\"pool_id\": \"x\"}"],
        &[
            ("DIGIUSHER_API_BASE_URL", &base),
            ("DIGIUSHER_TOKEN", "sim-alice"),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("Invalid arguments for get_pool: pool_id")
    );
}

/// The files that once kept their own copy of the tool list or its count now take
/// both from the catalog: the tracked bundle manifest lists no tools (the build
/// writes them from `tools --json`), and none of these files names most of the
/// tools or states their number next to the word "tool".
#[test]
fn no_file_keeps_a_copy_of_the_tool_list_or_count() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let read = |file: &str| {
        std::fs::read_to_string(root.join(file)).unwrap_or_else(|e| panic!("read {file}: {e}"))
    };
    let manifest: Value = serde_json::from_str(&read("bundle/manifest.json")).expect("JSON");
    assert!(manifest.get("tools").is_none(), "bundle/manifest.json");

    let names = catalog_names();
    let count = names.len().to_string();
    // Words as a reader sees them: a date such as 2025-11-25 is one word.
    let words = |line: &str| -> Vec<String> {
        line.split(|c: char| !(c.is_alphanumeric() || "_-.".contains(c)))
            .map(|w| w.trim_end_matches('.').to_string())
            .collect()
    };
    let mut problems = Vec::new();
    for file in [
        "README.md",
        "bundle/README.md",
        "bundle/manifest.json",
        "npm/mcp/package.json",
        "tests/bundle_check.sh",
        "tests/clients/ts_client.mjs",
        "tests/clients/py_client.py",
        "tests/external_clients.rs",
        "tests/mcp_server.rs",
        "tests/prompts.rs",
    ] {
        let text = read(file);
        let all: Vec<String> = text.lines().flat_map(words).collect();
        let named = names.iter().filter(|n| all.iter().any(|w| w == *n)).count();
        if named * 2 > names.len() {
            problems.push(format!("{file} names {named} of the {} tools", names.len()));
        }
        for (i, line) in text.lines().enumerate() {
            if line.to_lowercase().contains("tool") && words(line).contains(&count) {
                problems.push(format!("{file}:{}: the tool count: {line}", i + 1));
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}
