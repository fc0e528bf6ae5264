//! `POST …/recommendations` (filter, sort, page) and `GET …/recommendations/scenarios`.

use serde_json::{Map, Value, json};

use super::validate::{self, Q, QF, S, check_obj, list, opt, req, unique_list};
use super::{check_path_uuid, org_access};
use crate::dates::fmt_rfc3339;
use crate::errors::Reply;
use crate::fixtures::Recommendation;
use crate::generator::{World, round2};
use crate::routes::Req;
use crate::routes::v2::accounts::CLOUD_TYPES;

const SCENARIO_TAGS: [&str; 10] = [
    "delete",
    "resize",
    "migrate",
    "upgrade",
    "quick_win",
    "requires_planning",
    "orphaned",
    "idle",
    "oversized",
    "outdated",
];
const STATUSES: [&str; 6] = [
    "open",
    "applied",
    "dismissed",
    "snoozed",
    "auto_resolved",
    "stale",
];
const SEVERITIES: [&str; 4] = ["low", "medium", "high", "critical"];
const SORT_BY: [&str; 6] = [
    "annual_savings",
    "monthly_savings",
    "severity",
    "created_at",
    "last_seen_at",
    "status",
];

fn strings(max: usize) -> S {
    list(S::Str(1, usize::MAX), 1, max)
}

fn schema() -> Vec<validate::F> {
    let tag = S::Obj(vec![
        req("key", S::Str(1, 256)),
        opt("include", strings(1000)),
        opt("exclude", strings(1000)),
        opt("exists", S::Bool),
    ]);
    vec![
        opt("scenario_id", strings(50)),
        opt("scenario_tags", unique_list(S::Enum(&SCENARIO_TAGS), 1, 10)),
        opt("status", unique_list(S::Enum(&STATUSES), 1, 6)),
        opt("severity", unique_list(S::Enum(&SEVERITIES), 1, 4)),
        opt("data_source_id", list(S::Uuid, 1, 100)),
        opt("assignee_id", list(S::Uuid, 1, 100)),
        opt("resource_type", strings(100)),
        opt("region", strings(100)),
        opt("service", strings(100)),
        opt("resource_tags", list(tag, 1, 20)),
        opt("offset", S::Int(0, i64::MAX)),
        opt("limit", S::Int(1, 500)),
        opt("sort_by", S::Enum(&SORT_BY)),
        opt("sort_direction", S::Enum(&["asc", "desc"])),
    ]
}

fn item(w: &World, r: &Recommendation) -> Value {
    let l = w.fx.line(r.line);
    let monthly = round2(r.current - r.target);
    let evidence: Map<String, Value> = r
        .evidence
        .iter()
        .map(|(k, v)| (k.to_string(), number(*v)))
        .collect();
    json!({
        "id": r.id, "scenario_id": r.scenario_id, "scenario_tags": r.tags, "status": r.status,
        "severity": r.severity, "data_source_id": l.map(|l| l.ds.clone()),
        "resource_id": l.map(|l| l.cloud_id), "resource_name": l.map(|l| l.name),
        "resource_type": r.resource_type, "region": l.map(|l| l.region), "service": l.map(|l| l.service),
        "current_monthly_cost": r.current, "target_monthly_cost": r.target,
        "monthly_savings": monthly, "annual_savings": round2(monthly * 12.0),
        "evidence": evidence, "assignee_id": r.assignee,
        "created_at": r.created_at, "last_seen_at": fmt_rfc3339(World::ts(w.last_day) + 6 * 3600),
    })
}

/// Whole numbers as JSON integers.
fn number(v: f64) -> Value {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        json!(v as i64)
    } else {
        json!(v)
    }
}

fn severity_rank(s: &str) -> usize {
    SEVERITIES.iter().position(|x| *x == s).unwrap_or(0)
}

