//! Organization constraints (anomaly detectors, budgets, quotas, tagging policies)
//! and their limit hits, derived from the generated costs.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::org_access;
use crate::dates::{self, Day, SECS_PER_DAY};
use crate::errors::Reply;
use crate::fixtures::{CREATED_AT, Constraint, id};
use crate::generator::{World, anomaly_day, round2};
use crate::routes::Req;

/// Anomaly detectors compare a day with the average of this many days before it.
const THRESHOLD_DAYS: i64 = 7;

fn org_total(w: &World, org: char, day: Day) -> f64 {
    w.line_indices(org).iter().map(|&i| w.billed(i, day)).sum()
}

fn resource_count(w: &World, org: char, day: Day) -> usize {
    w.line_indices(org)
        .iter()
        .filter(|&&i| w.billed(i, day) > 0.0)
        .count()
}

/// `(average of the previous days, value of the day, {day: value})` for a day.
fn anomaly_stats(day: Day, value: impl Fn(Day) -> f64) -> (f64, f64, Map<String, Value>) {
    let mut breakdown = Map::new();
    let mut sum = 0.0;
    for d in day - THRESHOLD_DAYS..day {
        let v = value(d);
        sum += v;
        breakdown.insert((d * SECS_PER_DAY).to_string(), json!(round2(v)));
    }
    (
        round2(sum / THRESHOLD_DAYS as f64),
        round2(value(day)),
        breakdown,
    )
}

struct Hit {
    id: String,
    constraint_id: String,
    limit: Value,
    value: Value,
    run_result: Value,
    created_at: i64,
}

/// Every hit recorded so far (created before "now").
fn all_hits(w: &World, org: char) -> Vec<Hit> {
    let mut out = Vec::new();
    if org != 'a' {
        return out;
    }
    // The 2025-06-10 anomaly of line 1, detected that evening.
    let day = anomaly_day();
    let created = day * SECS_PER_DAY + 19 * 3600;
    if w.has_data(day) && created <= w.now {
        let (avg, today, _) = anomaly_stats(day, |d| org_total(w, org, d));
        out.push(Hit {
            id: id('a', '6', "1"),
            constraint_id: id('a', '5', "1"),
            limit: json!(round2(avg * 1.3)),
            value: json!(today),
            run_result: json!({"average": avg, "today": today}),
            created_at: created,
        });
    }
    // The tagging policy: one hit every day from 2025-06-01 (acme-logs has no tag).
    let mut d = dates::days_from_civil(2025, 6, 1);
    let mut serial = 10;
    while d * SECS_PER_DAY + 3600 <= w.now {
        out.push(Hit {
            id: id('a', '6', &format!("{serial}")),
            constraint_id: id('a', '5', "4"),
            limit: json!(0),
            value: json!(1),
            run_result: json!({"value": 1}),
            created_at: d * SECS_PER_DAY + 3600,
        });
        d += 1;
        serial += 1;
    }
    out
}

