//! Invalid arguments give a precise tool error naming the argument and the rule,
//! and nothing reaches the API.

use crate::common::*;
use serde_json::{Value, json};

fn with_org(mut v: Value) -> Value {
    v["organization_id"] = Value::from(ACME);
    v
}

/// (tool, arguments, text the message must contain)
fn cases() -> Vec<(&'static str, Value, &'static str)> {
    vec![
        // Organizations
        (
            "list_organizations",
            json!({"org": 1}),
            "org: unknown key. Accepted keys: none.",
        ),
        // Identifiers
        (
            "list_pools",
            json!({"organization_id": "acme"}),
            "organization_id: must be a UUID such as 3fa85f64-5717-4562-b3fc-2c963f66afa6 (get one from list_organizations); got \"acme\".",
        ),
        (
            "list_pools",
            json!({"organization_id": "{a0000000-0000-4000-8000-000000000001}"}),
            "organization_id: must be a UUID",
        ),
        (
            "list_pools",
            json!({"organization_id": null}),
            "organization_id: is required.",
        ),
        ("list_pools", json!({}), "organization_id: is required."),
        // Expenses & dimensions
        (
            "get_expenses",
            with_org(json!({"start_date": "2025-05-01", "end_date": "2025-04-30"})),
            "end_date: must not be before start_date (2025-05-01); got \"2025-04-30\".",
        ),
        (
            "get_expenses",
            with_org(json!({"start_date": "05/01/2025", "end_date": "2025-05-31"})),
            "start_date: must be a date in YYYY-MM-DD form, e.g. 2025-05-01; got \"05/01/2025\".",
        ),
        (
            "get_expenses",
            with_org(json!({"start_date": "2025-02-29", "end_date": "2025-03-31"})),
            "start_date: must be a date in YYYY-MM-DD form",
        ),
        (
            "get_expenses",
            with_org(
                json!({"start_date": "2025-05-01", "end_date": "2025-05-31", "group_by": ["service_name", "region_id", "provider", "pool_id"]}),
            ),
            "group_by: at most 3 items; got 4.",
        ),
        (
            "get_expenses",
            with_org(
                json!({"start_date": "2025-05-01", "end_date": "2025-05-31", "group_by": [{"type": "values"}]}),
            ),
            "group_by[0].key: is required when type is values.",
        ),
        (
            "get_expenses",
            with_org(
                json!({"start_date": "2025-05-01", "end_date": "2025-05-31", "group_by": [{"type": "keys", "key": "Env"}]}),
            ),
            "group_by[0].key: must be omitted when type is keys.",
        ),
        (
            "get_expenses",
            with_org(
                json!({"start_date": "2025-05-01", "end_date": "2025-05-31", "currency": "eur"}),
            ),
            "currency: must be an upper-case ISO 4217 code; use upper case, e.g. EUR; got \"eur\".",
        ),
        (
            "get_expenses",
            with_org(
                json!({"start_date": "2025-05-01", "end_date": "2025-05-31", "filters": {"region": ["x"]}}),
            ),
            "filters.region: unknown key; did you mean region_id?",
        ),
        (
            "get_expenses",
            with_org(
                json!({"start_date": "2025-05-01", "end_date": "2025-05-31", "filters": {"rule_id": ["x"]}}),
            ),
            "filters.rule_id: unknown key (rule_id is not filterable; group by it instead).",
        ),
        (
            "get_expenses",
            with_org(
                json!({"start_date": "2025-05-01", "end_date": "2025-05-31", "filters": {"service_name": []}}),
            ),
            "filters.service_name: must not be empty (omit it instead); got [].",
        ),
        (
            "get_expenses",
            with_org(
                json!({"start_date": "2025-05-01", "end_date": "2025-05-31", "filters": {"service_name": {}}}),
            ),
            "filters.service_name.include: give include, exclude or both.",
        ),
        (
            "get_expenses",
            with_org(
                json!({"start_date": "2025-05-01", "end_date": "2025-05-31", "filters": {"tags": [{"key": ""}]}}),
            ),
            "filters.tags[0].key: must not be empty; got \"\".",
        ),
        (
            "get_expenses",
            with_org(
                json!({"start_date": "2025-05-01", "end_date": "2025-05-31", "filters": {"billed_cost": [{"value": "10", "op": "gte"}]}}),
            ),
            "filters.billed_cost[0].value: must be a number; got \"10\".",
        ),
        (
            "get_expenses",
            with_org(json!({"start_date": "2025-05-01", "end_date": "2025-05-31", "limit": "50"})),
            "limit: must be an integer; got \"50\".",
        ),
        (
            "get_expenses",
            with_org(json!({"start_date": "2025-05-01", "end_date": "2025-05-31", "limit": 10001})),
            "limit: must be between 1 and 10000; got 10001.",
        ),
        (
            "get_expenses",
            with_org(
                json!({"start_date": "2025-05-01", "end_date": "2025-05-31", "metrics": ["billed_cost", "billed_cost"]}),
            ),
            "metrics[1]: duplicates an earlier item; got \"billed_cost\".",
        ),
        (
            "get_dimension_values",
            with_org(json!({"dimension": {"dimension_type": "tag", "tag_type": "values"}})),
            "dimension.key: is required when tag_type is values",
        ),
        (
            "get_dimension_values",
            with_org(
                json!({"dimension": {"dimension_type": "tag", "tag_type": "keys", "key": "Env"}}),
            ),
            "dimension.key: must be omitted when tag_type is keys.",
        ),
        (
            "get_dimension_values",
            with_org(json!({"dimension": {"dimension_type": "standard", "name": "service"}})),
            "dimension.name: must be one of service_name",
        ),
        (
            "get_dimension_values",
            with_org(
                json!({"dimension": {"dimension_type": "standard", "name": "service_name"}, "search": "x".repeat(101)}),
            ),
            "search: must be 1-100 characters long",
        ),
        (
            "get_dimension_lookups",
            with_org(json!({"include_pools": false, "include_data_sources": false})),
            "include_data_sources: at least one of include_pools and include_data_sources must be true; got false.",
        ),
        (
            "get_expenses_breakdown",
            with_org(json!({"start_date": "2025-01-01", "end_date": "2026-01-01"})),
            "end_date: must be at most 365 days after start_date (2025-01-01), both ends included; got \"2026-01-01\".",
        ),
        (
            "get_expenses_breakdown",
            with_org(
                json!({"start_date": "2025-06-01", "end_date": "2025-06-02", "resource_types": ["Instance"]}),
            ),
            "resource_types[0]: must be <type>:<identity> with identity regular, cluster or environment, e.g. Instance:regular; got \"Instance\".",
        ),
        (
            "get_expenses_breakdown",
            with_org(
                json!({"start_date": "2025-06-01", "end_date": "2025-06-02", "breakdown_by": "owner"}),
            ),
            "breakdown_by: must be one of employee_id, pool_id",
        ),
        (
            "discover_expense_filters",
            with_org(json!({"dimensions": []})),
            "dimensions: must not be empty (omit it instead); got [].",
        ),
        (
            "discover_expense_filters",
            with_org(json!({"dimensions": [{"dimension_type": "standard", "name": "services"}]})),
            "dimensions[0].name: must be one of service_name",
        ),
        (
            "query_expenses_with_discovery",
            with_org(
                json!({"start_date": "2025-05-01", "end_date": "2025-05-31", "discover_filters": {"service_name": "ec2"}, "filters": {"service_name": ["AmazonEC2"]}}),
            ),
            "filters.service_name: filters.service_name and discover_filters.service_name both given; use one.",
        ),
        (
            "query_expenses_with_discovery",
            with_org(
                json!({"start_date": "2025-05-01", "end_date": "2025-05-31", "discover_filters": {"data_source_id": ["aws"]}}),
            ),
            "discover_filters.data_source_id[0]: must be a UUID",
        ),
        (
            "query_expenses_with_discovery",
            with_org(
                json!({"start_date": "2025-05-01", "end_date": "2025-05-31", "discover_filters": {}}),
            ),
            "discover_filters.service_name: discover_filters needs at least one of",
        ),
        // Recommendations
        (
            "list_recommendations",
            with_org(json!({"severity": ["urgent"]})),
            "severity[0]: must be one of low, medium, high, critical; got \"urgent\".",
        ),
        (
            "list_recommendations",
            with_org(json!({"limit": 501})),
            "limit: must be between 1 and 500; got 501.",
        ),
        (
            "list_recommendations",
            with_org(json!({"status": ["open", "open"]})),
            "status[1]: duplicates an earlier item",
        ),
        (
            "list_recommendations",
            with_org(json!({"resource_tags": [{"include": ["x"]}]})),
            "resource_tags[0].key: is required.",
        ),
        (
            "list_scenarios",
            with_org(json!({"cloud_provider": "aws"})),
            "cloud_provider: must be one of",
        ),
        (
            "get_optimizations_summary",
            with_org(json!({"status": "active"})),
            "status: status and limit apply to item details, which need types.",
        ),
        (
            "get_optimizations_summary",
            with_org(json!({"types": ["Rightsizing Instances"]})),
            "types[0]: must be a module name",
        ),
        // Cost allocation & unit economics
        (
            "get_cost_allocation_summary",
            with_org(
                json!({"start_date": "2025-03-15", "end_date": "2025-03-31", "view": "showback"}),
            ),
            "start_date: must be the first day of a month, e.g. 2025-03-01; got \"2025-03-15\".",
        ),
        (
            "get_cost_allocation_summary",
            with_org(
                json!({"start_date": "2025-03-01", "end_date": "2025-03-30", "view": "showback"}),
            ),
            "end_date: must be the last day of a month, e.g. 2025-03-31; got \"2025-03-30\".",
        ),
        (
            "get_cost_allocation_summary",
            with_org(
                json!({"start_date": "2024-02-01", "end_date": "2024-02-28", "view": "showback"}),
            ),
            "end_date: must be the last day of a month, e.g. 2024-02-29",
        ),
        (
            "get_cost_allocation_summary",
            with_org(
                json!({"start_date": "2025-03-01", "end_date": "2025-03-31", "view": "showback", "group_by": "team_id"}),
            ),
            "group_by: needs nsm_key_id (unit economics).",
        ),
        (
            "get_cost_allocation_summary",
            with_org(json!({"start_date": "2025-03-01", "end_date": "2025-03-31"})),
            "view: is required.",
        ),
        (
            "get_unit_economics_for_cost_pools",
            with_org(json!({"start_date": "2025-03-01", "end_date": "2025-03-31"})),
            "nsm_key_id: is required.",
        ),
        (
            "get_unit_economics_for_cost_pools",
            with_org(
                json!({"start_date": "2025-03-01", "end_date": "2025-03-31", "nsm_key_id": NSM_KEY, "filters": [{"dimension": "environment", "values": []}]}),
            ),
            "filters[0].values: must not be empty",
        ),
        (
            "get_chargeback_for_month",
            with_org(json!({"month": "2025-05"})),
            "month: must be a date in YYYY-MM-DD form",
        ),
        // KPIs & NSM
        (
            "list_kpis",
            with_org(json!({"kpi_ids": ["savings"]})),
            "kpi_ids[0]: must be one of effective_savings_rate, compute_commitment_coverage, allocation_accuracy_index; got \"savings\".",
        ),
        (
            "get_kpis_time_series",
            with_org(json!({"start_date": "2025-06-03", "end_date": "2025-06-01"})),
            "end_date: must not be before start_date (2025-06-03)",
        ),
        (
            "list_nsm_keys",
            with_org(json!({"pool_id": PLATFORM})),
            "pool_id: unknown key. Accepted keys: organization_id.",
        ),
        // Budgets / pools
        (
            "get_pool",
            json!({"pool_id": "Engineering"}),
            "pool_id: must be a UUID such as 3fa85f64-5717-4562-b3fc-2c963f66afa6 (get one from list_pools); got \"Engineering\".",
        ),
        (
            "get_pool",
            json!({"organization_id": ACME}),
            "pool_id: is required.",
        ),
        (
            "list_pools",
            with_org(json!({"scope": "everything"})),
            "scope: must be one of all, mine; got \"everything\".",
        ),
        // Data sources & resources
        (
            "get_resource",
            json!({"resource_id": "i-0a1b2c3d4e5f60001"}),
            "resource_id: must be the DigiUsher resource id (a UUID) from list_resources, not the cloud provider's id; to find it, call list_resources with cloud_resource_id_like; got \"i-0a1b2c3d4e5f60001\".",
        ),
        (
            "list_resources",
            with_org(
                json!({"start_date": "2025-06-01", "end_date": "2025-06-14", "fields": ["id"], "all_fields": true}),
            ),
            "all_fields: cannot be true together with fields; give one.",
        ),
        (
            "list_resources",
            with_org(
                json!({"start_date": "2025-06-01", "end_date": "2025-06-14", "pool_ids": ["platform+"]}),
            ),
            "pool_ids[0]: must be a pool UUID",
        ),
        (
            "list_resources",
            with_org(
                json!({"start_date": "2025-06-01", "end_date": "2025-06-14", "name_like": "**"}),
            ),
            "name_like: must contain more than wildcards; got \"**\".",
        ),
        (
            "list_resources",
            with_org(
                json!({"start_date": "2025-06-01", "end_date": "2025-06-14", "region": ["us-east-1"]}),
            ),
            "region: unknown key; did you mean regions?",
        ),
        (
            "list_data_sources",
            with_org(json!({"type": "aws"})),
            "type: must be one of",
        ),
        // Anomalies & policies
        (
            "list_anomalies",
            with_org(json!({"hit_days": 91})),
            "hit_days: must be between 0 and 90; got 91.",
        ),
        (
            "list_anomalies",
            with_org(json!({"types": ["budget"]})),
            "types[0]: must be one of expense_anomaly",
        ),
        (
            "list_anomaly_hits",
            with_org(json!({"since": "yesterday"})),
            "since: must be a date in YYYY-MM-DD form, e.g. 2025-05-01; got \"yesterday\".",
        ),
        (
            "list_anomaly_hits",
            with_org(json!({"limit": 0})),
            "limit: must be between 1 and 1000; got 0.",
        ),
        // People
        (
            "list_employees",
            with_org(json!({"include_roles": "yes"})),
            "include_roles: must be true or false; got \"yes\".",
        ),
        (
            "list_employees",
            with_org(json!({"current_only": true})),
            "current_only: unknown key; did you mean current_user_only?",
        ),
    ]
}

