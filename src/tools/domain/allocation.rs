//! Cost allocation and unit economics: what each pool is charged, and the cost per
//! unit of a business metric.

use serde_json::{Map, Value, json};

use crate::api::ApiRequest;
use crate::time::Date;
use crate::tools::core::{Endpoint, Plan, Run, Subject, Tool};
use crate::tools::input::args::{self, Reader, boolean, object};
use crate::tools::input::field::{Choice, Id, Many, NAME, NSM_DIMENSION, POOL_ID, Texts};
use crate::tools::input::schema as s;
use crate::tools::input::vocab::{organization_id, organization_id_schema};
use crate::tools::result::Output;

const VIEWS: Choice = Choice(&["showback", "chargeback"]);
const GRANULARITY: Choice = Choice(&["day", "month"]);
/// Dimension filters of a North Star Metric.
const NSM_FILTERS: Many = Many::new(20, false);
const NSM_KEY_ID: Id = Id::new("get one from list_nsm_keys");

pub const GET_CHARGEBACK_FOR_MONTH: Tool = Tool {
    name: "get_chargeback_for_month",
    title: "Chargeback for one month",
    description: "Returns one month's cost allocation (chargeback): run metadata and status, whether final, the stages (data source to rule, rule to pool, pool to pool), the cost flows and each pool's snapshot. Uses a completed stored run when there is one, else computes the month (is_final false). aggregate_flows sums flows over services and days, e.g. for a Sankey chart.",
    input_schema: || {
        s::object(
            vec![
                ("organization_id", organization_id_schema()),
                (
                    "month",
                    s::date("Any day of the month, YYYY-MM-DD, e.g. 2025-05-01."),
                ),
                (
                    "aggregate_flows",
                    s::boolean(
                        "Sum flows over services and days (service_name and date become null).",
                        Some(false),
                    ),
                ),
            ],
            &["organization_id", "month"],
        )
    },
    endpoint: Endpoint::Confirmed {
        subject: Subject::Organization,
    },
    narrow: "Set aggregate_flows to true.",
    suggestions: &[("date", "month"), ("start_date", "month")],
    run: Run::Single(get_chargeback_for_month),
};

