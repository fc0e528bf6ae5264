//! Cost allocation (showback / chargeback), the monthly allocation run, and unit
//! economics against the North Star Metric key.
//!
//! Showback: each pool's own lines. Chargeback: additionally 25 % of Platform's cost
//! moves to Marketing, one `pool_to_pool` flow per service and day (tools.md 14.3).

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::validate::{self, Q, QF, S, check_obj, list, opt, req};
use super::{check_path_uuid, org_access};
use crate::dates::{self, Day};
use crate::errors::Reply;
use crate::fixtures::{NsmKey, Org, id};
use crate::generator::{World, f_value, round_sig, round2};
use crate::routes::Req;

/// Longest accepted date range.
pub const MAX_RANGE_DAYS: i64 = 3660;

/// `(from pool, to pool, share)` moved in chargeback.
fn transfers() -> Vec<(String, String, f64)> {
    vec![(id('a', '1', "3"), id('a', '1', "4"), 0.25)]
}

/// Per pool, per service: allocated cost over `from..=to` (data days only).
fn pool_service_costs(
    w: &World,
    org: char,
    from: Day,
    to: Day,
    chargeback: bool,
) -> BTreeMap<String, BTreeMap<&'static str, f64>> {
    let mut out: BTreeMap<String, BTreeMap<&'static str, f64>> = BTreeMap::new();
    for i in w.line_indices(org) {
        let l = &w.fx.lines[i];
        let c = w.billed_range(i, from, to);
        *out.entry(l.pool.clone())
            .or_default()
            .entry(l.service)
            .or_insert(0.0) += c;
    }
    if chargeback {
        for (src, dst, share) in transfers() {
            let moved: Vec<(&'static str, f64)> = out
                .get(&src)
                .map(|m| m.iter().map(|(s, c)| (*s, c * share)).collect())
                .unwrap_or_default();
            for (service, amount) in moved {
                if let Some(m) = out.get_mut(&src)
                    && let Some(c) = m.get_mut(service)
                {
                    *c -= amount;
                }
                *out.entry(dst.clone())
                    .or_default()
                    .entry(service)
                    .or_insert(0.0) += amount;
            }
        }
    }
    out
}

fn pool_totals(costs: &BTreeMap<String, BTreeMap<&'static str, f64>>) -> BTreeMap<String, f64> {
    costs
        .iter()
        .map(|(p, m)| (p.clone(), m.values().sum()))
        .collect()
}

fn number(v: f64) -> Value {
    let r = round2(v);
    if r.fract() == 0.0 && r.abs() < 1e15 {
        json!(r as i64)
    } else {
        json!(r)
    }
}

/// The daily value of the NSM key: `1 000 000 × (1 + f/100)`, with `f` taken
/// without a line term (line 0).
fn nsm_daily(day: Day) -> f64 {
    1_000_000.0 * (1.0 + f_value(0, day) as f64 / 100.0)
}

/// Shares of the NSM key's allowed dimensions.
const SPLITS: [(&str, &[(&str, f64)]); 2] = [
    ("team_id", &[("checkout", 0.6), ("search", 0.4)]),
    ("environment", &[("prod", 0.9), ("staging", 0.1)]),
];

fn allowed_dimensions() -> Vec<&'static str> {
    SPLITS.iter().map(|(d, _)| *d).collect()
}

fn split(dim: &str) -> &'static [(&'static str, f64)] {
    SPLITS
        .iter()
        .find(|(d, _)| *d == dim)
        .map(|(_, s)| *s)
        .unwrap_or(&[])
}

/// NSM filters as `(dimension, values)`; unknown dimensions are a 400.
fn nsm_filters(body: &Value) -> Result<Vec<(String, Vec<String>)>, Reply> {
    let mut out = Vec::new();
    for f in body
        .get("filters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let dim = f.get("dimension").and_then(Value::as_str).unwrap_or("");
        if !allowed_dimensions().contains(&dim) {
            return Err(Reply::detail(
                400,
                &format!(
                    "Dimension {dim} is not allowed for this NSM key; allowed: team_id, environment"
                ),
            ));
        }
        let values = f
            .get("values")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        out.push((dim.to_string(), values));
    }
    Ok(out)
}

