//! Expenses and the dimensions to group and filter them by.

use serde_json::{Map, Value, json};

use crate::api::ApiRequest;
use crate::time::Date;
use crate::tools::core::{Endpoint, Plan, Run, Subject, Tool};
use crate::tools::input::field::{DIMENSION_TYPE, SEARCH, TAG_KEY, TAG_TYPE, Unlisted};
use crate::tools::input::vocab::{
    self, CURRENCY, DIMENSION, END_DATE, EXPENSE_QUERY, FILTERS, GRANULARITY, GROUP_BY, METRICS,
    ORDER_BY, ORGANIZATION, RESOURCE_FILTERS, ROW_LIMIT, START_DATE,
};
use crate::tools::input::{Bool, Brief, Choice, Input, Int, Object, Or, Reader, Required, Text};
use crate::tools::peek;
use crate::tools::result::Output;

pub const GET_EXPENSES: Tool = Tool {
    name: "get_expenses",
    title: "Query expenses",
    description: "Returns cloud cost for a date range by day, week, month, year or in total, grouped by up to three dimensions or tags, with FOCUS metrics. Filter values must match exactly: take them from get_dimension_values or discover_expense_filters. For data source and pool names, use query_expenses_with_discovery.",
    inputs: &[&EXPENSE_QUERY],
    endpoint: Endpoint::Confirmed {
        subject: Subject::Organization,
    },
    narrow: "Use a coarser granularity, a shorter date range, fewer group_by items, more filters or a lower limit.",
    suggestions: &[
        ("filter", "filters"),
        ("group", "group_by"),
        ("from", "start_date"),
        ("to", "end_date"),
    ],
    run: Run::Single(get_expenses),
};

/// The inputs shared by get_expenses and query_expenses_with_discovery.
#[derive(Debug, Clone)]
pub struct ExpenseQuery {
    pub organization_id: String,
    pub start: Date,
    pub end: Date,
    pub currency: Option<&'static str>,
    pub granularity: Option<&'static str>,
    pub group_by: Option<Vec<Value>>,
    pub filters: Map<String, Value>,
    pub metrics: Option<Vec<&'static str>>,
    pub order_by: Option<Vec<Value>>,
    pub limit: Option<i64>,
}

impl ExpenseQuery {
    /// Read every expense-query input; `filters` is read by the caller's rules.
    pub fn read(a: &mut Reader) -> Option<ExpenseQuery> {
        let organization_id = ORGANIZATION.read(a);
        let range = vocab::date_range(a);
        let currency = CURRENCY.read(a);
        let granularity = GRANULARITY.read(a);
        let group_by = GROUP_BY.read(a);
        let filters = FILTERS.read(a).unwrap_or_default();
        let metrics = METRICS.read(a);
        let order_by = ORDER_BY.read(a);
        let limit = ROW_LIMIT.read(a);
        let (start, end) = range?;
        Some(ExpenseQuery {
            organization_id: organization_id?,
            start,
            end,
            currency,
            granularity,
            group_by,
            filters,
            metrics,
            order_by,
            limit,
        })
    }

    /// `POST …/expenses` with every input but the organization, defaults applied.
    pub fn request(&self) -> ApiRequest {
        let mut body = Map::new();
        body.insert("start_date".into(), json!(self.start.to_string()));
        body.insert("end_date".into(), json!(self.end.to_string()));
        if let Some(c) = self.currency {
            body.insert("currency".into(), json!(c));
        }
        if let Some(g) = self.granularity {
            body.insert("granularity".into(), json!(g));
        }
        if let Some(g) = &self.group_by {
            body.insert("group_by".into(), json!(g));
        }
        if !self.filters.is_empty() {
            body.insert("filters".into(), Value::Object(self.filters.clone()));
        }
        body.insert(
            "metrics".into(),
            self.metrics
                .as_ref()
                .map_or_else(vocab::default_metrics, |m| json!(m)),
        );
        body.insert(
            "order_by".into(),
            self.order_by
                .as_ref()
                .map_or_else(vocab::default_order_by, |o| json!(o)),
        );
        if let Some(l) = self.limit {
            body.insert("limit".into(), json!(l));
        }
        ApiRequest::post(
            format!("/api/v3/organizations/{}/expenses", self.organization_id),
            Value::Object(body),
        )
    }
}

fn get_expenses(a: &mut Reader) -> Option<Plan> {
    let query = ExpenseQuery::read(a)?;
    Some(Plan::new(query.request()).notes(|json| {
        if peek::has_key(json, &["data_source_id", "pool_id"]) {
            vec!["Rows contain data_source_id / pool_id. For names, call get_dimension_lookups or use query_expenses_with_discovery.".into()]
        } else {
            Vec::new()
        }
    }))
}

// ---- get_dimension_values ----------------------------------------------------

