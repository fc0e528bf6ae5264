//! Anomalies and policies: the detectors and limits set on spend, and their hits.

use serde_json::Value;

use crate::api::ApiRequest;
use crate::tools::core::{Endpoint, Plan, Run, Subject, Tool};
use crate::tools::input::vocab::ORGANIZATION;
use crate::tools::input::{Choices, Day, Id, Input, Int, Or, Reader};
use crate::tools::result::Output;

/// Every kind of anomaly detector and policy.
pub const CONSTRAINT_TYPE_NAMES: &[&str] = &[
    "expense_anomaly",
    "resource_count_anomaly",
    "recurring_budget",
    "expiring_budget",
    "resource_quota",
    "tagging_policy",
];
const TYPES: Input<Choices, Or<&[&str]>> = Input::optional(
    "types",
    Choices(CONSTRAINT_TYPE_NAMES),
    "Kinds of detectors and policies to list.",
)
.or(&["expense_anomaly", "resource_count_anomaly"]);
const HIT_DAYS: Input<Int, Or<i64>> = Input::optional(
    "hit_days",
    Int::new(0, 90),
    "Attach violations from the last this many days; 0 attaches none.",
)
.or(7);
const CONSTRAINT: Input<Id> = Input::optional(
    "constraint_id",
    Id::new("get one from list_anomalies"),
    "Only this detector or policy (an id from list_anomalies).",
);
const SINCE: Input<Day> = Input::optional(
    "since",
    Day,
    "Only violations on or after this date, YYYY-MM-DD (UTC).",
);
const HITS_LIMIT: Input<Int, Or<i64>> = Input::optional(
    "limit",
    Int::new(1, 1000),
    "Maximum number of violations, newest first.",
)
.or(100);
const UNAVAILABLE: &str = "Cost anomalies are not available on this deployment; get_expenses with granularity day can show unusual days.";

pub const LIST_ANOMALIES: Tool = Tool {
    name: "list_anomalies",
    title: "List anomaly detectors and policies",
    description: "Lists anomaly detectors (expense and resource count by default) and, on request, budgets, quotas and tagging policies, each with its definition, filters, latest evaluation and violations in the last hit_days days. An anomaly fires when today's value exceeds the average of the previous threshold_days days by more than threshold percent. For \"any cost anomalies lately?\" or \"are we within budget?\".",
    inputs: &[&ORGANIZATION, &TYPES, &HIT_DAYS],
    endpoint: Endpoint::Inferred {
        route: "GET /restapi/v2/organizations/{organization_id}/organization_constraints",
        alternative: UNAVAILABLE,
        subject: Subject::Organization,
    },
    narrow: "Ask for fewer types or lower hit_days.",
    suggestions: &[("type", "types"), ("days", "hit_days")],
    run: Run::Single(list_anomalies),
};

fn list_anomalies(a: &mut Reader) -> Option<Plan> {
    let org = ORGANIZATION.read(a);
    let types = TYPES.read(a);
    let hit_days = HIT_DAYS.read(a);
    let request = ApiRequest::get(format!(
        "/restapi/v2/organizations/{}/organization_constraints",
        org?
    ))
    .params("type", types);
    let request = if hit_days > 0 {
        request.param("hit_days", hit_days.to_string())
    } else {
        request
    };
    Some(Plan::new(request))
}

pub const LIST_ANOMALY_HITS: Tool = Tool {
    name: "list_anomaly_hits",
    title: "List anomaly and policy violations",
    description: "Lists when anomaly detectors, budgets, quotas and tagging policies fired, newest first, with the limit in force and the observed value, optionally for one detector and since a date. Use list_anomalies to get each detector's name and type.",
    inputs: &[&ORGANIZATION, &CONSTRAINT, &SINCE, &HITS_LIMIT],
    endpoint: Endpoint::Inferred {
        route: "GET /restapi/v2/organizations/{organization_id}/organization_limit_hits",
        alternative: UNAVAILABLE,
        subject: Subject::Organization,
    },
    narrow: "Set since, constraint_id or a lower limit.",
    suggestions: &[
        ("start_date", "since"),
        ("anomaly_id", "constraint_id"),
        ("id", "constraint_id"),
    ],
    run: Run::Single(list_anomaly_hits),
};

fn list_anomaly_hits(a: &mut Reader) -> Option<Plan> {
    let org = ORGANIZATION.read(a);
    let constraint = CONSTRAINT.read(a);
    let since = SINCE.read(a);
    let limit = usize::try_from(HITS_LIMIT.read(a)).unwrap_or(usize::MAX);
    let request = ApiRequest::get(format!(
        "/restapi/v2/organizations/{}/organization_limit_hits",
        org?
    ))
    .opt_param("constraint_id", constraint);
    Some(Plan::new(request).shape(move |mut body| {
        let Some(hits) = body
            .get_mut("organization_limit_hits")
            .and_then(Value::as_array_mut)
        else {
            return Output::new(body);
        };
        let created = |h: &Value| h.get("created_at").and_then(Value::as_f64).unwrap_or(0.0);
        let total = hits.len();
        if let Some(since) = since {
            let from = since.start_unix() as f64;
            hits.retain(|h| created(h) >= from);
        }
        hits.sort_by(|x, y| created(y).total_cmp(&created(x)));
        hits.truncate(limit);
        let shown = hits.len();
        let out = Output::new(body);
        if shown < total {
            let since = since.map(|d| format!(" since {d}")).unwrap_or_default();
            out.note(format!("Showing {shown} of {total} violations{since}."))
        } else {
            out
        }
    }))
}