fn share_of(dim: &str, values: &[String]) -> f64 {
    split(dim)
        .iter()
        .filter(|(v, _)| values.iter().any(|x| x == v))
        .map(|(_, s)| s)
        .sum()
}

/// Unit economics of pools over some days.
fn unit_pools(
    w: &World,
    org: &Org,
    days: &[(Day, Day)],
    chargeback: bool,
    pool_filter: Option<&str>,
    group_by: Option<&str>,
    filters: &[(String, Vec<String>)],
) -> Vec<Value> {
    let mut costs: BTreeMap<String, f64> = BTreeMap::new();
    let mut nsm = 0.0;
    for &(from, to) in days {
        for (p, c) in pool_totals(&pool_service_costs(w, org.key, from, to, chargeback)) {
            *costs.entry(p).or_insert(0.0) += c;
        }
        for d in from.max(w.first_day)..=to.min(w.last_day) {
            nsm += nsm_daily(d);
        }
    }
    let share: f64 = filters.iter().map(|(d, v)| share_of(d, v)).product();
    let nsm_total = nsm * share;
    let mut pools: Vec<(String, f64)> = match pool_filter {
        Some(p) => vec![(
            p.to_lowercase(),
            costs.get(&p.to_lowercase()).copied().unwrap_or(0.0),
        )],
        None => costs.into_iter().filter(|(_, c)| *c != 0.0).collect(),
    };
    pools.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let per_unit = |cost: f64, n: f64| {
        if n > 0.0 {
            json!(round_sig(cost / n, 6))
        } else {
            Value::Null
        }
    };
    pools
        .into_iter()
        .map(|(pid, cost)| {
            let mut v = json!({
                "pool_id": pid, "pool_name": w.fx.pool(&pid).map(|p| p.name),
                "cost": round2(cost), "nsm_total": number(nsm_total), "cost_per_unit": per_unit(cost, nsm_total),
            });
            if let (Some(g), Some(obj)) = (group_by, v.as_object_mut()) {
                let restrict: Option<&Vec<String>> = filters.iter().find(|(d, _)| d == g).map(|(_, v)| v);
                let values: Vec<(&str, f64)> = split(g)
                    .iter()
                    .filter(|(v, _)| restrict.is_none_or(|r| r.iter().any(|x| x == v)))
                    .copied()
                    .collect();
                let sum: f64 = values.iter().map(|(_, s)| s).sum();
                let rows: Vec<Value> = values
                    .iter()
                    .map(|(value, s)| {
                        let share = if sum > 0.0 { s / sum } else { 0.0 };
                        let nsm_value = nsm_total * share;
                        json!({
                            "value": value, "share": round_sig(share, 6), "allocated_cost": round2(cost * share),
                            "nsm_value": number(nsm_value), "cost_per_unit": per_unit(cost * share, nsm_value),
                        })
                    })
                    .collect();
                obj.insert("dimension_breakdown".into(), json!(rows));
            }
            v
        })
        .collect()
}

fn month_boundaries(body: &Value) -> Result<(Day, Day), Reply> {
    let day = |k: &str| {
        body.get(k)
            .and_then(Value::as_str)
            .and_then(dates::parse_day)
            .unwrap_or(0)
    };
    let (start, end) = (day("start_date"), day("end_date"));
    if dates::month_start(start) != start {
        return Err(Reply::detail(
            400,
            "start_date must be the first day of a month",
        ));
    }
    if dates::month_end(end) != end {
        return Err(Reply::detail(
            400,
            "end_date must be the last day of a month",
        ));
    }
    if end < start {
        return Err(Reply::detail(400, "end_date must not be before start_date"));
    }
    // A guard against runaway loops; real ranges are a few years at most.
    if end - start > MAX_RANGE_DAYS {
        return Err(Reply::detail(
            400,
            "The date range is too long (at most 10 years)",
        ));
    }
    Ok((start, end))
}

fn filters_schema() -> S {
    list(
        S::Obj(vec![
            req("dimension", S::Str(1, 64)),
            req("values", list(S::Str(1, usize::MAX), 1, 100)),
        ]),
        1,
        20,
    )
}