#[tokio::test]
async fn invalid_arguments_are_reported_precisely_and_send_nothing() {
    let h = Harness::start().await;
    let mut failures = Vec::new();
    for (tool, args, expected) in cases() {
        let r = h.call(tool, args.clone()).await;
        let text = texts(&r).join(" ");
        if r.is_error != Some(true) {
            failures.push(format!("{tool} {args}: not an error: {text}"));
            continue;
        }
        let prefix = format!("Invalid arguments for {tool}: ");
        if !text.starts_with(&prefix) || !text.contains(expected) {
            failures.push(format!(
                "{tool} {args}:\n   want …{expected}…\n   got  {text}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        h.requests().is_empty(),
        "requests were sent: {:#?}",
        h.requests()
    );
}

#[tokio::test]
async fn at_most_five_problems_are_listed() {
    let h = Harness::start().await;
    let msg = h
        .err(
            "get_expenses",
            json!({"organization_id": "x", "start_date": "x", "end_date": "x", "currency": "x",
                   "granularity": "x", "limit": "x", "metrics": "x"}),
        )
        .await;
    assert_eq!(msg.matches("; got ").count(), 5, "{msg}");
    assert!(msg.ends_with("(2 more problems.)"), "{msg}");
}

#[tokio::test]
async fn null_optional_inputs_count_as_absent_and_integers_may_have_zero_fractions() {
    let h = Harness::start().await;
    let (_, _) = h
        .ok(
            "list_recommendations",
            json!({"organization_id": ACME, "severity": null, "limit": 5.0, "sort_by": null}),
        )
        .await;
    assert_eq!(h.requests()[0].body, Some(json!({"offset": 0, "limit": 5})));
    let msg = h
        .err(
            "list_recommendations",
            json!({"organization_id": ACME, "limit": 5.5}),
        )
        .await;
    assert!(msg.contains("limit: must be an integer; got 5.5."), "{msg}");
}

#[tokio::test]
async fn uuids_are_sent_in_lower_case() {
    let h = Harness::start().await;
    h.ok("get_pool", json!({"pool_id": ENGINEERING.to_uppercase()}))
        .await;
    assert_eq!(
        h.requests()[0].path,
        format!("/restapi/v2/pools/{ENGINEERING}")
    );
}
