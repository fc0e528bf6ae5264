//! Cost allocation and unit economics: what each pool is charged, and the cost per
//! unit of a business metric.

use serde_json::{Map, Value, json};

use crate::api::ApiRequest;
use crate::time::Date;
use crate::tools::core::{Endpoint, Plan, Run, Subject, Tool};
use crate::tools::input::field::{NAME, NSM_DIMENSION, POOL_ID};
use crate::tools::input::vocab::ORGANIZATION;
use crate::tools::input::{
    Bool, Choice, Day, Id, Input, List, Object, Or, Reader, Required, Text, Texts,
};
use crate::tools::result::Output;

const VIEWS: Choice = Choice(&["showback", "chargeback"]);
const NSM_KEY_ID: Id = Id::new("get one from list_nsm_keys");

const MONTH: Input<Day, Required> = Input::required(
    "month",
    Day,
    "Any day of the month, YYYY-MM-DD, e.g. 2025-05-01.",
);
const AGGREGATE: Input<Bool, Or<bool>> = Input::optional(
    "aggregate_flows",
    Bool,
    "Sum flows over services and days (service_name and date become null).",
)
.or(false);

pub const GET_CHARGEBACK_FOR_MONTH: Tool = Tool {
    name: "get_chargeback_for_month",
    title: "Chargeback for one month",
    description: "Returns one month's cost allocation (chargeback): run metadata and status, whether final, the stages (data source to rule, rule to pool, pool to pool), the cost flows and each pool's snapshot. Uses a completed stored run when there is one, else computes the month (is_final false). aggregate_flows sums flows over services and days, e.g. for a Sankey chart.",
    inputs: &[&ORGANIZATION, &MONTH, &AGGREGATE],
    endpoint: Endpoint::Confirmed {
        subject: Subject::Organization,
    },
    narrow: "Set aggregate_flows to true.",
    suggestions: &[("date", "month"), ("start_date", "month")],
    run: Run::Single(get_chargeback_for_month),
};

fn get_chargeback_for_month(a: &mut Reader) -> Option<Plan> {
    let org = ORGANIZATION.read(a);
    let month = MONTH.read(a);
    let aggregate = AGGREGATE.read(a);
    let request = ApiRequest::get(format!(
        "/api/v3/organizations/{}/cost-allocation/month",
        org?
    ))
    .param("month", month?.to_string());
    // Sent only when true, as the reference server does.
    let request = if aggregate {
        request.param("aggregate_flows", "true")
    } else {
        request
    };
    Some(Plan::new(request))
}

const MONTH_START: Input<Day, Required> =
    Input::required("start_date", Day, "First day of a month.");
const MONTH_END: Input<Day, Required> = Input::required("end_date", Day, "Last day of a month.");

/// `start_date` on a first and `end_date` on a last day of a month, in order.
fn month_range(a: &mut Reader) -> Option<(Date, Date)> {
    let start = MONTH_START.read(a);
    let end = MONTH_END.read(a);
    let (start, end) = (start?, end?);
    let mut ok = true;
    if !start.is_first_of_month() {
        a.problem(
            "start_date",
            "must be the first day of a month, e.g. 2025-03-01",
            Some(&json!(start.to_string())),
        );
        ok = false;
    }
    if !end.is_last_of_month() {
        a.problem(
            "end_date",
            format!(
                "must be the last day of a month, e.g. {}",
                end.end_of_month()
            ),
            Some(&json!(end.to_string())),
        );
        ok = false;
    }
    if end < start {
        a.problem(
            "end_date",
            format!("must not be before start_date ({start})"),
            Some(&json!(end.to_string())),
        );
        ok = false;
    }
    ok.then_some((start, end))
}

const NSM_FILTER_DIMENSION: Input<Text, Required> = Input::required("dimension", NSM_DIMENSION, "");
/// The values of one North Star Metric dimension to keep.
const NSM_VALUES: Input<Texts, Required> = Input::required("values", Texts::new(100, NAME), "");

/// Dimension filters of a North Star Metric.
const NSM_FILTERS: Input<List<Object<Value>>> = Input::optional(
    "filters",
    List::of(
        Object {
            inputs: &[&NSM_FILTER_DIMENSION, &NSM_VALUES],
            suggestions: &[("name", "dimension"), ("value", "values")],
            read: |r| {
                let dimension = NSM_FILTER_DIMENSION.read(r);
                let values = NSM_VALUES.read(r);
                Some(json!({"dimension": dimension?, "values": values?}))
            },
        },
        20,
    ),
    "Keep only these values of the metric's dimensions, e.g. [{\"dimension\":\"environment\",\"values\":[\"prod\"]}]; this shrinks the denominator: cost_per_unit rises, pool costs stay.",
);