/// The NSM key, the group-by dimension and the NSM filters of a request.
type NsmContext<'a> = (
    Option<&'a NsmKey>,
    Option<&'a str>,
    Vec<(String, Vec<String>)>,
);

/// NSM key, pool and group-by checks shared by the summary and unit economics.
fn nsm_context<'a>(w: &'a World, org: &Org, body: &'a Value) -> Result<NsmContext<'a>, Reply> {
    if let Some(p) = body.get("pool_id").and_then(Value::as_str)
        && w.fx.pool(p).is_none_or(|p| p.org != org.key)
    {
        return Err(Reply::detail(404, "Pool not found"));
    }
    let key = match body.get("nsm_key_id").and_then(Value::as_str) {
        None => None,
        Some(k) => match w
            .fx
            .nsm_keys
            .iter()
            .find(|n| n.org == org.key && n.id.eq_ignore_ascii_case(k))
        {
            Some(n) => Some(n),
            None => return Err(Reply::detail(404, "NSM key not found")),
        },
    };
    let group_by = body.get("group_by").and_then(Value::as_str);
    if let Some(g) = group_by
        && !allowed_dimensions().contains(&g)
    {
        return Err(Reply::detail(
            400,
            &format!(
                "group_by {g} is not one of the NSM key's allowed_dimensions: team_id, environment"
            ),
        ));
    }
    Ok((key, group_by, nsm_filters(body)?))
}

fn validated_body<'a>(
    req_: &Req<'a>,
    org_id: &str,
    schema: &[validate::F],
) -> Result<&'a Value, Reply> {
    let mut errs = Vec::new();
    check_path_uuid("organization_id", org_id, &mut errs);
    let body = validate::body(req_, &mut errs);
    if let Some(b) = body {
        check_obj(b, schema, &mut vec![json!("body")], &mut errs);
    }
    match (body, errs.is_empty()) {
        (Some(b), true) => Ok(b),
        _ => Err(Reply::validation(errs)),
    }
}