/// `POST /api/v3/organizations/{id}/recommendations`.
pub fn list_recommendations(req_: &Req, org_id: &str) -> Reply {
    let mut errs = Vec::new();
    check_path_uuid("organization_id", org_id, &mut errs);
    let body = validate::body(req_, &mut errs);
    if let Some(b) = body {
        check_obj(b, &schema(), &mut vec![json!("body")], &mut errs);
    }
    let (Some(body), true) = (body, errs.is_empty()) else {
        return Reply::validation(errs);
    };
    let org = match org_access(req_, org_id) {
        Ok(o) => o,
        Err(r) => return r,
    };
    let w = req_.world;
    let strs = |k: &str| -> Option<Vec<&str>> {
        body.get(k)
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
    };
    let has = |k: &str, v: &str| {
        strs(k).is_none_or(|list| list.iter().any(|x| x.eq_ignore_ascii_case(v)))
    };
    let mut items: Vec<&Recommendation> =
        w.fx.recommendations
            .iter()
            .filter(|r| r.org == org.key)
            .filter(|r| {
                let Some(l) = w.fx.line(r.line) else {
                    return false;
                };
                has("scenario_id", r.scenario_id)
                    && strs("scenario_tags").is_none_or(|t| r.tags.iter().any(|x| t.contains(x)))
                    && has("status", r.status)
                    && has("severity", r.severity)
                    && has("data_source_id", &l.ds)
                    && strs("assignee_id").is_none_or(|a| {
                        r.assignee
                            .as_deref()
                            .is_some_and(|x| a.iter().any(|y| y.eq_ignore_ascii_case(x)))
                    })
                    && has("resource_type", r.resource_type)
                    && has("region", l.region)
                    && has("service", l.service)
                    && body
                        .get("resource_tags")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .all(|t| {
                            let key = t.get("key").and_then(Value::as_str).unwrap_or("");
                            let v = l.tag(key);
                            let list = |k: &str| -> Option<Vec<&str>> {
                                t.get(k)
                                    .and_then(Value::as_array)
                                    .map(|a| a.iter().filter_map(Value::as_str).collect())
                            };
                            list("include").is_none_or(|i| v.is_some_and(|v| i.contains(&v)))
                                && list("exclude").is_none_or(|e| v.is_none_or(|v| !e.contains(&v)))
                                && t.get("exists")
                                    .and_then(Value::as_bool)
                                    .is_none_or(|x| x == v.is_some())
                        })
            })
            .collect();
    let sort_by = body
        .get("sort_by")
        .and_then(Value::as_str)
        .unwrap_or("annual_savings");
    let desc = body
        .get("sort_direction")
        .and_then(Value::as_str)
        .unwrap_or("desc")
        == "desc";
    items.sort_by(|a, b| {
        let o = match sort_by {
            "severity" => severity_rank(a.severity).cmp(&severity_rank(b.severity)),
            "created_at" => a.created_at.cmp(b.created_at),
            "status" => a.status.cmp(b.status),
            // All fixture recommendations were last seen at the same time.
            "last_seen_at" => std::cmp::Ordering::Equal,
            _ => (a.current - a.target).total_cmp(&(b.current - b.target)),
        };
        (if desc { o.reverse() } else { o }).then(a.id.cmp(&b.id))
    });
    let total = items.len();
    let offset = body
        .get("offset")
        .and_then(|v| validate::int_value(v).ok())
        .unwrap_or(0);
    let limit = body
        .get("limit")
        .and_then(|v| validate::int_value(v).ok())
        .unwrap_or(50);
    let page: Vec<Value> = items
        .iter()
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(usize::try_from(limit).unwrap_or(0))
        .map(|r| item(w, r))
        .collect();
    Reply::ok(&json!({"items": page, "total": total, "offset": offset, "limit": limit}))
}

/// `GET /api/v3/organizations/{id}/recommendations/scenarios[?cloud_provider=]`.
pub fn scenarios(req_: &Req, org_id: &str) -> Reply {
    let mut errs = Vec::new();
    check_path_uuid("organization_id", org_id, &mut errs);
    validate::check_query(
        req_,
        &[QF {
            name: "cloud_provider",
            kind: Q::Enum(&CLOUD_TYPES),
            required: false,
            repeated: false,
        }],
        &mut errs,
    );
    if !errs.is_empty() {
        return Reply::validation(errs);
    }
    if let Err(r) = org_access(req_, org_id) {
        return r;
    }
    let provider = req_.query.last("cloud_provider");
    let list: Vec<Value> = req_
        .world
        .fx
        .scenarios
        .iter()
        .filter(|s| provider.is_none_or(|p| p == s.cloud_provider))
        .map(|s| {
            let thresholds: Vec<Value> = s
                .thresholds
                .iter()
                .map(|(id, name, default, unit)| {
                    json!({"threshold_id": id, "name": name, "default_value": number(*default), "unit": unit})
                })
                .collect();
            json!({
                "scenario_id": s.id, "name": s.name, "description": s.description, "severity": s.severity,
                "resource_type": s.resource_type, "cloud_provider": s.cloud_provider, "tags": s.tags,
                "thresholds": thresholds,
                "documentation_url": format!("https://docs.example.com/scenarios/{}", s.id),
            })
        })
        .collect();
    Reply::ok(&json!({ "scenarios": list }))
}