const SUMMARY_VIEW: Input<Choice, Required> = Input::required(
    "view",
    VIEWS,
    "showback: initial allocation; chargeback: after cross-pool reallocation.",
);
const GRANULARITY: Input<Choice> = Input::optional("granularity", Choice(&["day", "month"]), "");
const SERVICES: Input<Bool, Or<bool>> = Input::optional(
    "include_service_breakdown",
    Bool,
    "Break each pool's cost down by service.",
)
.or(false);
const ONE_POOL: Input<Id> =
    Input::optional("pool_id", POOL_ID, "Only this pool (id from list_pools).");
const INCOMPLETE: Input<Bool, Or<bool>> = Input::optional(
    "include_incomplete",
    Bool,
    "Compute months without a completed run provisionally.",
)
.or(false);
const SUMMARY_NSM_KEY: Input<Id> = Input::optional(
    "nsm_key_id",
    NSM_KEY_ID,
    "North Star Metric key (from list_nsm_keys); turns on unit economics.",
);
const SUMMARY_GROUP_BY: Input<Text> = Input::optional(
    "group_by",
    NSM_DIMENSION,
    "An allowed dimension of the NSM key, e.g. team_id; needs nsm_key_id.",
);

pub const GET_COST_ALLOCATION_SUMMARY: Tool = Tool {
    name: "get_cost_allocation_summary",
    title: "Showback or chargeback summary",
    description: "Summarizes allocated cost per pool over whole months, as showback or chargeback, monthly or daily, optionally per service and with unit economics for a North Star Metric (nsm_key_id from list_nsm_keys; group_by and filters need it). Uses completed allocation runs only, unless include_incomplete computes recent months provisionally (is_final false, slower).",
    inputs: &[
        &ORGANIZATION,
        &MONTH_START,
        &MONTH_END,
        &SUMMARY_VIEW,
        &GRANULARITY,
        &SERVICES,
        &ONE_POOL,
        &INCOMPLETE,
        &SUMMARY_NSM_KEY,
        &SUMMARY_GROUP_BY,
        &NSM_FILTERS,
    ],
    endpoint: Endpoint::Confirmed {
        subject: Subject::Organization,
    },
    narrow: "Use fewer months, granularity month, or leave include_service_breakdown false.",
    suggestions: &[("month", "start_date"), ("nsm_key", "nsm_key_id")],
    run: Run::Single(get_cost_allocation_summary),
};

fn get_cost_allocation_summary(a: &mut Reader) -> Option<Plan> {
    let org = ORGANIZATION.read(a);
    let range = month_range(a);
    let view = SUMMARY_VIEW.read(a);
    let granularity = GRANULARITY.read(a);
    let services = SERVICES.read(a);
    let pool_id = ONE_POOL.read(a);
    let incomplete = INCOMPLETE.read(a);
    let nsm_given = SUMMARY_NSM_KEY.given(a);
    let nsm_key_id = SUMMARY_NSM_KEY.read(a);
    let group_by = SUMMARY_GROUP_BY.read(a);
    let filters = NSM_FILTERS.read(a);
    if !nsm_given {
        if group_by.is_some() {
            a.problem("group_by", "needs nsm_key_id (unit economics)", None);
        }
        if filters.is_some() {
            a.problem("filters", "needs nsm_key_id (unit economics)", None);
        }
    }
    let (start, end) = range?;
    let mut body = Map::new();
    body.insert("start_date".into(), json!(start.to_string()));
    body.insert("end_date".into(), json!(end.to_string()));
    body.insert("view".into(), json!(view?));
    if let Some(g) = granularity {
        body.insert("granularity".into(), json!(g));
    }
    body.insert("include_service_breakdown".into(), json!(services));
    if let Some(p) = pool_id {
        body.insert("pool_id".into(), json!(p));
    }
    body.insert("include_incomplete".into(), json!(incomplete));
    if let Some(n) = nsm_key_id {
        body.insert("nsm_key_id".into(), json!(n));
    }
    if let Some(g) = group_by {
        body.insert("group_by".into(), json!(g));
    }
    if let Some(f) = filters {
        body.insert("filters".into(), json!(f));
    }
    let request = ApiRequest::post(
        format!("/api/v3/organizations/{}/cost-allocation/summary", org?),
        Value::Object(body),
    );
    Some(Plan::new(request).shape(|body| {
        let mut notes = Vec::new();
        if has_provisional(&body, 0) {
            notes.push("Some figures are provisional (is_final false) and may change.".to_string());
        }
        let left_out: Vec<String> = body
            .get("incomplete_periods")
            .and_then(Value::as_array)
            .map(|ps| {
                ps.iter()
                    .map(|p| match p {
                        Value::String(s) => s.clone(),
                        other => other
                            .get("period")
                            .and_then(Value::as_str)
                            .map_or_else(|| other.to_string(), str::to_string),
                    })
                    .collect()
            })
            .unwrap_or_default();
        if !left_out.is_empty() {
            notes.push(format!(
                "These periods were left out because their allocation runs are not complete: {}. Call again with include_incomplete=true to compute them provisionally.",
                left_out.join(", ")
            ));
        }
        Output { notes, ..Output::new(body) }
    }))
}

