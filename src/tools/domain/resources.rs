//! Data sources and resources: the connected cloud accounts and what runs in them.

use serde::Deserialize;
use serde_json::Value;

use crate::api::ApiRequest;
use crate::tools::core::{Endpoint, Plan, Run, Subject, Tool};
use crate::tools::input::field::{FIELD_PATH, RESOURCE_ID};
use crate::tools::input::vocab::{
    self, CLOUD_TYPE, END_DATE, ORGANIZATION, RESOURCE_FILTERS, START_DATE,
};
use crate::tools::input::{Bool, Choice, Id, Input, Int, Names, Or, Reader, Required};
use crate::tools::peek::{self, Count};
use crate::tools::result::Output;

const CLOUD: Input<Choice> = Input::optional("type", CLOUD_TYPE, "");
const SOURCE_DETAILS: Input<Bool, Or<bool>> = Input::optional(
    "details",
    Bool,
    "Include cost, forecast, last month's cost and resource count.",
)
.or(true);

pub const LIST_DATA_SOURCES: Tool = Tool {
    name: "list_data_sources",
    title: "List data sources (cloud accounts)",
    description: "Lists the connected cloud accounts and other data sources (AWS, Azure, Google Cloud, Kubernetes, Alibaba, Nebius, Databricks…) with this and last month's cost, forecast, resource count and import health (last import, last error). For \"which accounts do we have?\" or \"is our billing data up to date?\". Amounts in the organization's currency; times in Unix seconds.",
    inputs: &[&ORGANIZATION, &CLOUD, &SOURCE_DETAILS],
    endpoint: Endpoint::Inferred {
        route: "GET /restapi/v2/organizations/{organization_id}/cloud_accounts",
        alternative: "Data source names and providers are also available from get_dimension_lookups.",
        subject: Subject::Organization,
    },
    narrow: "Set type, or details to false.",
    suggestions: &[("cloud_type", "type"), ("provider", "type")],
    run: Run::Single(list_data_sources),
};

fn list_data_sources(a: &mut Reader) -> Option<Plan> {
    let org = ORGANIZATION.read(a);
    let kind = CLOUD.read(a);
    let details = SOURCE_DETAILS.read(a);
    let request = ApiRequest::get(format!("/restapi/v2/organizations/{}/cloud_accounts", org?))
        .param("details", details.to_string())
        .opt_param("type", kind);
    Some(Plan::new(request).shape(|mut body| {
        if let Some(accounts) = body.get_mut("cloud_accounts").and_then(Value::as_array_mut) {
            for account in accounts.iter_mut().filter_map(Value::as_object_mut) {
                account.shift_remove("config");
            }
        }
        Output::new(body)
    }))
}

const LIMIT: Input<Int, Or<i64>> = Input::optional("limit", Int::new(1, 500), "").or(50);
/// The resource fields to return.
const FIELDS: Input<Names> = Input::optional(
    "fields",
    Names::new(50, FIELD_PATH),
    "Fields to return, dotted paths allowed (owner.name); default: the main ones.",
);
const ALL_FIELDS: Input<Bool, Or<bool>> =
    Input::optional("all_fields", Bool, "All fields (large); not with fields.").or(false);
const DEFAULT_FIELDS: &[&str] = &[
    "id",
    "cloud_resource_id",
    "resource_name",
    "resource_type",
    "service_name",
    "region",
    "cloud_account_id",
    "cloud_account_name",
    "pool.name",
    "owner.name",
    "cost",
    "total_cost",
    "saving",
    "active",
    "tags",
];

