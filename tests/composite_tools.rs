//! The two composite tools do what tools.md section 4 says we do better.

use crate::common::*;
use serde_json::{Value, json};

fn dims(h: &Harness) -> Vec<Value> {
    h.requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/dimensions/query"))
        .map(|r| r.body.expect("body"))
        .collect()
}

#[tokio::test]
async fn discover_builds_value_and_tag_filters() {
    let h = Harness::start().await;
    let (v, _) = h
        .ok(
            "discover_expense_filters",
            json!({"organization_id": ACME, "dimensions": [
                {"dimension_type": "standard", "name": "service_name", "search": "ec2"},
                {"dimension_type": "tag", "name": "Environment", "search": "prod"},
                {"dimension_type": "standard", "name": "region_id", "search": "us-", "limit": 5}]}),
        )
        .await;
    let bodies = dims(&h);
    assert_eq!(bodies.len(), 3);
    assert!(bodies.contains(&json!({"dimension": {"dimension_type": "standard", "name": "service_name"}, "search": "ec2", "limit": 100})));
    assert!(bodies.contains(&json!({"dimension": {"dimension_type": "tag", "tag_type": "values", "key": "Environment"}, "search": "prod", "limit": 100})));
    assert!(bodies.contains(&json!({"dimension": {"dimension_type": "standard", "name": "region_id"}, "search": "us-", "limit": 5})));
    assert_eq!(
        v["discovered"][0]["name"], "service_name",
        "input order kept"
    );
    assert_eq!(v["discovered"][1]["name"], "Environment");
    assert_eq!(v["suggested_filters"]["service_name"], json!(["AmazonEC2"]));
    assert_eq!(
        v["suggested_filters"]["tags"],
        json!([{"key": "Environment", "include": ["prod"]}])
    );
    assert!(
        v["suggested_filters"].get("Environment").is_none(),
        "tags never become top-level keys"
    );
    assert_eq!(
        v["suggested_filters"]["region_id"],
        json!(["us-central1", "us-east-1"])
    );
    assert!(
        v["next_step"]
            .as_str()
            .unwrap()
            .starts_with("Pass suggested_filters as filters")
    );

    // The suggested filters are accepted by get_expenses as they are.
    let filters = v["suggested_filters"].clone();
    h.ok("get_expenses", json!({"organization_id": ACME, "start_date": "2025-06-01", "end_date": "2025-06-14", "filters": filters})).await;
}