/// Whether any object says `is_final: false`.
fn has_provisional(v: &Value, depth: usize) -> bool {
    if depth > 32 {
        return false;
    }
    match v {
        Value::Object(m) => {
            m.get("is_final") == Some(&Value::Bool(false))
                || m.values().any(|c| has_provisional(c, depth + 1))
        }
        Value::Array(items) => items.iter().any(|c| has_provisional(c, depth + 1)),
        _ => false,
    }
}

const NSM_KEY: Input<Id, Required> = Input::required(
    "nsm_key_id",
    NSM_KEY_ID,
    "North Star Metric key, from list_nsm_keys.",
);
const VIEW: Input<Choice, Or<&str>> = Input::optional(
    "view",
    VIEWS,
    "showback: initial allocation; chargeback: with cross-pool reallocation.",
)
.or("showback");
const METRIC_POOL: Input<Id> = Input::optional(
    "pool_id",
    POOL_ID,
    "From list_pools; advised when the metric belongs to one pool.",
);
const GROUP_BY: Input<Text> = Input::optional(
    "group_by",
    NSM_DIMENSION,
    "One of the NSM key's allowed_dimensions, e.g. team_id.",
);

pub const GET_UNIT_ECONOMICS_FOR_COST_POOLS: Tool = Tool {
    name: "get_unit_economics_for_cost_pools",
    title: "Unit economics for cost pools",
    description: "Computes cost per unit of business value (a pool's cost divided by a North Star Metric such as API requests or active users) for whole months, as showback or chargeback, optionally by one of the metric's allowed dimensions. Get nsm_key_id and the allowed group_by dimensions from list_nsm_keys first.",
    inputs: &[
        &ORGANIZATION,
        &MONTH_START,
        &MONTH_END,
        &NSM_KEY,
        &VIEW,
        &METRIC_POOL,
        &GROUP_BY,
        &NSM_FILTERS,
    ],
    endpoint: Endpoint::Confirmed {
        subject: Subject::Organization,
    },
    narrow: "Use fewer months or set pool_id.",
    suggestions: &[("nsm_key", "nsm_key_id"), ("month", "start_date")],
    run: Run::Single(get_unit_economics),
};

fn get_unit_economics(a: &mut Reader) -> Option<Plan> {
    let org = ORGANIZATION.read(a);
    let range = month_range(a);
    let nsm_key_id = NSM_KEY.read(a);
    let view = VIEW.read(a);
    let pool_id = METRIC_POOL.read(a);
    let group_by = GROUP_BY.read(a);
    let filters = NSM_FILTERS.read(a);
    let (start, end) = range?;
    let mut body = Map::new();
    body.insert("start_date".into(), json!(start.to_string()));
    body.insert("end_date".into(), json!(end.to_string()));
    body.insert("nsm_key_id".into(), json!(nsm_key_id?));
    body.insert("view".into(), json!(view));
    if let Some(p) = pool_id {
        body.insert("pool_id".into(), json!(p));
    }
    if let Some(g) = group_by {
        body.insert("group_by".into(), json!(g));
    }
    if let Some(f) = filters {
        body.insert("filters".into(), json!(f));
    }
    Some(Plan::new(ApiRequest::post(
        format!("/api/v3/organizations/{}/kpis/unit-economics", org?),
        Value::Object(body),
    )))
}