/// `POST /api/v3/organizations/{id}/cost-allocation/summary`.
pub fn summary(req_: &Req, org_id: &str) -> Reply {
    let schema = [
        req("start_date", S::Date),
        req("end_date", S::Date),
        req("view", S::Enum(&["showback", "chargeback"])),
        opt("granularity", S::Enum(&["day", "month"])),
        opt("include_service_breakdown", S::Bool),
        opt("pool_id", S::Uuid),
        opt("include_incomplete", S::Bool),
        opt("nsm_key_id", S::Uuid),
        opt("group_by", S::Str(1, 64)),
        opt("filters", filters_schema()),
    ];
    let body = match validated_body(req_, org_id, &schema) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let (start, end) = match month_boundaries(body) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let org = match org_access(req_, org_id) {
        Ok(o) => o,
        Err(r) => return r,
    };
    let has = |k: &str| body.get(k).is_some_and(|v| !v.is_null());
    if (has("group_by") || has("filters")) && !has("nsm_key_id") {
        return Reply::detail(400, "group_by and filters require nsm_key_id");
    }
    let w = req_.world;
    let (key, group_by, filters) = match nsm_context(w, org, body) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let view = body
        .get("view")
        .and_then(Value::as_str)
        .unwrap_or("showback");
    let chargeback = view == "chargeback";
    let granularity = body
        .get("granularity")
        .and_then(Value::as_str)
        .unwrap_or("month");
    let services = body
        .get("include_service_breakdown")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let incomplete_ok = body
        .get("include_incomplete")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let pool_filter = body
        .get("pool_id")
        .and_then(Value::as_str)
        .map(str::to_lowercase);
    let current_month = dates::month_start(w.today);
    let mut periods = Vec::new();
    let mut incomplete = Vec::new();
    let mut used: Vec<(Day, Day)> = Vec::new();
    let mut d = start;
    while d <= end {
        let (from, to, label) = if granularity == "day" {
            (d, d, dates::fmt_day(d))
        } else {
            (d, dates::month_end(d), dates::fmt_month(d))
        };
        let is_final = dates::month_start(from) < current_month;
        d = to + 1;
        if !is_final && !incomplete_ok {
            incomplete.push(json!(label));
            continue;
        }
        used.push((from, to));
        let costs = pool_service_costs(w, org.key, from, to, chargeback);
        let mut pools: Vec<(&String, &BTreeMap<&'static str, f64>, f64)> = costs
            .iter()
            .map(|(p, m)| (p, m, m.values().sum::<f64>()))
            .filter(|(p, _, c)| pool_filter.as_ref().map_or(*c != 0.0, |f| *p == f))
            .collect();
        pools.sort_by(|a, b| b.2.total_cmp(&a.2).then(a.0.cmp(b.0)));
        let total: f64 = pools.iter().map(|p| p.2).sum();
        let pools_json: Vec<Value> = pools
            .iter()
            .map(|(p, m, c)| {
                let mut v = json!({"pool_id": p, "pool_name": w.fx.pool(p).map(|p| p.name), "cost": round2(*c)});
                if services && let Some(o) = v.as_object_mut() {
                    let mut s: Vec<(&&str, &f64)> = m.iter().filter(|(_, c)| **c != 0.0).collect();
                    s.sort_by(|a, b| b.1.total_cmp(a.1).then(a.0.cmp(b.0)));
                    let list: Vec<Value> = s
                        .iter()
                        .map(|(n, c)| json!({"service_name": n, "cost": round2(**c)}))
                        .collect();
                    o.insert("services".into(), json!(list));
                }
                v
            })
            .collect();
        periods.push(json!({"period": label, "is_final": is_final, "total_cost": round2(total), "pools": pools_json}));
    }
    let all_final = periods.iter().all(|p| p["is_final"] == json!(true));
    let unit = key.map(|k| {
        json!({
            "nsm_key_id": k.id, "group_by": group_by,
            "pools": unit_pools(w, org, &used, chargeback, pool_filter.as_deref(), group_by, &filters),
        })
    });
    Reply::ok(&json!({
        "view": view, "start_date": dates::fmt_day(start), "end_date": dates::fmt_day(end),
        "granularity": granularity, "is_final": all_final, "periods": periods,
        "incomplete_periods": incomplete, "unit_economics": unit,
    }))
}

/// `POST /api/v3/organizations/{id}/kpis/unit-economics`.
pub fn unit_economics(req_: &Req, org_id: &str) -> Reply {
    let schema = [
        req("start_date", S::Date),
        req("end_date", S::Date),
        req("nsm_key_id", S::Uuid),
        opt("view", S::Enum(&["showback", "chargeback"])),
        opt("pool_id", S::Uuid),
        opt("group_by", S::Str(1, 64)),
        opt("filters", filters_schema()),
    ];
    let body = match validated_body(req_, org_id, &schema) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let (start, end) = match month_boundaries(body) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let org = match org_access(req_, org_id) {
        Ok(o) => o,
        Err(r) => return r,
    };
    let w = req_.world;
    let (key, group_by, filters) = match nsm_context(w, org, body) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(key) = key else {
        return Reply::detail(404, "NSM key not found");
    };
    let view = body
        .get("view")
        .and_then(Value::as_str)
        .unwrap_or("showback");
    let pool_filter = body.get("pool_id").and_then(Value::as_str);
    let pools = unit_pools(
        w,
        org,
        &[(start, end)],
        view == "chargeback",
        pool_filter,
        group_by,
        &filters,
    );
    Reply::ok(&json!({
        "view": view, "nsm_key_id": key.id, "start_date": dates::fmt_day(start), "end_date": dates::fmt_day(end),
        "group_by": group_by, "pools": pools,
    }))
}

/// `GET /api/v3/organizations/{id}/cost-allocation/month?month=[&aggregate_flows=]`.
pub fn month(req_: &Req, org_id: &str) -> Reply {
    let mut errs = Vec::new();
    check_path_uuid("organization_id", org_id, &mut errs);
    validate::check_query(
        req_,
        &[
            QF {
                name: "month",
                kind: Q::Date,
                required: true,
                repeated: false,
            },
            QF {
                name: "aggregate_flows",
                kind: Q::Bool,
                required: false,
                repeated: false,
            },
        ],
        &mut errs,
    );
    if !errs.is_empty() {
        return Reply::validation(errs);
    }
    let org = match org_access(req_, org_id) {
        Ok(o) => o,
        Err(r) => return r,
    };
    let w = req_.world;
    let fx = &w.fx;
    let day = req_
        .query
        .last("month")
        .and_then(dates::parse_day)
        .unwrap_or(w.today);
    let aggregate = req_
        .query
        .last("aggregate_flows")
        .and_then(validate::parse_bool)
        .unwrap_or(false);
    let (m_start, m_end) = (dates::month_start(day), dates::month_end(day));
    let is_final = m_end < dates::month_start(w.today);

    // (step, date, source, target, service) -> cost
    type FlowKey = (usize, Option<Day>, String, String, Option<&'static str>);
    let mut flows: BTreeMap<FlowKey, f64> = BTreeMap::new();
    let mut add = |step: usize, d: Day, src: &str, dst: &str, service: &'static str, c: f64| {
        let key = if aggregate {
            (step, None, src.to_string(), dst.to_string(), None)
        } else {
            (
                step,
                Some(d),
                src.to_string(),
                dst.to_string(),
                Some(service),
            )
        };
        *flows.entry(key).or_insert(0.0) += c;
    };
    let lines = w.line_indices(org.key);
    for d in m_start.max(w.first_day)..=m_end.min(w.last_day) {
        for &i in &lines {
            let l = &fx.lines[i];
            let c = w.billed(i, d);
            add(0, d, &l.ds, &l.rule, l.service, c);
            add(1, d, &l.rule, &l.pool, l.service, c);
            for (src, dst, share) in transfers() {
                if l.pool == src {
                    add(2, d, &src, &dst, l.service, c * share);
                }
            }
        }
    }
    let steps = ["data_source_to_rule", "rule_to_pool", "pool_to_pool"];
    let name = |id: &str| -> Option<&'static str> {
        fx.data_source(id)
            .map(|d| d.name)
            .or_else(|| fx.rule(id).map(|r| r.name))
            .or_else(|| fx.pool(id).map(|p| p.name))
    };
    let mut stage_totals = [0.0; 3];
    let details: Vec<Value> = flows
        .iter()
        .map(|((step, d, src, dst, service), c)| {
            stage_totals[*step] += c;
            json!({
                "step": steps[*step], "source_id": src, "source_name": name(src), "target_id": dst,
                "target_name": name(dst), "service_name": service, "date": d.map(dates::fmt_day), "cost": round2(*c),
            })
        })
        .collect();
    let stages: Vec<Value> = steps
        .iter()
        .zip(stage_totals)
        .map(|(s, t)| json!({"step": s, "total_cost": round2(t)}))
        .collect();
    let showback = pool_totals(&pool_service_costs(w, org.key, m_start, m_end, false));
    let snapshots: Vec<Value> = fx
        .org_pools(org.key)
        .map(|p| {
            let allocated = showback.get(&p.id).copied().unwrap_or(0.0);
            let (mut sent, mut received) = (0.0, 0.0);
            for (src, dst, share) in transfers() {
                if src == p.id {
                    sent += showback.get(&src).copied().unwrap_or(0.0) * share;
                }
                if dst == p.id {
                    received += showback.get(&src).copied().unwrap_or(0.0) * share;
                }
            }
            json!({
                "pool_id": p.id, "pool_name": p.name, "allocated_cost": round2(allocated),
                "received_cost": round2(received), "sent_cost": round2(sent),
                "final_cost": round2(allocated + received - sent),
            })
        })
        .collect();
    let (run_id, status, started, completed) = if is_final {
        let (y, m, _) = dates::civil_from_days(m_start);
        let started = World::ts(m_end + 1) + 2 * 3600;
        (
            json!(id(org.key, '9', &format!("{y:04}{m:02}"))),
            "completed",
            dates::fmt_rfc3339(started),
            json!(dates::fmt_rfc3339(started + 250)),
        )
    } else {
        (
            Value::Null,
            "provisional",
            dates::fmt_rfc3339(w.now),
            json!(dates::fmt_rfc3339(w.now)),
        )
    };
    Reply::ok(&json!({
        "id": run_id, "period_start": dates::fmt_day(m_start), "period_end": dates::fmt_day(m_end),
        "status": status, "is_final": is_final, "started_at": started, "completed_at": completed,
        "stages": stages, "flow_details": details, "pool_snapshots": snapshots,
    }))
}