fn constraint_json(w: &World, c: &Constraint) -> Value {
    let fx = &w.fx;
    let org = fx.org_by_key(c.org);
    let day = w.last_day;
    let last_run = World::ts(w.today) + 6 * 3600;
    let (definition, filters, result) = match c.kind {
        "expense_anomaly" => {
            let (avg, today, breakdown) = anomaly_stats(day, |d| org_total(w, c.org, d));
            (
                json!({"threshold": 30, "threshold_days": THRESHOLD_DAYS}),
                json!({}),
                json!({"average": avg, "today": today, "breakdown": breakdown}),
            )
        }
        "resource_count_anomaly" => {
            let (avg, today, breakdown) =
                anomaly_stats(day, |d| resource_count(w, c.org, d) as f64);
            (
                json!({"threshold": 50, "threshold_days": THRESHOLD_DAYS}),
                json!({}),
                json!({"average": avg, "today": today, "breakdown": breakdown}),
            )
        }
        "recurring_budget" => {
            let pool = fx.pool(&id(c.org, '1', "2"));
            let current = pool
                .map(|p| w.cost_and_forecast(&w.subtree_lines(&p.id)).0)
                .unwrap_or(0.0);
            (
                json!({"monthly_budget": 25000}),
                json!({"pool": pool.map(|p| vec![json!({"id": p.id, "name": p.name, "purpose": p.purpose})]).unwrap_or_default()}),
                json!({"limit": 25000, "current": current}),
            )
        }
        _ => {
            let untagged = fx
                .org_lines(c.org)
                .filter(|l| l.tag("Environment").is_none())
                .count();
            (
                json!({"start_date": dates::days_from_civil(2025, 6, 1) * SECS_PER_DAY,
                       "conditions": {"tag": "Environment"}}),
                json!({}),
                json!({"value": untagged}),
            )
        }
    };
    json!({
        "id": c.id, "name": c.name, "organization_id": org.id, "type": c.kind,
        "definition": definition, "filters": filters, "last_run": last_run,
        "last_run_result": result, "created_at": CREATED_AT, "deleted_at": 0,
    })
}

/// `GET /restapi/v2/organizations/{id}/organization_constraints?type=…&hit_days=`.
pub fn list(req: &Req, org_id: &str) -> Reply {
    let (org, _) = match org_access(req, org_id, "OE0234") {
        Ok(x) => x,
        Err(r) => return r,
    };
    let hit_days = match req.query.last("hit_days") {
        None => None,
        Some(v) => match v.trim().parse::<i64>() {
            Ok(n) => Some(n.max(0)),
            Err(_) => {
                return Reply::optscale(
                    400,
                    "OE0223",
                    "hit_days should be integer",
                    json!(["hit_days"]),
                );
            }
        },
    };
    let types = req.query.all("type");
    let w = req.world;
    let recorded = all_hits(w, org.key);
    let list: Vec<Value> = w
        .fx
        .constraints
        .iter()
        .filter(|c| c.org == org.key)
        .filter(|c| types.is_empty() || types.contains(&c.kind))
        .map(|c| {
            let mut v = constraint_json(w, c);
            if let (Some(days), Some(obj)) = (hit_days, v.as_object_mut()) {
                let since = w.now - days * SECS_PER_DAY;
                let mine: Vec<Value> = recorded
                    .iter()
                    .filter(|h| h.constraint_id == c.id && h.created_at >= since)
                    .map(|h| {
                        json!({"id": h.id, "constraint_id": h.constraint_id, "constraint_limit": h.limit,
                               "value": h.value, "run_result": h.run_result, "created_at": h.created_at})
                    })
                    .collect();
                obj.insert("limit_hits".into(), json!(mine));
            }
            v
        })
        .collect();
    Reply::ok(&json!({ "organization_constraints": list }))
}

/// `GET /restapi/v2/organizations/{id}/organization_limit_hits[?constraint_id=]`:
/// every hit ever recorded, oldest first.
pub fn hits(req: &Req, org_id: &str) -> Reply {
    let (org, _) = match org_access(req, org_id, "OE0234") {
        Ok(x) => x,
        Err(r) => return r,
    };
    let constraint = req.query.last("constraint_id");
    let mut by_time: BTreeMap<(i64, String), Value> = BTreeMap::new();
    for h in all_hits(req.world, org.key) {
        if constraint.is_some_and(|c| !c.eq_ignore_ascii_case(&h.constraint_id)) {
            continue;
        }
        by_time.insert(
            (h.created_at, h.id.clone()),
            json!({"id": h.id, "organization_id": org.id, "constraint_id": h.constraint_id,
                   "constraint_limit": h.limit, "value": h.value, "run_result": h.run_result,
                   "created_at": h.created_at, "deleted_at": 0}),
        );
    }
    let list: Vec<Value> = by_time.into_values().collect();
    Reply::ok(&json!({ "organization_limit_hits": list }))
}