fn get_chargeback_for_month(a: &mut Reader) -> Option<Plan> {
    let org = organization_id(a);
    let month = a.required("month", args::date());
    let aggregate = a.optional("aggregate_flows", boolean()).unwrap_or(false);
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

/// `start_date` on a first and `end_date` on a last day of a month, in order.
fn month_range(a: &mut Reader) -> Option<(Date, Date)> {
    let start = a.required("start_date", args::date());
    let end = a.required("end_date", args::date());
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

/// The values of one North Star Metric dimension to keep.
const NSM_VALUES: Texts = Texts::new(100, NAME);

fn nsm_filters() -> impl args::Parse<Vec<Value>> {
    NSM_FILTERS.parse(object(&[("name", "dimension"), ("value", "values")], |r| {
        let dimension = r.required("dimension", NSM_DIMENSION.parse());
        let values = r.required("values", NSM_VALUES.parse());
        Some(json!({"dimension": dimension?, "values": values?}))
    }))
}

fn nsm_filters_schema() -> Value {
    NSM_FILTERS.schema(
        "Keep only these values of the metric's dimensions, e.g. [{\"dimension\":\"environment\",\"values\":[\"prod\"]}]; this shrinks the denominator: cost_per_unit rises, pool costs stay.",
        s::object(
            vec![
                ("dimension", NSM_DIMENSION.schema("")),
                ("values", NSM_VALUES.schema("")),
            ],
            &["dimension", "values"],
        ),
    )
}

fn month_dates_schema() -> Vec<(&'static str, Value)> {
    vec![
        ("start_date", s::date("First day of a month.")),
        ("end_date", s::date("Last day of a month.")),
    ]
}

pub const GET_COST_ALLOCATION_SUMMARY: Tool = Tool {
    name: "get_cost_allocation_summary",
    title: "Showback or chargeback summary",
    description: "Summarizes allocated cost per pool over whole months, as showback or chargeback, monthly or daily, optionally per service and with unit economics for a North Star Metric (nsm_key_id from list_nsm_keys; group_by and filters need it). Uses completed allocation runs only, unless include_incomplete computes recent months provisionally (is_final false, slower).",
    input_schema: || {
        let mut props = vec![("organization_id", organization_id_schema())];
        props.extend(month_dates_schema());
        props.extend([
            (
                "view",
                VIEWS.schema(
                    "showback: initial allocation; chargeback: after cross-pool reallocation.",
                ),
            ),
            ("granularity", GRANULARITY.schema("")),
            (
                "include_service_breakdown",
                s::boolean("Break each pool's cost down by service.", Some(false)),
            ),
            (
                "pool_id",
                POOL_ID.schema("Only this pool (id from list_pools)."),
            ),
            (
                "include_incomplete",
                s::boolean(
                    "Compute months without a completed run provisionally.",
                    Some(false),
                ),
            ),
            (
                "nsm_key_id",
                NSM_KEY_ID
                    .schema("North Star Metric key (from list_nsm_keys); turns on unit economics."),
            ),
            (
                "group_by",
                NSM_DIMENSION
                    .schema("An allowed dimension of the NSM key, e.g. team_id; needs nsm_key_id."),
            ),
            ("filters", nsm_filters_schema()),
        ]);
        s::object(
            props,
            &["organization_id", "start_date", "end_date", "view"],
        )
    },
    endpoint: Endpoint::Confirmed {
        subject: Subject::Organization,
    },
    narrow: "Use fewer months, granularity month, or leave include_service_breakdown false.",
    suggestions: &[("month", "start_date"), ("nsm_key", "nsm_key_id")],
    run: Run::Single(get_cost_allocation_summary),
};

fn get_cost_allocation_summary(a: &mut Reader) -> Option<Plan> {
    let org = organization_id(a);
    let range = month_range(a);
    let view = a.required("view", VIEWS.parse());
    let granularity = a.optional("granularity", GRANULARITY.parse());
    let services = a
        .optional("include_service_breakdown", boolean())
        .unwrap_or(false);
    let pool_id = a.optional("pool_id", POOL_ID.parse());
    let incomplete = a.optional("include_incomplete", boolean()).unwrap_or(false);
    let nsm_given = a.has("nsm_key_id");
    let nsm_key_id = a.optional("nsm_key_id", NSM_KEY_ID.parse());
    let group_by = a.optional("group_by", NSM_DIMENSION.parse());
    let filters = a.optional("filters", nsm_filters());
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

pub const GET_UNIT_ECONOMICS_FOR_COST_POOLS: Tool = Tool {
    name: "get_unit_economics_for_cost_pools",
    title: "Unit economics for cost pools",
    description: "Computes cost per unit of business value (a pool's cost divided by a North Star Metric such as API requests or active users) for whole months, as showback or chargeback, optionally by one of the metric's allowed dimensions. Get nsm_key_id and the allowed group_by dimensions from list_nsm_keys first.",
    input_schema: || {
        let mut props = vec![("organization_id", organization_id_schema())];
        props.extend(month_dates_schema());
        props.extend([
            (
                "nsm_key_id",
                NSM_KEY_ID.schema("North Star Metric key, from list_nsm_keys."),
            ),
            (
                "view",
                s::with_default(
                    VIEWS.schema(
                        "showback: initial allocation; chargeback: with cross-pool reallocation.",
                    ),
                    json!("showback"),
                ),
            ),
            (
                "pool_id",
                POOL_ID.schema("From list_pools; advised when the metric belongs to one pool."),
            ),
            (
                "group_by",
                NSM_DIMENSION.schema("One of the NSM key's allowed_dimensions, e.g. team_id."),
            ),
            ("filters", nsm_filters_schema()),
        ]);
        s::object(
            props,
            &["organization_id", "start_date", "end_date", "nsm_key_id"],
        )
    },
    endpoint: Endpoint::Confirmed {
        subject: Subject::Organization,
    },
    narrow: "Use fewer months or set pool_id.",
    suggestions: &[("nsm_key", "nsm_key_id"), ("month", "start_date")],
    run: Run::Single(get_unit_economics),
};

fn get_unit_economics(a: &mut Reader) -> Option<Plan> {
    let org = organization_id(a);
    let range = month_range(a);
    let nsm_key_id = a.required("nsm_key_id", NSM_KEY_ID.parse());
    let view = a.optional("view", VIEWS.parse()).unwrap_or("showback");
    let pool_id = a.optional("pool_id", POOL_ID.parse());
    let group_by = a.optional("group_by", NSM_DIMENSION.parse());
    let filters = a.optional("filters", nsm_filters());
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