pub const GET_DIMENSION_VALUES: Tool = Tool {
    name: "get_dimension_values",
    title: "List valid values of a dimension or tag",
    description: "Lists the values that occur in the organization's cost data for one standard dimension (service_name, region_id, provider, data_source_id…) or for tags (the keys, or one key's values), optionally narrowed by a partial-match search. Use it before filtering get_expenses, as filter values must match exactly; for tags, list keys first.",
    inputs: &[
        &ORGANIZATION,
        &DIMENSION_INPUT,
        &SEARCH_INPUT,
        &VALUES_LIMIT,
    ],
    endpoint: Endpoint::Confirmed {
        subject: Subject::Organization,
    },
    narrow: "Add a search string or lower limit.",
    suggestions: &[
        ("dimension_type", "dimension.dimension_type"),
        ("name", "dimension.name"),
        ("query", "search"),
    ],
    run: Run::Single(get_dimension_values),
};

const DIMENSION_KIND: Input<Choice, Required> =
    Input::required("dimension_type", DIMENSION_TYPE, "");
const DIMENSION_NAME: Input<Unlisted> = Input::optional(
    "name",
    Unlisted(DIMENSION),
    "For standard: a get_expenses group_by dimension.",
);
const TAG_KIND: Input<Choice> = Input::optional("tag_type", TAG_TYPE, "");
const TAG: Input<Text> = Input::optional("key", TAG_KEY, "For tag_type values.");

/// The `dimension` object in its three forms.
const DIMENSION_INPUT: Input<Object<Value>, Required> = Input::required(
    "dimension",
    Object {
        inputs: &[&DIMENSION_KIND, &DIMENSION_NAME, &TAG_KIND, &TAG],
        suggestions: &[],
        read: read_dimension,
    },
    "{\"dimension_type\":\"standard\",\"name\":\"service_name\"},{\"dimension_type\":\"tag\",\"tag_type\":\"keys\"} for tag keys, or {\"dimension_type\":\"tag\",\"tag_type\":\"values\",\"key\":\"Environment\"} for one tag's values.",
);
const SEARCH_INPUT: Input<Text> =
    Input::optional("search", SEARCH, "Partial match, e.g. us-, prod, EC2.");
const VALUES_LIMIT: Input<Int, Or<i64>> =
    Input::optional("limit", Int::new(1, 1_000_000), "").or(100);

fn read_dimension(r: &mut Reader) -> Option<Value> {
    match DIMENSION_KIND.read(r) {
        Some("standard") => {
            let name = DIMENSION_NAME.read_needed(r);
            Some(json!({"dimension_type": "standard", "name": name?}))
        }
        Some(_) => {
            let tag_type = TAG_KIND.read_needed(r);
            let key_given = TAG.given(r);
            let key = TAG.read(r);
            match tag_type? {
                "values" if !key_given => {
                    r.problem(
                        TAG.name,
                        "is required when tag_type is values (e.g. Environment, Owner, Application, CostCenter)",
                        None,
                    );
                    None
                }
                "values" => {
                    Some(json!({"dimension_type": "tag", "tag_type": "values", "key": key?}))
                }
                _ if key_given => {
                    r.problem(TAG.name, "must be omitted when tag_type is keys", None);
                    None
                }
                _ => Some(json!({"dimension_type": "tag", "tag_type": "keys"})),
            }
        }
        None => {
            r.skip(DIMENSION_NAME.name);
            r.skip(TAG_KIND.name);
            r.skip(TAG.name);
            None
        }
    }
}

/// Body of `POST …/expenses/dimensions/query`.
pub fn dimension_query(
    org: &str,
    dimension: Value,
    search: Option<&str>,
    limit: i64,
) -> ApiRequest {
    let mut body = Map::new();
    body.insert("dimension".into(), dimension);
    if let Some(s) = search {
        body.insert("search".into(), json!(s));
    }
    body.insert("limit".into(), json!(limit));
    ApiRequest::post(
        format!("/api/v3/organizations/{org}/expenses/dimensions/query"),
        Value::Object(body),
    )
}

fn get_dimension_values(a: &mut Reader) -> Option<Plan> {
    let org = ORGANIZATION.read(a);
    let dimension = DIMENSION_INPUT.read(a);
    let search = SEARCH_INPUT.read(a);
    let limit = VALUES_LIMIT.read(a);
    Some(Plan::new(dimension_query(
        &org?,
        dimension?,
        search.as_deref(),
        limit,
    )))
}

// ---- get_dimension_lookups ---------------------------------------------------

const POOLS: Input<Bool, Or<bool>> = Input::optional("include_pools", Bool, "").or(true);
const DATA_SOURCES: Input<Bool, Or<bool>> =
    Input::optional("include_data_sources", Bool, "").or(true);