#[tokio::test]
async fn discover_reports_empty_truncated_and_unselected_entries() {
    let h = Harness::start().await;
    let (v, _) = h
        .ok(
            "discover_expense_filters",
            json!({"organization_id": ACME, "dimensions": [
                {"dimension_type": "standard", "name": "service_name", "search": "zzz"},
                {"dimension_type": "standard", "name": "service_name", "limit": 1}]}),
        )
        .await;
    assert_eq!(v["discovered"][0]["values"], json!([]));
    assert_eq!(v["discovered"][1]["has_more"], true);
    let next = v["next_step"].as_str().unwrap();
    assert!(
        next.contains("Nothing matched for service_name (search \"zzz\")"),
        "{next}"
    );
    assert!(
        next.contains("Only the first values were taken for service_name (limit 1)"),
        "{next}"
    );
    assert_eq!(
        v["suggested_filters"]["service_name"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let (v, _) = h
        .ok(
            "discover_expense_filters",
            json!({"organization_id": ACME, "auto_select": false, "dimensions": [{"dimension_type": "standard", "name": "provider"}]}),
        )
        .await;
    assert!(v.get("suggested_filters").is_none());
    assert!(
        v["next_step"]
            .as_str()
            .unwrap()
            .starts_with("Build filters from these values")
    );
}

#[tokio::test]
async fn discover_takes_filter_values_from_objects() {
    let h = Harness::start().await;
    h.options(json!({"dimension_values_style": "objects"}))
        .await;
    let (v, _) = h
        .ok(
            "discover_expense_filters",
            json!({"organization_id": ACME, "dimensions": [{"dimension_type": "standard", "name": "data_source_id", "search": "a2"}]}),
        )
        .await;
    assert!(
        v["discovered"][0]["values"][0].is_object(),
        "raw values are reported unchanged"
    );
    let ids = v["suggested_filters"]["data_source_id"].as_array().unwrap();
    assert!(ids.contains(&json!(AWS_PRODUCTION)), "{v}");
    assert!(ids.iter().all(Value::is_string));
}

#[tokio::test]
async fn discover_keeps_going_when_one_entry_is_rejected_and_fails_when_all_are() {
    let h = Harness::start().await;
    let rule = json!({"match": {"path": "/api/v3/organizations/*/expenses/dimensions/query"}, "times": 1,
                      "fault": {"kind": "status", "status": 400, "body": {"detail": "Unknown tag key"}}});
    h.fault(rule.clone()).await;
    let (v, _) = h
        .ok(
            "discover_expense_filters",
            json!({"organization_id": ACME, "dimensions": [
                {"dimension_type": "tag", "name": "Environment"}, {"dimension_type": "tag", "name": "Team"}]}),
        )
        .await;
    let errors: Vec<&Value> = v["discovered"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e.get("error").is_some())
        .collect();
    assert_eq!(errors.len(), 1, "{v}");
    assert_eq!(errors[0]["error"], "Unknown tag key");

    h.fault(json!({"match": {"path": "/api/v3/organizations/*/expenses/dimensions/query"}, "times": 0,
                   "fault": {"kind": "status", "status": 400, "body": {"detail": "Unknown tag key"}}})).await;
    let msg = h
        .err("discover_expense_filters", json!({"organization_id": ACME, "dimensions": [{"dimension_type": "tag", "name": "Nope"}]}))
        .await;
    assert!(
        msg.starts_with("DigiUsher rejected every lookup: Nope: Unknown tag key."),
        "{msg}"
    );
}

#[tokio::test]
async fn query_with_discovery_merges_names_into_rows_in_both_lookup_styles() {
    for style in ["map", "array"] {
        let h = Harness::start().await;
        h.options(json!({"lookups_style": style})).await;
        let (v, _) = h
            .ok(
                "query_expenses_with_discovery",
                json!({"organization_id": ACME, "start_date": "2025-05-01", "end_date": "2025-05-31", "granularity": "month",
                       "group_by": ["data_source_id", "pool_id"], "discover_filters": {"service_name": "ec2"}}),
            )
            .await;
        let expense = h
            .requests()
            .into_iter()
            .find(|r| r.path.ends_with("/expenses"))
            .expect("expense request");
        assert_eq!(
            expense.body,
            Some(
                json!({"start_date": "2025-05-01", "end_date": "2025-05-31", "granularity": "month",
                        "group_by": ["data_source_id", "pool_id"], "filters": {"service_name": ["AmazonEC2"]},
                        "metrics": ["effective_cost", "billed_cost"], "order_by": [{"field": "billed_cost", "direction": "desc"}]})
            )
        );
        assert!(h.requests().iter().any(|r| r.path.ends_with("/lookups")
            && r.query == q(&[("include_pools", "true"), ("include_data_sources", "true")])));
        let rows = v["expenses"]["rows"].as_array().expect("rows");
        assert!(!rows.is_empty());
        for row in rows {
            assert_eq!(row["data_source_id"], AWS_PRODUCTION);
            assert_eq!(row["data_source_name"], "AWS Production", "{style}: {row}");
            assert_eq!(row["data_source_provider"], "AWS");
            assert_eq!(row["pool_name"], "Platform", "{style}: {row}");
        }
        assert_eq!(
            v["discovered_values"]["service_name"]["values"],
            json!(["AmazonEC2"])
        );
        assert_eq!(v["filters_applied"], json!({"service_name": ["AmazonEC2"]}));
        assert!(
            v["name_resolution"]["data_source_id"]["resolved"]
                .as_u64()
                .unwrap()
                >= 1
        );
        assert_eq!(
            v["steps"],
            json!(["dimension_discovery", "expense_query", "lookup_fetch"])
        );
        assert!(!v.to_string().contains("_branding"));
        // Look-ups keep only the ids that occur.
        let lookups = v["lookups"].to_string();
        assert!(lookups.contains(AWS_PRODUCTION));
        assert!(
            !lookups.contains("a2000000-0000-4000-8000-000000000002"),
            "{lookups}"
        );
    }
}

#[tokio::test]
async fn query_with_discovery_honours_data_source_ids_and_stops_on_no_match() {
    let h = Harness::start().await;
    let (v, _) = h
        .ok(
            "query_expenses_with_discovery",
            json!({"organization_id": ACME, "start_date": "2025-05-01", "end_date": "2025-05-31",
                   "discover_filters": {"data_source_id": [AWS_PRODUCTION]}, "include_lookups": false}),
        )
        .await;
    let log = h.requests();
    assert_eq!(
        log.len(),
        1,
        "no discovery and no look-up request: {log:#?}"
    );
    assert_eq!(
        log[0].body.as_ref().unwrap()["filters"],
        json!({"data_source_id": [AWS_PRODUCTION]})
    );
    assert_eq!(
        v["filters_applied"],
        json!({"data_source_id": [AWS_PRODUCTION]})
    );
    assert!(
        v.get("lookups").is_none()
            && v.get("name_resolution").is_none()
            && v.get("discovered_values").is_none()
    );
    assert_eq!(v["steps"], json!(["expense_query"]));

    h.clear();
    let msg = h
        .err(
            "query_expenses_with_discovery",
            json!({"organization_id": ACME, "start_date": "2025-05-01", "end_date": "2025-05-31", "discover_filters": {"service_name": "ec2x"}}),
        )
        .await;
    assert_eq!(
        msg,
        "No service_name value matches \"ec2x\". Call get_dimension_values for service_name to see the valid values."
    );
    assert!(
        h.requests().iter().all(|r| !r.path.ends_with("/expenses")),
        "no silent broadening"
    );
}

#[tokio::test]
async fn query_with_discovery_works_with_object_values_and_survives_a_failed_lookup() {
    let h = Harness::start().await;
    h.options(json!({"dimension_values_style": "objects"}))
        .await;
    h.fault(json!({"match": {"path": "/api/v3/organizations/*/expenses/dimensions/lookups"}, "times": 1, "fault": {"kind": "status", "status": 500}})).await;
    let r = h
        .call(
            "query_expenses_with_discovery",
            json!({"organization_id": ACME, "start_date": "2025-05-01", "end_date": "2025-05-31", "group_by": ["region_id"],
                   "discover_filters": {"region_id": "us-east"}}),
        )
        .await;
    let t = texts(&r);
    assert_eq!(r.is_error, Some(false), "{t:?}");
    let v: Value = serde_json::from_str(&t[0]).unwrap();
    assert_eq!(v["filters_applied"]["region_id"], json!(["us-east-1"]));
    assert!(v.get("lookups").is_none());
    assert!(
        t.iter().any(
            |n| n.starts_with("Note: Names could not be fetched (HTTP 500")
                && n.ends_with("ids are shown instead.")
        ),
        "{t:?}"
    );
}

#[tokio::test]
async fn query_with_discovery_keeps_the_invalid_filter_hint() {
    let h = Harness::start().await;
    let msg = h
        .err(
            "query_expenses_with_discovery",
            json!({"organization_id": ACME, "start_date": "2025-05-01", "end_date": "2025-05-31",
                   "filters": {"region_id": ["mars-1"]}, "discover_filters": {"service_name": "ec2"}}),
        )
        .await;
    assert!(
        msg.starts_with("DigiUsher rejected a filter value."),
        "{msg}"
    );
    assert!(msg.contains("\"name\":\"region_id\""), "{msg}");
}
