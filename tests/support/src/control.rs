//! The control API under `/__sim/` (tools.md 14.6): faults, route switches, response
//! styles, the request log and reset. No token needed; never logged.

use serde_json::{Value, json};

use crate::errors::Reply;
use crate::faults::{self, Fault, FaultRule};
use crate::server::Shared;

/// Response styles the real API might use.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// `dimensions/query` values as `{"value", "label"}` objects instead of strings.
    pub objects_values: bool,
    /// Look-up tables as arrays of objects with `id` instead of maps.
    pub array_lookups: bool,
    /// 2xx JSON bodies as Python's `json.dumps` writes them, not compact.
    pub python_json: bool,
}

impl Options {
    pub fn to_json(self) -> Value {
        json!({
            "dimension_values_style": if self.objects_values { "objects" } else { "strings" },
            "lookups_style": if self.array_lookups { "array" } else { "map" },
            "json_style": if self.python_json { "python" } else { "compact" },
        })
    }
}

/// Mutable simulator state set through the control API.
#[derive(Default)]
pub struct Control {
    pub faults: Vec<FaultRule>,
    pub disabled: Vec<String>,
    pub options: Options,
}

impl Control {
    /// The fault of the first matching rule, consuming one of its `times`.
    pub fn take_fault(&mut self, method: &str, path: &str) -> Option<Fault> {
        let i = self.faults.iter().position(|r| r.matches(method, path))?;
        let rule = &mut self.faults[i];
        let fault = rule.fault.clone();
        if let Some(n) = rule.remaining.as_mut() {
            *n -= 1;
            if *n == 0 {
                self.faults.remove(i);
            }
        }
        Some(fault)
    }

    pub fn is_disabled(&self, path: &str) -> bool {
        self.disabled.iter().any(|p| faults::path_matches(p, path))
    }
}

/// The inferred (OptScale) routes of section 1, all but `GET /restapi/v2/organizations`.
pub const INFERRED_ROUTES: [&str; 10] = [
    "/restapi/v2/organizations/*/breakdown_expenses",
    "/restapi/v2/organizations/*/optimizations",
    "/restapi/v2/organizations/*/pools",
    "/restapi/v2/pools/*",
    "/restapi/v2/organizations/*/cloud_accounts",
    "/restapi/v2/organizations/*/clean_expenses",
    "/restapi/v2/cloud_resources/*",
    "/restapi/v2/organizations/*/organization_constraints",
    "/restapi/v2/organizations/*/organization_limit_hits",
    "/restapi/v2/organizations/*/employees",
];

fn bad(msg: impl Into<String>) -> Reply {
    Reply::json(400, &json!({ "error": msg.into() }))
}

fn ok() -> Reply {
    Reply::ok(&json!({"ok": true}))
}

pub fn handle(shared: &Shared, method: &str, path: &str, body: &[u8]) -> Reply {
    let parsed: Option<Value> = if body.is_empty() {
        None
    } else {
        match serde_json::from_slice(body) {
            Ok(v) => Some(v),
            Err(e) => return bad(format!("body is not JSON: {e}")),
        }
    };
    let sub = path.trim_start_matches("/__sim").trim_end_matches('/');
    match (method, sub) {
        ("GET", "/health") => ok(),
        ("GET", "/faults") => {
            let rules: Vec<Value> =
                shared.with_control(|c| c.faults.iter().map(|r| r.source.clone()).collect());
            Reply::ok(&Value::Array(rules))
        }
        ("POST", "/faults") => {
            let Some(v) = parsed else {
                return bad("a fault rule is required");
            };
            let items = match v {
                Value::Array(a) => a,
                other => vec![other],
            };
            let mut rules = Vec::new();
            for item in &items {
                match faults::parse_rule(item) {
                    Ok(r) => rules.push(r),
                    Err(e) => return bad(e),
                }
            }
            let n = shared.with_control(|c| {
                c.faults.extend(rules);
                c.faults.len()
            });
            Reply::ok(&json!({"ok": true, "faults": n}))
        }
        ("DELETE", "/faults") => {
            shared.with_control(|c| c.faults.clear());
            ok()
        }
        ("GET", "/routes") => {
            let d = shared.with_control(|c| c.disabled.clone());
            Reply::ok(&json!({ "disabled": d }))
        }
        ("POST", "/routes") => {
            let Some(v) = parsed else {
                return bad("expected {\"disable\": [...]} or {\"preset\": \"v3_only\"}");
            };
            let mut add: Vec<String> = Vec::new();
            match v.get("preset") {
                None | Some(Value::Null) => {}
                Some(Value::String(p)) if p == "v3_only" => {
                    add.extend(INFERRED_ROUTES.iter().map(|s| s.to_string()));
                }
                Some(Value::String(p)) if p == "all" => {}
                Some(other) => return bad(format!("unknown preset {other}")),
            }
            match v.get("disable") {
                None | Some(Value::Null) => {}
                Some(Value::Array(a)) => {
                    for x in a {
                        match x.as_str() {
                            Some(s) => add.push(s.to_string()),
                            None => return bad("disable must be a list of path patterns"),
                        }
                    }
                }
                Some(_) => return bad("disable must be a list of path patterns"),
            }
            let enable: Vec<String> = v
                .get("enable")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default();
            let all = shared.with_control(|c| {
                if v.get("preset").and_then(Value::as_str) == Some("all") {
                    c.disabled.clear();
                }
                c.disabled.retain(|p| !enable.contains(p));
                for p in add {
                    if !c.disabled.contains(&p) {
                        c.disabled.push(p);
                    }
                }
                c.disabled.clone()
            });
            Reply::ok(&json!({"ok": true, "disabled": all}))
        }
        ("DELETE", "/routes") => {
            shared.with_control(|c| c.disabled.clear());
            ok()
        }
        ("GET", "/options") => Reply::ok(&shared.with_control(|c| c.options.to_json())),
        ("POST", "/options") => {
            let Some(v) = parsed else {
                return bad(
                    "expected {\"dimension_values_style\": …}, {\"lookups_style\": …} or {\"json_style\": …}",
                );
            };
            let mut opts = shared.with_control(|c| c.options);
            match v.get("dimension_values_style").map(|s| s.as_str()) {
                None => {}
                Some(Some("strings")) => opts.objects_values = false,
                Some(Some("objects")) => opts.objects_values = true,
                Some(_) => return bad("dimension_values_style must be \"strings\" or \"objects\""),
            }
            match v.get("lookups_style").map(|s| s.as_str()) {
                None => {}
                Some(Some("map")) => opts.array_lookups = false,
                Some(Some("array")) => opts.array_lookups = true,
                Some(_) => return bad("lookups_style must be \"map\" or \"array\""),
            }
            match v.get("json_style").map(|s| s.as_str()) {
                None => {}
                Some(Some("compact")) => opts.python_json = false,
                Some(Some("python")) => opts.python_json = true,
                Some(_) => return bad("json_style must be \"compact\" or \"python\""),
            }
            shared.with_control(|c| c.options = opts);
            Reply::ok(&opts.to_json())
        }
        ("GET", "/requests") => {
            let log = shared.requests();
            Reply::ok(&serde_json::to_value(log).unwrap_or(Value::Null))
        }
        ("DELETE", "/requests") => {
            shared.clear_requests();
            ok()
        }
        ("POST", "/reset") => {
            shared.reset();
            ok()
        }
        _ => Reply::detail(404, "Not Found"),
    }
}