pub const GET_DIMENSION_LOOKUPS: Tool = Tool {
    name: "get_dimension_lookups",
    title: "Names for data source and pool ids",
    description: "Returns tables mapping each data_source_id to its name and provider and each pool_id to its name, to show expense results with names instead of UUIDs. Not needed after query_expenses_with_discovery, which writes names into its rows.",
    inputs: &[&ORGANIZATION, &POOLS, &DATA_SOURCES],
    endpoint: Endpoint::Confirmed {
        subject: Subject::Organization,
    },
    narrow: "Ask for one table at a time (include_pools or include_data_sources false).",
    suggestions: &[],
    run: Run::Single(get_dimension_lookups),
};

/// `GET …/expenses/dimensions/lookups` with both flags sent.
pub fn lookups_request(org: &str, pools: bool, data_sources: bool) -> ApiRequest {
    ApiRequest::get(format!(
        "/api/v3/organizations/{org}/expenses/dimensions/lookups"
    ))
    .param("include_pools", pools.to_string())
    .param("include_data_sources", data_sources.to_string())
}

fn get_dimension_lookups(a: &mut Reader) -> Option<Plan> {
    let org = ORGANIZATION.read(a);
    let pools = POOLS.read(a);
    let data_sources = DATA_SOURCES.read(a);
    if !pools && !data_sources {
        a.problem(
            DATA_SOURCES.name,
            "at least one of include_pools and include_data_sources must be true",
            Some(&Value::Bool(false)),
        );
        return None;
    }
    Some(Plan::new(lookups_request(&org?, pools, data_sources)))
}

// ---- get_expenses_breakdown --------------------------------------------------

const BREAKDOWN_BY: Input<Choice, Or<&str>> = Input::optional(
    "breakdown_by",
    Choice(&[
        "employee_id",
        "pool_id",
        "cloud_account_id",
        "service_name",
        "region",
        "resource_type",
        "k8s_node",
        "k8s_namespace",
        "k8s_service",
    ]),
    "",
)
.or("service_name");
const DAILY: Input<Bool, Or<bool>> = Input::optional(
    "include_daily",
    Bool,
    "Keep the day-by-day breakdown map (large).",
)
.or(false);

pub const GET_EXPENSES_BREAKDOWN: Tool = Tool {
    name: "get_expenses_breakdown",
    title: "Cost breakdown with previous period",
    description: "Returns cost for up to 365 days split by one dimension (service, pool, owner, data source, region, resource type, Kubernetes node, namespace or service), each value's total next to its total in the previous period of equal length: \"what changed, and where\". Filters as in list_resources. Amounts in the organization's currency; may differ slightly from get_expenses (FOCUS columns).",
    inputs: &[
        &ORGANIZATION,
        &START_DATE,
        &END_DATE,
        &BREAKDOWN_BY,
        // The filter set is described in list_resources, which is always listed too.
        &Brief {
            of: &RESOURCE_FILTERS,
            description: "",
        },
        &DAILY,
    ],
    endpoint: Endpoint::Inferred {
        route: "GET /restapi/v2/organizations/{organization_id}/breakdown_expenses",
        alternative: "Use get_expenses with granularity and group_by instead.",
        subject: Subject::Organization,
    },
    narrow: "Shorten the date range, add filters, or leave include_daily false.",
    suggestions: vocab::RESOURCE_FILTER_SUGGESTIONS,
    run: Run::Single(get_expenses_breakdown),
};

fn get_expenses_breakdown(a: &mut Reader) -> Option<Plan> {
    let org = ORGANIZATION.read(a);
    let range = vocab::date_range(a);
    let breakdown_by = BREAKDOWN_BY.read(a);
    let filters = vocab::resource_filters(a);
    let include_daily = DAILY.read(a);
    let (start, end) = range?;
    if end.days_since_epoch() - start.days_since_epoch() + 1 > 365 {
        a.problem(
            END_DATE.name,
            format!("must be at most 365 days after start_date ({start}), both ends included"),
            Some(&Value::String(end.to_string())),
        );
        return None;
    }
    let mut request = ApiRequest::get(format!(
        "/restapi/v2/organizations/{}/breakdown_expenses",
        org?
    ))
    .param("start_date", start.start_unix().to_string())
    .param("end_date", end.end_unix().to_string())
    .param("breakdown_by", breakdown_by);
    request.query.extend(filters);
    Some(Plan::new(request).shape(move |mut body| {
        if include_daily {
            return Output::new(body);
        }
        let removed = body
            .as_object_mut()
            .and_then(|m| m.shift_remove("breakdown"))
            .is_some();
        let out = Output::new(body);
        if removed {
            out.note("Daily figures omitted; call again with include_daily=true to get them.")
        } else {
            out
        }
    }))
}
