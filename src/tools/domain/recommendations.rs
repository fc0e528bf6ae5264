//! Recommendations: what to change to save money, and how much.

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::api::ApiRequest;
use crate::tools::core::{Endpoint, Plan, Run, Subject, Tool};
use crate::tools::input::field::{DATA_SOURCE_IDS, MODULE, NAME, TAG_FILTERS};
use crate::tools::input::vocab::{CLOUD_TYPE, ORGANIZATION};
use crate::tools::input::{
    ApiDefault, Choice, Choices, Ids, Input, Int, List, Names, Object, Or, Reader, Texts, put,
};
use crate::tools::peek;

const SCENARIOS: Input<Texts> =
    Input::optional("scenario_id", Texts::new(50, NAME), "From list_scenarios.");
const SCENARIO_TAGS: Input<Choices> = Input::optional(
    "scenario_tags",
    Choices(&[
        "delete",
        "resize",
        "migrate",
        "upgrade",
        "quick_win",
        "requires_planning",
        "orphaned",
        "idle",
        "oversized",
        "outdated",
    ]),
    "",
);
const STATUSES: Input<Choices> = Input::optional(
    "status",
    Choices(&[
        "open",
        "applied",
        "dismissed",
        "snoozed",
        "auto_resolved",
        "stale",
    ]),
    "",
);
const SEVERITIES: Input<Choices> = Input::optional(
    "severity",
    Choices(&["low", "medium", "high", "critical"]),
    "",
);
const DATA_SOURCES: Input<Ids> = Input::optional("data_source_id", DATA_SOURCE_IDS, "");
const ASSIGNEES: Input<Ids> = Input::optional("assignee_id", Ids::new(100, "a user id"), "");
const NAMES: Texts = Texts::new(100, NAME);
const RESOURCE_TYPES: Input<Texts> = Input::optional("resource_type", NAMES, "e.g. EC2, RDS.");
const REGIONS: Input<Texts> = Input::optional("region", NAMES, "e.g. us-east-1.");
const SERVICES: Input<Texts> = Input::optional("service", NAMES, "e.g. AmazonEC2.");
const RESOURCE_TAGS: Input<List<Object<Value>>> = Input::optional("resource_tags", TAG_FILTERS, "");
const OFFSET: Input<Int, Or<i64>> = Input::optional("offset", Int::new(0, 1_000_000_000), "").or(0);
const LIMIT: Input<Int, Or<i64>> = Input::optional("limit", Int::new(1, 500), "").or(50);
/// The API sorts by default as the schema says; the key is sent only when given.
const SORT_BY: Input<Choice, ApiDefault<&str>> = Input::optional(
    "sort_by",
    Choice(&[
        "annual_savings",
        "monthly_savings",
        "severity",
        "created_at",
        "last_seen_at",
        "status",
    ]),
    "",
)
.api_default("annual_savings");
const SORT_DIRECTION: Input<Choice, ApiDefault<&str>> =
    Input::optional("sort_direction", Choice(&["asc", "desc"]), "").api_default("desc");

pub const LIST_RECOMMENDATIONS: Tool = Tool {
    name: "list_recommendations",
    title: "List cost-saving recommendations",
    description: "Lists cost optimization recommendations (idle, oversized, orphaned or outdated resources…) with current and target cost, savings, severity, status and evidence. Open quick wins: status [\"open\"] + scenario_tags [\"quick_win\"]; biggest savings: sort_by \"annual_savings\".",
    inputs: &[
        &ORGANIZATION,
        &SCENARIOS,
        &SCENARIO_TAGS,
        &STATUSES,
        &SEVERITIES,
        &DATA_SOURCES,
        &ASSIGNEES,
        &RESOURCE_TYPES,
        &REGIONS,
        &SERVICES,
        &RESOURCE_TAGS,
        &OFFSET,
        &LIMIT,
        &SORT_BY,
        &SORT_DIRECTION,
    ],
    endpoint: Endpoint::Confirmed {
        subject: Subject::Organization,
    },
    narrow: "Lower limit or add filters (status, severity, scenario_tags).",
    suggestions: &[
        ("scenario_ids", "scenario_id"),
        ("tags", "scenario_tags"),
        ("statuses", "status"),
        ("data_source_ids", "data_source_id"),
        ("regions", "region"),
        ("services", "service"),
        ("resource_types", "resource_type"),
        ("sort", "sort_by"),
    ],
    run: Run::Single(list_recommendations),
};

