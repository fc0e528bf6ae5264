//! NSM keys, KPI definitions, KPI snapshots and time series.
//!
//! KPI values for a date D use the 30 days before it (D−30 ..= D−1) and are
//! "calculated" at 06:00 UTC on D+1; a date whose calculation time is still in the
//! simulated future has no value yet.

use serde_json::{Value, json};

use super::validate::{self, Q, QF};
use super::{check_path_uuid, org_access};
use crate::dates::{self, Day};
use crate::errors::Reply;
use crate::generator::{World, effective_factor, round2};
use crate::routes::Req;

pub const KPI_IDS: [&str; 3] = [
    "effective_savings_rate",
    "compute_commitment_coverage",
    "allocation_accuracy_index",
];

fn access<'a>(
    req_: &Req<'a>,
    org_id: &str,
    query: &[QF],
) -> Result<&'a crate::fixtures::Org, Reply> {
    let mut errs = Vec::new();
    check_path_uuid("organization_id", org_id, &mut errs);
    validate::check_query(req_, query, &mut errs);
    if !errs.is_empty() {
        return Err(Reply::validation(errs));
    }
    org_access(req_, org_id)
}

/// `GET …/metrics/nsm-keys` (a bare array).
pub fn nsm_keys(req_: &Req, org_id: &str) -> Reply {
    let org = match access(req_, org_id, &[]) {
        Ok(o) => o,
        Err(r) => return r,
    };
    let keys: Vec<Value> = req_
        .world
        .fx
        .nsm_keys
        .iter()
        .filter(|k| k.org == org.key)
        .map(|k| {
            json!({"id": k.id, "name": k.name, "granularity": "daily", "allowed_dimensions": ["team_id", "environment"],
                   "pool_id": k.pool_id, "unit": "requests"})
        })
        .collect();
    Reply::ok(&Value::Array(keys))
}

/// `GET …/kpis/definitions` (a bare array).
pub fn definitions(req_: &Req, org_id: &str) -> Reply {
    if let Err(r) = access(req_, org_id, &[]) {
        return r;
    }
    Reply::ok(&json!([
        {"kpi_id": "effective_savings_rate", "name": "Effective savings rate",
         "description": "Share of list cost saved by discounts and commitments.",
         "unit": "percent", "category": "commitment", "favorable_direction": "up",
         "formula": "(1 - effective_cost / billed_cost) * 100"},
        {"kpi_id": "compute_commitment_coverage", "name": "Compute commitment coverage",
         "description": "Share of compute instance cost covered by savings plans or reservations.",
         "unit": "percent", "category": "commitment", "favorable_direction": "up",
         "formula": "committed_instance_cost / instance_cost * 100"},
        {"kpi_id": "allocation_accuracy_index", "name": "Allocation accuracy index",
         "description": "Share of cost that is allocated to an owner.",
         "unit": "percent", "category": "allocation", "favorable_direction": "up",
         "formula": "owned_cost / total_cost * 100"},
    ]))
}

/// The value of a KPI for an organization on a date; `None` without data.
fn kpi_value(w: &World, org: char, kpi: &str, date: Day) -> Option<f64> {
    if org == 'b' && date < dates::days_from_civil(2025, 1, 1) {
        return None;
    }
    let (from, to) = (date - 30, date - 1);
    let lines = w.line_indices(org);
    let billed = |pred: &dyn Fn(usize) -> bool| -> f64 {
        lines
            .iter()
            .filter(|&&i| pred(i))
            .map(|&i| w.billed_range(i, from, to))
            .sum()
    };
    let fx = &w.fx;
    let ratio = |num: f64, den: f64| {
        if den > 0.0 {
            Some(round2(100.0 * num / den))
        } else {
            None
        }
    };
    match kpi {
        "effective_savings_rate" => {
            let total = billed(&|_| true);
            let effective: f64 = lines
                .iter()
                .map(|&i| w.billed_range(i, from, to) * effective_factor(&fx.lines[i]))
                .sum();
            ratio(total - effective, total)
        }
        "compute_commitment_coverage" => {
            let instances = billed(&|i| fx.lines[i].rtype == "Instance");
            let committed =
                billed(&|i| fx.lines[i].rtype == "Instance" && fx.lines[i].commitment.is_some());
            ratio(committed, instances)
        }
        _ => ratio(billed(&|i| fx.lines[i].owner.is_some()), billed(&|_| true)),
    }
}

