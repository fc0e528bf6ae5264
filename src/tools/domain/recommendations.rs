//! Recommendations: what to change to save money, and how much.

use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::api::ApiRequest;
use crate::tools::core::{Endpoint, Plan, Run, Subject, Tool};
use crate::tools::input::args::Reader;
use crate::tools::input::field::{
    Choice, Choices, DATA_SOURCE_IDS, Ids, Int, MODULE, NAME, Names, TAG_FILTERS, Texts,
};
use crate::tools::input::schema as s;
use crate::tools::input::vocab::{self, organization_id, organization_id_schema};
use crate::tools::peek;

const SCENARIO_TAGS: Choices = Choices(&[
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
]);
const STATUSES: Choices = Choices(&[
    "open",
    "applied",
    "dismissed",
    "snoozed",
    "auto_resolved",
    "stale",
]);
const SEVERITIES: Choices = Choices(&["low", "medium", "high", "critical"]);
const OFFSET: Int = Int::new(0, 1_000_000_000).or(0);
const LIMIT: Int = Int::new(1, 500).or(50);
const SUMMARY_LIMIT: Int = Int::new(1, 100);
const SORT_BY: Choice = Choice(&[
    "annual_savings",
    "monthly_savings",
    "severity",
    "created_at",
    "last_seen_at",
    "status",
]);
const DIRECTIONS: Choice = Choice(&["asc", "desc"]);
/// Which items of the optimization modules.
const ITEM_STATUSES: Choice = Choice(&["active", "dismissed", "excluded"]);
const SCENARIO_IDS: Texts = Texts::new(50, NAME);
const ASSIGNEE_IDS: Ids = Ids::new(100, "a user id");
const NAMES: Texts = Texts::new(100, NAME);