fn list_recommendations(a: &mut Reader) -> Option<Plan> {
    let org = ORGANIZATION.read(a);
    let mut body = Map::new();
    put(&mut body, SCENARIOS.name, SCENARIOS.read(a));
    put(&mut body, SCENARIO_TAGS.name, SCENARIO_TAGS.read(a));
    put(&mut body, STATUSES.name, STATUSES.read(a));
    put(&mut body, SEVERITIES.name, SEVERITIES.read(a));
    put(&mut body, DATA_SOURCES.name, DATA_SOURCES.read(a));
    put(&mut body, ASSIGNEES.name, ASSIGNEES.read(a));
    for texts in [&RESOURCE_TYPES, &REGIONS, &SERVICES] {
        put(&mut body, texts.name, texts.read(a));
    }
    put(&mut body, RESOURCE_TAGS.name, RESOURCE_TAGS.read(a));
    let offset = OFFSET.read(a);
    let limit = LIMIT.read(a);
    put(&mut body, OFFSET.name, Some(offset));
    put(&mut body, LIMIT.name, Some(limit));
    put(&mut body, SORT_BY.name, SORT_BY.read(a));
    put(&mut body, SORT_DIRECTION.name, SORT_DIRECTION.read(a));
    let request = ApiRequest::post(
        format!("/api/v3/organizations/{}/recommendations", org?),
        Value::Object(body),
    );
    Some(Plan::new(request).notes(move |json| {
        #[derive(Deserialize)]
        struct Page {
            total: Option<i64>,
        }
        match peek::fields::<Page>(json).and_then(|p| p.total) {
            Some(total) if total > offset + limit => vec![format!(
                "More recommendations exist: call again with offset={}.",
                offset + limit
            )],
            _ => Vec::new(),
        }
    }))
}

const PROVIDER: Input<Choice> = Input::optional(
    "cloud_provider",
    CLOUD_TYPE,
    "Only scenarios for this data source type.",
);

pub const LIST_SCENARIOS: Tool = Tool {
    name: "list_scenarios",
    title: "List optimization scenarios",
    description: "Lists the recommendation scenarios DigiUsher evaluates: what each detects, severity, resource type, tags, thresholds with defaults and a documentation link, optionally for one cloud provider. Use it to explain a recommendation or to choose scenario_id / scenario_tags for list_recommendations.",
    inputs: &[&ORGANIZATION, &PROVIDER],
    endpoint: Endpoint::Confirmed {
        subject: Subject::Organization,
    },
    narrow: "Set cloud_provider.",
    suggestions: &[("provider", "cloud_provider"), ("type", "cloud_provider")],
    run: Run::Single(list_scenarios),
};

fn list_scenarios(a: &mut Reader) -> Option<Plan> {
    let org = ORGANIZATION.read(a);
    let provider = PROVIDER.read(a);
    Some(Plan::new(
        ApiRequest::get(format!(
            "/api/v3/organizations/{}/recommendations/scenarios",
            org?
        ))
        .opt_param("cloud_provider", provider),
    ))
}

const SUMMARY_SOURCES: Input<Ids> = Input::optional(
    "data_source_ids",
    DATA_SOURCE_IDS,
    "From list_data_sources.",
);
/// The modules whose top items to include.
const MODULES: Input<Names> = Input::optional(
    "types",
    Names::new(30, MODULE),
    "Modules whose top items to include, e.g. rightsizing_instances, obsolete_snapshots, volumes_not_attached_for_a_long_time.",
);
/// Which items of those modules; the default is said in words, as it applies
/// only with types.
const ITEM_STATUS: Input<Choice> = Input::optional(
    "status",
    Choice(&["active", "dismissed", "excluded"]),
    "Which items of those modules: active (default), dismissed or excluded; only with types.",
);
const ITEMS: Input<Int> = Input::optional(
    "limit",
    Int::new(1, 100),
    "Items per module (default 10); only with types.",
);

pub const GET_OPTIMIZATIONS_SUMMARY: Tool = Tool {
    name: "get_optimizations_summary",
    title: "Savings overview by optimization module",
    description: "Returns the total possible monthly saving and, per optimization module (rightsizing, instances to shut down, unattached volumes, obsolete snapshots, reserved instances…), the findings and their saving; with types, also those modules' top items. For \"how much could we save and where\"; list_recommendations gives filtered detail from another engine (may disagree).",
    inputs: &[
        &ORGANIZATION,
        &SUMMARY_SOURCES,
        &MODULES,
        &ITEM_STATUS,
        &ITEMS,
    ],
    endpoint: Endpoint::Inferred {
        route: "GET /restapi/v2/organizations/{organization_id}/optimizations",
        alternative: "Use list_recommendations instead.",
        subject: Subject::Organization,
    },
    narrow: "Ask for fewer types or lower limit.",
    suggestions: &[("type", "types"), ("data_source_id", "data_source_ids")],
    run: Run::Single(get_optimizations_summary),
};

fn get_optimizations_summary(a: &mut Reader) -> Option<Plan> {
    let org = ORGANIZATION.read(a);
    let ids = SUMMARY_SOURCES.read(a);
    let types = MODULES.read(a);
    let status_given = ITEM_STATUS.given(a);
    let limit_given = ITEMS.given(a);
    let status = ITEM_STATUS.read(a);
    let limit = ITEMS.read(a);
    if types.is_none() && !a.failed() && (status_given || limit_given) {
        a.problem(
            if status_given { "status" } else { "limit" },
            "status and limit apply to item details, which need types",
            None,
        );
        return None;
    }
    let mut request = ApiRequest::get(format!("/restapi/v2/organizations/{}/optimizations", org?))
        .params("cloud_account_id", ids.unwrap_or_default());
    if let Some(types) = types {
        request = request
            .params("type", types)
            .param("status", status.unwrap_or("active"))
            .param("limit", limit.unwrap_or(10).to_string());
    }
    Some(Plan::new(request))
}
