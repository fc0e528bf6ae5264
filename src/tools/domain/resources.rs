//! Data sources and resources: the connected cloud accounts and what runs in them.

use serde::Deserialize;
use serde_json::Value;

use crate::api::ApiRequest;
use crate::tools::core::{Endpoint, Plan, Run, Subject, Tool};
use crate::tools::input::args::{Reader, boolean};
use crate::tools::input::field::{FIELD_PATH, Int, Names, RESOURCE_ID};
use crate::tools::input::schema as s;
use crate::tools::input::vocab::{self, organization_id, organization_id_schema};
use crate::tools::peek::{self, Count};
use crate::tools::result::Output;

pub const LIST_DATA_SOURCES: Tool = Tool {
    name: "list_data_sources",
    title: "List data sources (cloud accounts)",
    description: "Lists the connected cloud accounts and other data sources (AWS, Azure, Google Cloud, Kubernetes, Alibaba, Nebius, Databricks…) with this and last month's cost, forecast, resource count and import health (last import, last error). For \"which accounts do we have?\" or \"is our billing data up to date?\". Amounts in the organization's currency; times in Unix seconds.",
    input_schema: || {
        s::object(
            vec![
                ("organization_id", organization_id_schema()),
                ("type", vocab::CLOUD_TYPE.schema("")),
                (
                    "details",
                    s::boolean(
                        "Include cost, forecast, last month's cost and resource count.",
                        Some(true),
                    ),
                ),
            ],
            &["organization_id"],
        )
    },
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
    let org = organization_id(a);
    let kind = a.optional("type", vocab::CLOUD_TYPE.parse());
    let details = a.optional("details", boolean()).unwrap_or(true);
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

const LIMIT: Int = Int::new(1, 500).or(50);
/// The resource fields to return.
const FIELDS: Names = Names::new(50, FIELD_PATH);
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
    input_schema: || {
        let mut props = vec![
            ("organization_id", organization_id_schema()),
            ("start_date", vocab::start_date_schema()),
            ("end_date", vocab::end_date_schema()),
            ("limit", LIMIT.schema("")),
        ];
        props.extend(vocab::resource_filter_schema());
        props.push((
            "fields",
            FIELDS.schema(
                "Fields to return, dotted paths allowed (owner.name); default: the main ones.",
            ),
        ));
        props.push((
            "all_fields",
            s::boolean("All fields (large); not with fields.", Some(false)),
        ));
        s::object(props, &["organization_id", "start_date", "end_date"])
    },
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
    let org = organization_id(a);
    let range = vocab::date_range(a);
    let limit = LIMIT.read(a, "limit").unwrap_or_default();
    let filters = vocab::resource_filters(a);
    let fields = a.optional("fields", FIELDS.parse());
    let all_fields = a.optional("all_fields", boolean()).unwrap_or(false);
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

pub const GET_RESOURCE: Tool = Tool {
    name: "get_resource",
    title: "Resource details",
    description: "Shows all DigiUsher knows about one resource: cloud id, type, region, data source, pool and owner names, tags, first and last seen, this month's cost and forecast, lifetime cost, active recommendations, constraints and policies. resource_id is the UUID from list_resources, not the cloud's instance id or ARN.",
    input_schema: || {
        s::object(
            vec![
                (
                    "resource_id",
                    RESOURCE_ID.schema(
                        "DigiUsher resource id (the id of a list_resources item), not the cloud provider's id.",
                    ),
                ),
                (
                    "details",
                    s::boolean(
                        "Include cost, forecast, names, policies and constraints.",
                        Some(true),
                    ),
                ),
            ],
            &["resource_id"],
        )
    },
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
    let id = a.required("resource_id", RESOURCE_ID.parse());
    let details = a.optional("details", boolean()).unwrap_or(true);
    Some(Plan::new(
        ApiRequest::get(format!("/restapi/v2/cloud_resources/{}", id?))
            .param("details", details.to_string()),
    ))
}