/// 06:00 UTC on the day after `date`.
fn calculated_at(date: Day) -> i64 {
    World::ts(date + 1) + 6 * 3600
}

/// Keeps the caller's order of `kpi_ids` (duplicates dropped).
fn ordered(req_: &Req) -> Vec<&'static str> {
    let asked = req_.query.all("kpi_ids");
    if asked.is_empty() {
        return KPI_IDS.to_vec();
    }
    let mut out: Vec<&'static str> = Vec::new();
    for a in asked {
        if let Some(k) = KPI_IDS.iter().find(|k| **k == a)
            && !out.contains(k)
        {
            out.push(k);
        }
    }
    out
}

/// `GET …/kpis/snapshots[?date=][&kpi_ids=…]`.
pub fn snapshots(req_: &Req, org_id: &str) -> Reply {
    let query = [
        QF {
            name: "date",
            kind: Q::Date,
            required: false,
            repeated: false,
        },
        QF {
            name: "kpi_ids",
            kind: Q::Enum(&KPI_IDS),
            required: false,
            repeated: true,
        },
    ];
    let org = match access(req_, org_id, &query) {
        Ok(o) => o,
        Err(r) => return r,
    };
    let w = req_.world;
    let date = match req_.query.last("date").and_then(dates::parse_day) {
        Some(d) => d,
        None => {
            // The latest date already calculated.
            let mut d = w.today;
            while calculated_at(d) > w.now {
                d -= 1;
            }
            d
        }
    };
    let done = calculated_at(date) <= w.now;
    let kpis: Vec<Value> = ordered(req_)
        .into_iter()
        .map(|k| {
            let (value, at) = if done {
                (
                    kpi_value(w, org.key, k, date),
                    Some(dates::fmt_rfc3339(calculated_at(date))),
                )
            } else {
                (None, None)
            };
            json!({"kpi_id": k, "value": value, "calculated_at": at})
        })
        .collect();
    Reply::ok(&json!({"date": dates::fmt_day(date), "kpis": kpis}))
}

/// `GET …/kpis/time-series?start_date=&end_date=[&kpi_ids=…]`.
pub fn time_series(req_: &Req, org_id: &str) -> Reply {
    let query = [
        QF {
            name: "start_date",
            kind: Q::Date,
            required: true,
            repeated: false,
        },
        QF {
            name: "end_date",
            kind: Q::Date,
            required: true,
            repeated: false,
        },
        QF {
            name: "kpi_ids",
            kind: Q::Enum(&KPI_IDS),
            required: false,
            repeated: true,
        },
    ];
    let org = match access(req_, org_id, &query) {
        Ok(o) => o,
        Err(r) => return r,
    };
    let w = req_.world;
    let start = req_
        .query
        .last("start_date")
        .and_then(dates::parse_day)
        .unwrap_or(w.today);
    let end = req_
        .query
        .last("end_date")
        .and_then(dates::parse_day)
        .unwrap_or(w.today);
    if end < start {
        return Reply::detail(400, "end_date must not be before start_date");
    }
    if end - start > super::allocation::MAX_RANGE_DAYS {
        return Reply::detail(400, "The date range is too long (at most 10 years)");
    }
    let series: Vec<Value> = ordered(req_)
        .into_iter()
        .map(|k| {
            let values: Vec<Value> = (start..=end)
                .filter(|d| calculated_at(*d) <= w.now)
                .map(|d| {
                    json!({"period_date": dates::fmt_day(d), "value": kpi_value(w, org.key, k, d),
                           "calculated_at": dates::fmt_rfc3339(calculated_at(d))})
                })
                .collect();
            json!({"kpi_id": k, "values": values})
        })
        .collect();
    Reply::ok(
        &json!({"start_date": dates::fmt_day(start), "end_date": dates::fmt_day(end), "series": series}),
    )
}