pub const LIST_RECOMMENDATIONS: Tool = Tool {
    name: "list_recommendations",
    title: "List cost-saving recommendations",
    description: "Lists cost optimization recommendations (idle, oversized, orphaned or outdated resources…) with current and target cost, savings, severity, status and evidence. Open quick wins: status [\"open\"] + scenario_tags [\"quick_win\"]; biggest savings: sort_by \"annual_savings\".",
    input_schema: || {
        s::object(
            vec![
                ("organization_id", organization_id_schema()),
                ("scenario_id", SCENARIO_IDS.schema("From list_scenarios.")),
                ("scenario_tags", SCENARIO_TAGS.schema("")),
                ("status", STATUSES.schema("")),
                ("severity", SEVERITIES.schema("")),
                ("data_source_id", DATA_SOURCE_IDS.schema("")),
                ("assignee_id", ASSIGNEE_IDS.schema("")),
                ("resource_type", NAMES.schema("e.g. EC2, RDS.")),
                ("region", NAMES.schema("e.g. us-east-1.")),
                ("service", NAMES.schema("e.g. AmazonEC2.")),
                ("resource_tags", TAG_FILTERS.schema("")),
                ("offset", OFFSET.schema("")),
                ("limit", LIMIT.schema("")),
                (
                    "sort_by",
                    s::with_default(SORT_BY.schema(""), json!("annual_savings")),
                ),
                (
                    "sort_direction",
                    s::with_default(DIRECTIONS.schema(""), json!("desc")),
                ),
            ],
            &["organization_id"],
        )
    },
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
    let org = organization_id(a);
    let mut body = Map::new();
    let mut put = |key: &str, v: Option<Value>| {
        if let Some(v) = v {
            body.insert(key.to_string(), v);
        }
    };
    put(
        "scenario_id",
        a.optional("scenario_id", SCENARIO_IDS.parse())
            .map(|v| json!(v)),
    );
    put(
        "scenario_tags",
        a.optional("scenario_tags", SCENARIO_TAGS.parse())
            .map(|v| json!(v)),
    );
    put(
        "status",
        a.optional("status", STATUSES.parse()).map(|v| json!(v)),
    );
    put(
        "severity",
        a.optional("severity", SEVERITIES.parse()).map(|v| json!(v)),
    );
    put(
        "data_source_id",
        a.optional("data_source_id", DATA_SOURCE_IDS.parse())
            .map(|v| json!(v)),
    );
    put(
        "assignee_id",
        a.optional("assignee_id", ASSIGNEE_IDS.parse())
            .map(|v| json!(v)),
    );
    for key in ["resource_type", "region", "service"] {
        put(key, a.optional(key, NAMES.parse()).map(|v| json!(v)));
    }
    put(
        "resource_tags",
        a.optional("resource_tags", TAG_FILTERS.parse())
            .map(Value::Array),
    );
    let offset = OFFSET.read(a, "offset").unwrap_or_default();
    let limit = LIMIT.read(a, "limit").unwrap_or_default();
    put("offset", Some(json!(offset)));
    put("limit", Some(json!(limit)));
    put(
        "sort_by",
        a.optional("sort_by", SORT_BY.parse()).map(|v| json!(v)),
    );
    put(
        "sort_direction",
        a.optional("sort_direction", DIRECTIONS.parse())
            .map(|v| json!(v)),
    );
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

pub const LIST_SCENARIOS: Tool = Tool {
    name: "list_scenarios",
    title: "List optimization scenarios",
    description: "Lists the recommendation scenarios DigiUsher evaluates: what each detects, severity, resource type, tags, thresholds with defaults and a documentation link, optionally for one cloud provider. Use it to explain a recommendation or to choose scenario_id / scenario_tags for list_recommendations.",
    input_schema: || {
        s::object(
            vec![
                ("organization_id", organization_id_schema()),
                (
                    "cloud_provider",
                    vocab::CLOUD_TYPE.schema("Only scenarios for this data source type."),
                ),
            ],
            &["organization_id"],
        )
    },
    endpoint: Endpoint::Confirmed {
        subject: Subject::Organization,
    },
    narrow: "Set cloud_provider.",
    suggestions: &[("provider", "cloud_provider"), ("type", "cloud_provider")],
    run: Run::Single(list_scenarios),
};

fn list_scenarios(a: &mut Reader) -> Option<Plan> {
    let org = organization_id(a);
    let provider = a.optional("cloud_provider", vocab::CLOUD_TYPE.parse());
    Some(Plan::new(
        ApiRequest::get(format!(
            "/api/v3/organizations/{}/recommendations/scenarios",
            org?
        ))
        .opt_param("cloud_provider", provider),
    ))
}

pub const GET_OPTIMIZATIONS_SUMMARY: Tool = Tool {
    name: "get_optimizations_summary",
    title: "Savings overview by optimization module",
    description: "Returns the total possible monthly saving and, per optimization module (rightsizing, instances to shut down, unattached volumes, obsolete snapshots, reserved instances…), the findings and their saving; with types, also those modules' top items. For \"how much could we save and where\"; list_recommendations gives filtered detail from another engine (may disagree).",
    input_schema: || {
        s::object(
            vec![
                ("organization_id", organization_id_schema()),
                (
                    "data_source_ids",
                    DATA_SOURCE_IDS.schema("From list_data_sources."),
                ),
                (
                    "types",
                    MODULES.schema(
                        "Modules whose top items to include, e.g. rightsizing_instances, obsolete_snapshots, volumes_not_attached_for_a_long_time.",
                    ),
                ),
                (
                    "status",
                    ITEM_STATUSES.schema("Which items of those modules: active (default), dismissed or excluded; only with types."),
                ),
                (
                    "limit",
                    SUMMARY_LIMIT.schema("Items per module (default 10); only with types."),
                ),
            ],
            &["organization_id"],
        )
    },
    endpoint: Endpoint::Inferred {
        route: "GET /restapi/v2/organizations/{organization_id}/optimizations",
        alternative: "Use list_recommendations instead.",
        subject: Subject::Organization,
    },
    narrow: "Ask for fewer types or lower limit.",
    suggestions: &[("type", "types"), ("data_source_id", "data_source_ids")],
    run: Run::Single(get_optimizations_summary),
};

/// The modules whose top items get_optimizations_summary includes.
const MODULES: Names = Names::new(30, MODULE);

fn get_optimizations_summary(a: &mut Reader) -> Option<Plan> {
    let org = organization_id(a);
    let ids = a.optional("data_source_ids", DATA_SOURCE_IDS.parse());
    let types = a.optional("types", MODULES.parse());
    let status_given = a.has("status");
    let limit_given = a.has("limit");
    let status = a.optional("status", ITEM_STATUSES.parse());
    let limit = SUMMARY_LIMIT.read(a, "limit");
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