pub const LIST_RESOURCES: Tool = Tool {
    name: "list_resources",
    title: "List resources by cost",
    description: "Lists cloud resources with their cost in a date range, most expensive first, with owner, pool, data source, region, service, tags, lifetime cost and saving. For \"our most expensive resources\", or an id for get_resource. Amounts in the organization's currency.",
    inputs: &[
        &ORGANIZATION,
        &START_DATE,
        &END_DATE,
        &LIMIT,
        &RESOURCE_FILTERS,
        &FIELDS,
        &ALL_FIELDS,
    ],
    endpoint: Endpoint::Inferred {
        route: "GET /restapi/v2/organizations/{organization_id}/clean_expenses",
        alternative: "Use get_expenses grouped by resource_id instead.",
        subject: Subject::Organization,
    },
    narrow: "Lower limit, shorten the date range, add filters or ask for fewer fields.",
    suggestions: vocab::RESOURCE_FILTER_SUGGESTIONS,
    run: Run::Single(list_resources),
};

fn list_resources(a: &mut Reader) -> Option<Plan> {
    let org = ORGANIZATION.read(a);
    let range = vocab::date_range(a);
    let limit = LIMIT.read(a);
    let filters = vocab::resource_filters(a);
    let fields = FIELDS.read(a);
    let all_fields = ALL_FIELDS.read(a);
    if all_fields && fields.is_some() {
        a.problem(
            "all_fields",
            "cannot be true together with fields; give one",
            None,
        );
        return None;
    }
    let (start, end) = range?;
    let mut request = ApiRequest::get(format!("/restapi/v2/organizations/{}/clean_expenses", org?))
        .param("start_date", start.start_unix().to_string())
        .param("end_date", end.end_unix().to_string())
        .param("limit", limit.to_string());
    request.query.extend(filters);
    if !all_fields {
        let fields: Vec<String> =
            fields.unwrap_or_else(|| DEFAULT_FIELDS.iter().map(|f| f.to_string()).collect());
        request = request.params("field", fields);
    }
    Some(Plan::new(request).notes(|json| {
        #[derive(Deserialize)]
        struct Page {
            clean_expenses: Option<Count>,
            total_count: Option<u64>,
            total_cost: Option<Value>,
        }
        let Some(page) = peek::fields::<Page>(json) else {
            return Vec::new();
        };
        match (page.clean_expenses, page.total_count) {
            (Some(Count(n)), Some(total)) if total > n as u64 => {
                let cost = page.total_cost.map(|c| c.to_string()).unwrap_or_else(|| "unknown".into());
                vec![format!(
                    "Showing the {n} most expensive of {total} resources (total cost {cost}); raise limit or add filters."
                )]
            }
            _ => Vec::new(),
        }
    }))
}

const RESOURCE: Input<Id, Required> = Input::required(
    "resource_id",
    RESOURCE_ID,
    "DigiUsher resource id (the id of a list_resources item), not the cloud provider's id.",
);
const DETAILS: Input<Bool, Or<bool>> = Input::optional(
    "details",
    Bool,
    "Include cost, forecast, names, policies and constraints.",
)
.or(true);

pub const GET_RESOURCE: Tool = Tool {
    name: "get_resource",
    title: "Resource details",
    description: "Shows all DigiUsher knows about one resource: cloud id, type, region, data source, pool and owner names, tags, first and last seen, this month's cost and forecast, lifetime cost, active recommendations, constraints and policies. resource_id is the UUID from list_resources, not the cloud's instance id or ARN.",
    inputs: &[&RESOURCE, &DETAILS],
    endpoint: Endpoint::Inferred {
        route: "GET /restapi/v2/cloud_resources/{resource_id}",
        alternative: "Use get_expenses filtered by resource_id, and list_recommendations.",
        subject: Subject::Resource,
    },
    narrow: "Set details to false.",
    suggestions: &[
        ("id", "resource_id"),
        (
            "cloud_resource_id",
            "resource_id (the DigiUsher id; list_resources with cloud_resource_id_like finds it)",
        ),
    ],
    run: Run::Single(get_resource),
};

fn get_resource(a: &mut Reader) -> Option<Plan> {
    let id = RESOURCE.read(a);
    let details = DETAILS.read(a);
    Some(Plan::new(
        ApiRequest::get(format!("/restapi/v2/cloud_resources/{}", id?))
            .param("details", details.to_string()),
    ))
}
