//! Budgets and pools: where the organization's spend is assigned and limited.

use crate::api::ApiRequest;
use crate::tools::core::{Endpoint, Plan, Run, Subject, Tool};
use crate::tools::input::field::POOL_ID;
use crate::tools::input::vocab::ORGANIZATION;
use crate::tools::input::{Bool, Choice, Id, Input, Or, Reader, Required};

/// Every pool, or the user's own.
const SCOPE: Input<Choice, Or<&str>> = Input::optional(
    "scope",
    Choice(&["all", "mine"]),
    "all: every pool; mine: pools the user manages or owns resources in.",
)
.or("all");

pub const LIST_POOLS: Tool = Tool {
    name: "list_pools",
    title: "List pools (budgets, teams, projects)",
    description: "Lists the organization's pools, the hierarchy of budgets, business units, teams and projects costs are assigned to, with monthly limit, purpose, parent, path, default owner and policies. No spend figures: use get_pool for spend and forecast.",
    inputs: &[&ORGANIZATION, &SCOPE],
    endpoint: Endpoint::Inferred {
        route: "GET /restapi/v2/organizations/{organization_id}/pools",
        alternative: "Pool names are also available from get_dimension_lookups.",
        subject: Subject::Organization,
    },
    narrow: "Use scope mine.",
    suggestions: &[],
    run: Run::Single(list_pools),
};

fn list_pools(a: &mut Reader) -> Option<Plan> {
    let org = ORGANIZATION.read(a);
    let scope = SCOPE.read(a);
    let request = ApiRequest::get(format!("/restapi/v2/organizations/{}/pools", org?));
    // The permission key is always sent: without it plain members get an empty list.
    let request = if scope == "all" {
        request.param("permission", "INFO_ORGANIZATION")
    } else {
        request
            .param("permission", "MANAGE_RESOURCES")
            .param("permission", "MANAGE_OWN_RESOURCES")
    };
    Some(Plan::new(request))
}

const POOL: Input<Id, Required> = Input::required(
    "pool_id",
    POOL_ID,
    "Pool id, from list_pools, or pool_id of list_organizations for the organization's root pool.",
);
const CHILDREN: Input<Bool, Or<bool>> = Input::optional(
    "include_children",
    Bool,
    "Include every sub-pool with its spend and forecast.",
)
.or(true);
const DETAILS: Input<Bool, Or<bool>> = Input::optional(
    "details",
    Bool,
    "Include spend, forecast, savings and policies.",
)
.or(true);

pub const GET_POOL: Tool = Tool {
    name: "get_pool",
    title: "Pool budget status",
    description: "Shows one pool's budget status this calendar month (UTC): limit, spend so far, forecast, limit not given to sub-pools, possible savings, recommendations and policies; by default also every sub-pool (a flat list linked by parent_id) with its spend and forecast. The organization's root pool is pool_id from list_organizations. Amounts in the organization's currency.",
    inputs: &[&POOL, &CHILDREN, &DETAILS],
    endpoint: Endpoint::Inferred {
        route: "GET /restapi/v2/pools/{pool_id}",
        alternative: "Use get_cost_allocation_summary with pool_id for allocated cost.",
        subject: Subject::Pool,
    },
    narrow: "Set include_children to false.",
    suggestions: &[
        ("id", "pool_id"),
        ("children", "include_children"),
        (
            "organization_id",
            "pool_id (the organization's root pool is pool_id from list_organizations)",
        ),
    ],
    run: Run::Single(get_pool),
};

fn get_pool(a: &mut Reader) -> Option<Plan> {
    let pool = POOL.read(a);
    let children = CHILDREN.read(a);
    let details = DETAILS.read(a);
    Some(Plan::new(
        ApiRequest::get(format!("/restapi/v2/pools/{}", pool?))
            .param("details", details.to_string())
            .param("children", children.to_string()),
    ))
}
