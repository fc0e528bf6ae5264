//! Every tool sends exactly the request tools.md gives and returns the API's data.

use crate::common::*;
use serde_json::{Value, json};

#[tokio::test]
async fn list_organizations_sends_a_plain_get_with_the_documented_headers() {
    let h = Harness::start().await;
    let (v, r) = h.ok("list_organizations", empty()).await;
    let req = only_request(&h, "GET", "/restapi/v2/organizations");
    assert!(req.query.is_empty());
    assert_eq!(req.body, None);
    assert_eq!(header(&req, "accept"), Some("application/json"));
    assert_eq!(
        header(&req, "user-agent"),
        Some(concat!("digiusher-mcp/", env!("CARGO_PKG_VERSION")))
    );
    assert_eq!(
        header(&req, "content-type"),
        None,
        "GET has no content type"
    );
    assert_eq!(header(&req, "authorization"), Some("Bearer <redacted>"));
    let names: Vec<&str> = v["organizations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Acme Corp", "Beta Labs"]);
    assert_eq!(r.structured_content.as_ref(), Some(&v));
}

#[tokio::test]
async fn list_organizations_explains_an_empty_list() {
    let h = Harness::with(Options {
        token: Some("sim-nobody"),
        ..Options::default()
    })
    .await;
    let r = h.call("list_organizations", empty()).await;
    let t = texts(&r);
    assert_eq!(r.is_error, Some(false));
    assert!(
        t[1].starts_with("Note: The signed-in user belongs to no DigiUsher organization"),
        "{t:?}"
    );
}

#[tokio::test]
async fn get_expenses_posts_the_body_with_defaults() {
    let h = Harness::start().await;
    let (v, r) = h
        .ok(
            "get_expenses",
            json!({"organization_id": ACME, "start_date": "2025-04-01", "end_date": "2025-06-30",
                   "granularity": "month", "group_by": ["service_name"],
                   "filters": {"service_name": ["AmazonEC2", "AmazonRDS"]}}),
        )
        .await;
    let req = only_request(
        &h,
        "POST",
        &format!("/api/v3/organizations/{ACME}/expenses"),
    );
    assert_eq!(
        req.body,
        Some(
            json!({"start_date": "2025-04-01", "end_date": "2025-06-30", "granularity": "month",
            "group_by": ["service_name"], "filters": {"service_name": ["AmazonEC2", "AmazonRDS"]},
            "metrics": ["effective_cost", "billed_cost"],
            "order_by": [{"field": "billed_cost", "direction": "desc"}]})
        )
    );
    assert_eq!(header(&req, "content-type"), Some("application/json"));
    assert_eq!(texts(&r).len(), 1, "no note without ids: {:?}", texts(&r));
    let rows = v["rows"].as_array().expect("rows");
    assert!(!rows.is_empty());
    assert!(
        rows.iter()
            .all(|r| ["AmazonEC2", "AmazonRDS"].contains(&r["service_name"].as_str().unwrap()))
    );
}

#[tokio::test]
async fn get_expenses_passes_every_input_and_notes_ids() {
    let h = Harness::start().await;
    let args = json!({"organization_id": ACME.to_uppercase(), "start_date": "2025-05-01", "end_date": "2025-05-31",
        "currency": "EUR", "granularity": "total", "group_by": ["data_source_id", {"type": "values", "key": "Environment"}],
        "filters": {"region_id": {"exclude": ["westeurope"]}, "billed_cost": [{"value": 1, "op": "gte"}],
                    "tags": [{"key": "Environment", "include": ["prod"]}]},
        "metrics": ["billed_cost"], "order_by": [{"field": "billed_cost"}], "limit": 10.0, "sku_id": null});
    let args = {
        let mut a = args;
        a.as_object_mut().unwrap().remove("sku_id");
        a
    };
    let r = h.call("get_expenses", args).await;
    assert_eq!(r.is_error, Some(false), "{:?}", texts(&r));
    let req = only_request(
        &h,
        "POST",
        &format!("/api/v3/organizations/{ACME}/expenses"),
    );
    assert_eq!(
        req.body,
        Some(
            json!({"start_date": "2025-05-01", "end_date": "2025-05-31", "currency": "EUR", "granularity": "total",
            "group_by": ["data_source_id", {"type": "values", "key": "Environment"}],
            "filters": {"region_id": {"exclude": ["westeurope"]}, "billed_cost": [{"value": 1, "op": "gte"}],
                        "tags": [{"key": "Environment", "include": ["prod"]}]},
            "metrics": ["billed_cost"], "order_by": [{"field": "billed_cost"}], "limit": 10})
        )
    );
    let t = texts(&r);
    assert!(
        t.iter()
            .any(|n| n.starts_with("Note: Rows contain data_source_id / pool_id.")),
        "{t:?}"
    );
}

#[tokio::test]
async fn get_dimension_values_sends_dimension_search_and_default_limit() {
    let h = Harness::start().await;
    let (v, _) = h
        .ok(
            "get_dimension_values",
            json!({"organization_id": ACME, "dimension": {"dimension_type": "standard", "name": "service_name"}, "search": "ama"}),
        )
        .await;
    let req = only_request(
        &h,
        "POST",
        &format!("/api/v3/organizations/{ACME}/expenses/dimensions/query"),
    );
    assert_eq!(
        req.body,
        Some(
            json!({"dimension": {"dimension_type": "standard", "name": "service_name"}, "search": "ama", "limit": 100})
        )
    );
    assert_eq!(v["values"], json!(["AmazonEC2", "AmazonRDS", "AmazonS3"]));

    h.clear();
    let (v, _) = h
        .ok(
            "get_dimension_values",
            json!({"organization_id": ACME, "dimension": {"dimension_type": "tag", "tag_type": "values", "key": "Environment"}, "limit": 2}),
        )
        .await;
    let req = h.requests().remove(0);
    assert_eq!(
        req.body,
        Some(
            json!({"dimension": {"dimension_type": "tag", "tag_type": "values", "key": "Environment"}, "limit": 2})
        )
    );
    assert_eq!(v["values"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn get_dimension_lookups_always_sends_both_flags() {
    let h = Harness::start().await;
    let (v, _) = h
        .ok("get_dimension_lookups", json!({"organization_id": ACME}))
        .await;
    let req = only_request(
        &h,
        "GET",
        &format!("/api/v3/organizations/{ACME}/expenses/dimensions/lookups"),
    );
    assert_eq!(
        req.query,
        q(&[("include_pools", "true"), ("include_data_sources", "true")])
    );
    assert_eq!(v["data_sources"][AWS_PRODUCTION]["name"], "AWS Production");
    h.clear();
    h.ok(
        "get_dimension_lookups",
        json!({"organization_id": ACME, "include_pools": false}),
    )
    .await;
    assert_eq!(
        h.requests()[0].query,
        q(&[("include_pools", "false"), ("include_data_sources", "true")])
    );
}

#[tokio::test]
async fn get_expenses_breakdown_converts_dates_and_escapes_plus() {
    let h = Harness::start().await;
    let plat = format!("{PLATFORM}+");
    let (v, r) = h
        .ok(
            "get_expenses_breakdown",
            json!({"organization_id": ACME, "start_date": "2025-06-01", "end_date": "2025-06-14",
                   "breakdown_by": "pool_id", "pool_ids": [plat], "active": true, "regions": ["us-east-1"]}),
        )
        .await;
    let req = only_request(
        &h,
        "GET",
        &format!("/restapi/v2/organizations/{ACME}/breakdown_expenses"),
    );
    assert_eq!(
        req.query,
        q(&[
            ("start_date", "1748736000"),
            ("end_date", "1749945599"),
            ("breakdown_by", "pool_id"),
            ("pool_id", &plat),
            ("region", "us-east-1"),
            ("active", "true")
        ])
    );
    assert!(
        v.get("breakdown").is_none(),
        "daily breakdown removed by default"
    );
    assert!(v["counts"].is_object());
    assert!(texts(&r).iter().any(
        |t| t == "Note: Daily figures omitted; call again with include_daily=true to get them."
    ));

    h.clear();
    let (v, _) = h
        .ok(
            "get_expenses_breakdown",
            json!({"organization_id": ACME, "start_date": "2025-06-01", "end_date": "2025-06-02", "include_daily": true}),
        )
        .await;
    assert_eq!(
        h.requests()[0].query,
        q(&[
            ("start_date", "1748736000"),
            ("end_date", "1748908799"),
            ("breakdown_by", "service_name")
        ])
    );
    assert!(v["breakdown"].is_object());
}

#[tokio::test]
async fn list_recommendations_posts_filters_and_paging_and_notes_more_pages() {
    let h = Harness::start().await;
    let (v, r) = h
        .ok(
            "list_recommendations",
            json!({"organization_id": ACME, "status": ["open", "dismissed", "snoozed"], "limit": 1,
                   "sort_by": "monthly_savings", "sort_direction": "asc"}),
        )
        .await;
    let req = only_request(
        &h,
        "POST",
        &format!("/api/v3/organizations/{ACME}/recommendations"),
    );
    assert_eq!(
        req.body,
        Some(
            json!({"status": ["open", "dismissed", "snoozed"], "offset": 0, "limit": 1,
                    "sort_by": "monthly_savings", "sort_direction": "asc"})
        )
    );
    assert_eq!(v["items"].as_array().unwrap().len(), 1);
    assert!(
        texts(&r)
            .iter()
            .any(|t| t == "Note: More recommendations exist: call again with offset=1."),
        "{:?}",
        texts(&r)
    );

    h.clear();
    let (v, r) = h
        .ok(
            "list_recommendations",
            json!({"organization_id": ACME, "scenario_tags": ["quick_win"], "status": ["open"]}),
        )
        .await;
    assert_eq!(
        h.requests()[0].body,
        Some(json!({"scenario_tags": ["quick_win"], "status": ["open"], "offset": 0, "limit": 50}))
    );
    assert_eq!(v["items"].as_array().unwrap().len(), 1);
    assert_eq!(texts(&r).len(), 1, "no paging note on the last page");
}

#[tokio::test]
async fn list_scenarios_sends_the_provider_only_when_given() {
    let h = Harness::start().await;
    let path = format!("/api/v3/organizations/{ACME}/recommendations/scenarios");
    let (v, _) = h
        .ok(
            "list_scenarios",
            json!({"organization_id": ACME, "cloud_provider": "aws_cnr"}),
        )
        .await;
    assert_eq!(
        only_request(&h, "GET", &path).query,
        q(&[("cloud_provider", "aws_cnr")])
    );
    assert!(!v["scenarios"].as_array().unwrap().is_empty());
    h.clear();
    h.ok("list_scenarios", json!({"organization_id": ACME}))
        .await;
    assert!(h.requests()[0].query.is_empty());
}

#[tokio::test]
async fn get_optimizations_summary_sends_details_only_with_types() {
    let h = Harness::start().await;
    let path = format!("/restapi/v2/organizations/{ACME}/optimizations");
    let (v, _) = h
        .ok(
            "get_optimizations_summary",
            json!({"organization_id": ACME, "data_source_ids": [AWS_PRODUCTION], "types": ["rightsizing_instances"]}),
        )
        .await;
    assert_eq!(
        only_request(&h, "GET", &path).query,
        q(&[
            ("cloud_account_id", AWS_PRODUCTION),
            ("type", "rightsizing_instances"),
            ("status", "active"),
            ("limit", "10")
        ])
    );
    assert_eq!(v["optimizations"]["rightsizing_instances"]["count"], 1);
    h.clear();
    h.ok(
        "get_optimizations_summary",
        json!({"organization_id": ACME}),
    )
    .await;
    assert!(h.requests()[0].query.is_empty());
}

#[tokio::test]
async fn get_chargeback_for_month_sends_aggregate_flows_only_when_true() {
    let h = Harness::start().await;
    let path = format!("/api/v3/organizations/{ACME}/cost-allocation/month");
    let (v, _) = h
        .ok(
            "get_chargeback_for_month",
            json!({"organization_id": ACME, "month": "2025-05-01"}),
        )
        .await;
    assert_eq!(
        only_request(&h, "GET", &path).query,
        q(&[("month", "2025-05-01")])
    );
    assert_eq!(v["is_final"], true);
    h.clear();
    h.ok(
        "get_chargeback_for_month",
        json!({"organization_id": ACME, "month": "2025-05-17", "aggregate_flows": false}),
    )
    .await;
    assert_eq!(h.requests()[0].query, q(&[("month", "2025-05-17")]));
    h.clear();
    h.ok(
        "get_chargeback_for_month",
        json!({"organization_id": ACME, "month": "2025-05-01", "aggregate_flows": true}),
    )
    .await;
    assert_eq!(
        h.requests()[0].query,
        q(&[("month", "2025-05-01"), ("aggregate_flows", "true")])
    );
}

#[tokio::test]
async fn get_cost_allocation_summary_posts_defaults_and_notes_provisional_figures() {
    let h = Harness::start().await;
    let (v, _) = h
        .ok(
            "get_cost_allocation_summary",
            json!({"organization_id": ACME, "start_date": "2025-04-01", "end_date": "2025-05-31",
                   "view": "showback", "include_service_breakdown": true}),
        )
        .await;
    let req = only_request(
        &h,
        "POST",
        &format!("/api/v3/organizations/{ACME}/cost-allocation/summary"),
    );
    assert_eq!(
        req.body,
        Some(
            json!({"start_date": "2025-04-01", "end_date": "2025-05-31", "view": "showback",
                    "include_service_breakdown": true, "include_incomplete": false})
        )
    );
    assert!(!v["periods"].as_array().unwrap().is_empty());

    h.clear();
    let r = h
        .call(
            "get_cost_allocation_summary",
            json!({"organization_id": ACME, "start_date": "2025-06-01", "end_date": "2025-06-30",
                   "view": "chargeback", "include_incomplete": true, "nsm_key_id": NSM_KEY, "group_by": "team_id",
                   "filters": [{"dimension": "environment", "values": ["prod"]}], "pool_id": PLATFORM, "granularity": "month"}),
        )
        .await;
    assert_eq!(r.is_error, Some(false), "{:?}", texts(&r));
    assert_eq!(
        h.requests()[0].body,
        Some(
            json!({"start_date": "2025-06-01", "end_date": "2025-06-30", "view": "chargeback", "granularity": "month",
                    "include_service_breakdown": false, "pool_id": PLATFORM, "include_incomplete": true,
                    "nsm_key_id": NSM_KEY, "group_by": "team_id", "filters": [{"dimension": "environment", "values": ["prod"]}]})
        )
    );
    assert!(
        texts(&r)
            .iter()
            .any(|t| t == "Note: Some figures are provisional (is_final false) and may change."),
        "{:?}",
        texts(&r)
    );
}

#[tokio::test]
async fn get_unit_economics_posts_view_always() {
    let h = Harness::start().await;
    let (v, _) = h
        .ok(
            "get_unit_economics_for_cost_pools",
            json!({"organization_id": ACME, "start_date": "2025-05-01", "end_date": "2025-05-31",
                   "nsm_key_id": NSM_KEY, "group_by": "team_id"}),
        )
        .await;
    let req = only_request(
        &h,
        "POST",
        &format!("/api/v3/organizations/{ACME}/kpis/unit-economics"),
    );
    assert_eq!(
        req.body,
        Some(
            json!({"start_date": "2025-05-01", "end_date": "2025-05-31", "nsm_key_id": NSM_KEY,
                    "view": "showback", "group_by": "team_id"})
        )
    );
    assert!(v["pools"][0]["cost_per_unit"].is_number(), "{v}");
}

#[tokio::test]
async fn kpi_and_nsm_lists_return_bare_arrays_as_arrays() {
    let h = Harness::start().await;
    for (tool, path) in [
        ("list_nsm_keys", "metrics/nsm-keys"),
        ("list_kpi_definitions", "kpis/definitions"),
    ] {
        h.clear();
        let (v, r) = h.ok(tool, json!({"organization_id": ACME})).await;
        let req = only_request(&h, "GET", &format!("/api/v3/organizations/{ACME}/{path}"));
        assert!(req.query.is_empty());
        assert!(v.is_array(), "{tool}: {v}");
        assert!(!v.as_array().unwrap().is_empty());
        assert_eq!(
            r.structured_content, None,
            "{tool}: arrays are not structuredContent"
        );
        assert!(
            !texts(&r)[0].contains("\"0\":"),
            "never spread into an object"
        );
    }
}

#[tokio::test]
async fn list_kpis_and_time_series_repeat_kpi_ids() {
    let h = Harness::start().await;
    let (v, _) = h
        .ok(
            "list_kpis",
            json!({"organization_id": ACME, "kpi_ids": ["effective_savings_rate"]}),
        )
        .await;
    assert_eq!(
        only_request(
            &h,
            "GET",
            &format!("/api/v3/organizations/{ACME}/kpis/snapshots")
        )
        .query,
        q(&[("kpi_ids", "effective_savings_rate")])
    );
    assert_eq!(v["kpis"][0]["kpi_id"], "effective_savings_rate");
    h.clear();
    h.ok(
        "list_kpis",
        json!({"organization_id": ACME, "date": "2025-06-01", "kpi_ids": ["effective_savings_rate", "allocation_accuracy_index"]}),
    )
    .await;
    assert_eq!(
        h.requests()[0].query,
        q(&[
            ("date", "2025-06-01"),
            ("kpi_ids", "effective_savings_rate"),
            ("kpi_ids", "allocation_accuracy_index")
        ])
    );
    h.clear();
    let (v, _) = h
        .ok(
            "get_kpis_time_series",
            json!({"organization_id": ACME, "start_date": "2025-06-01", "end_date": "2025-06-03", "kpi_ids": ["allocation_accuracy_index"]}),
        )
        .await;
    assert_eq!(
        only_request(
            &h,
            "GET",
            &format!("/api/v3/organizations/{ACME}/kpis/time-series")
        )
        .query,
        q(&[
            ("start_date", "2025-06-01"),
            ("end_date", "2025-06-03"),
            ("kpi_ids", "allocation_accuracy_index")
        ])
    );
    assert_eq!(v["series"][0]["values"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn list_pools_always_sends_a_permission() {
    let h = Harness::start().await;
    let path = format!("/restapi/v2/organizations/{ACME}/pools");
    let (v, _) = h.ok("list_pools", json!({"organization_id": ACME})).await;
    assert_eq!(
        only_request(&h, "GET", &path).query,
        q(&[("permission", "INFO_ORGANIZATION")])
    );
    assert_eq!(v["pools"].as_array().unwrap().len(), 4);
    h.clear();
    h.ok(
        "list_pools",
        json!({"organization_id": ACME, "scope": "mine"}),
    )
    .await;
    assert_eq!(
        h.requests()[0].query,
        q(&[
            ("permission", "MANAGE_RESOURCES"),
            ("permission", "MANAGE_OWN_RESOURCES")
        ])
    );
}

#[tokio::test]
async fn get_pool_sends_details_and_children() {
    let h = Harness::start().await;
    let (v, _) = h.ok("get_pool", json!({"pool_id": ENGINEERING})).await;
    assert_eq!(
        only_request(&h, "GET", &format!("/restapi/v2/pools/{ENGINEERING}")).query,
        q(&[("details", "true"), ("children", "true")])
    );
    assert_eq!(v["name"], "Engineering");
    assert!(
        v["children"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == PLATFORM)
    );
    h.clear();
    h.ok(
        "get_pool",
        json!({"pool_id": ENGINEERING, "include_children": false, "details": false}),
    )
    .await;
    assert_eq!(
        h.requests()[0].query,
        q(&[("details", "false"), ("children", "false")])
    );
}

#[tokio::test]
async fn list_data_sources_drops_config() {
    let h = Harness::start().await;
    let path = format!("/restapi/v2/organizations/{ACME}/cloud_accounts");
    let (v, _) = h
        .ok("list_data_sources", json!({"organization_id": ACME}))
        .await;
    assert_eq!(
        only_request(&h, "GET", &path).query,
        q(&[("details", "true")])
    );
    let accounts = v["cloud_accounts"].as_array().unwrap();
    assert_eq!(accounts.len(), 3);
    assert!(accounts.iter().all(|a| a.get("config").is_none()));
    assert!(accounts[0]["details"].is_object());
    h.clear();
    h.ok(
        "list_data_sources",
        json!({"organization_id": ACME, "type": "aws_cnr", "details": false}),
    )
    .await;
    assert_eq!(
        h.requests()[0].query,
        q(&[("details", "false"), ("type", "aws_cnr")])
    );
}

#[tokio::test]
async fn list_resources_sends_the_compact_field_set_and_notes_the_rest() {
    let h = Harness::start().await;
    let path = format!("/restapi/v2/organizations/{ACME}/clean_expenses");
    let (v, r) = h
        .ok(
            "list_resources",
            json!({"organization_id": ACME, "start_date": "2025-06-01", "end_date": "2025-06-14", "limit": 1,
                   "owner_ids": [ALICE_ACME], "name_like": "web*"}),
        )
        .await;
    let mut expected = vec![
        ("start_date", "1748736000"),
        ("end_date", "1749945599"),
        ("limit", "1"),
        ("owner_id", ALICE_ACME),
        ("name_like", "web*"),
    ];
    for f in [
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
    ] {
        expected.push(("field", f));
    }
    assert_eq!(only_request(&h, "GET", &path).query, q(&expected));
    assert_eq!(v["clean_expenses"][0]["resource_name"], "web-1");
    let _ = r;

    h.clear();
    let (v, r) = h
        .ok(
            "list_resources",
            json!({"organization_id": ACME, "start_date": "2025-06-01", "end_date": "2025-06-14", "limit": 2,
                   "fields": ["id", "owner.name"]}),
        )
        .await;
    assert_eq!(
        h.requests()[0].query,
        q(&[
            ("start_date", "1748736000"),
            ("end_date", "1749945599"),
            ("limit", "2"),
            ("field", "id"),
            ("field", "owner.name")
        ])
    );
    assert_eq!(v["clean_expenses"].as_array().unwrap().len(), 2);
    let note = texts(&r)
        .into_iter()
        .find(|t| t.starts_with("Note: Showing the 2 most expensive of"))
        .expect("note");
    assert!(note.ends_with("raise limit or add filters."), "{note}");

    h.clear();
    h.ok(
        "list_resources",
        json!({"organization_id": ACME, "start_date": "2025-06-01", "end_date": "2025-06-14", "all_fields": true}),
    )
    .await;
    assert_eq!(
        h.requests()[0].query,
        q(&[
            ("start_date", "1748736000"),
            ("end_date", "1749945599"),
            ("limit", "50")
        ])
    );
}

#[tokio::test]
async fn get_resource_sends_details() {
    let h = Harness::start().await;
    let (v, _) = h.ok("get_resource", json!({"resource_id": WEB_1})).await;
    assert_eq!(
        only_request(&h, "GET", &format!("/restapi/v2/cloud_resources/{WEB_1}")).query,
        q(&[("details", "true")])
    );
    assert_eq!(v["name"], "web-1");
}

#[tokio::test]
async fn list_anomalies_sends_types_and_hit_days_when_positive() {
    let h = Harness::start().await;
    let path = format!("/restapi/v2/organizations/{ACME}/organization_constraints");
    let (v, _) = h
        .ok("list_anomalies", json!({"organization_id": ACME}))
        .await;
    assert_eq!(
        only_request(&h, "GET", &path).query,
        q(&[
            ("type", "expense_anomaly"),
            ("type", "resource_count_anomaly"),
            ("hit_days", "7")
        ])
    );
    assert!(
        v["organization_constraints"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == ANOMALY)
    );
    h.clear();
    h.ok(
        "list_anomalies",
        json!({"organization_id": ACME, "types": ["tagging_policy"], "hit_days": 0}),
    )
    .await;
    assert_eq!(h.requests()[0].query, q(&[("type", "tagging_policy")]));
}

#[tokio::test]
async fn list_anomaly_hits_filters_sorts_and_cuts_tool_side() {
    let h = Harness::start().await;
    let path = format!("/restapi/v2/organizations/{ACME}/organization_limit_hits");
    let (v, r) = h
        .ok(
            "list_anomaly_hits",
            json!({"organization_id": ACME, "since": "2025-06-05", "limit": 3}),
        )
        .await;
    assert!(
        only_request(&h, "GET", &path).query.is_empty(),
        "since and limit are not sent"
    );
    let hits = v["organization_limit_hits"].as_array().unwrap();
    assert_eq!(hits.len(), 3);
    let times: Vec<i64> = hits
        .iter()
        .map(|h| h["created_at"].as_i64().unwrap())
        .collect();
    assert!(
        times.windows(2).all(|w| w[0] >= w[1]),
        "newest first: {times:?}"
    );
    assert!(times.iter().all(|t| *t >= 1_749_081_600));
    let note = texts(&r)
        .into_iter()
        .find(|t| t.starts_with("Note: Showing 3 of "))
        .expect("note");
    assert!(note.ends_with(" violations since 2025-06-05."), "{note}");

    h.clear();
    let (v, _) = h
        .ok(
            "list_anomaly_hits",
            json!({"organization_id": ACME, "constraint_id": ANOMALY}),
        )
        .await;
    assert_eq!(h.requests()[0].query, q(&[("constraint_id", ANOMALY)]));
    assert_eq!(v["organization_limit_hits"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn list_employees_sends_both_flags() {
    let h = Harness::start().await;
    let (v, _) = h
        .ok("list_employees", json!({"organization_id": ACME}))
        .await;
    assert_eq!(
        only_request(
            &h,
            "GET",
            &format!("/restapi/v2/organizations/{ACME}/employees")
        )
        .query,
        q(&[("roles", "true"), ("current_only", "false")])
    );
    assert!(
        v["employees"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["name"] == "Alice Adams")
    );
    h.clear();
    let (v, _) = h
        .ok(
            "list_employees",
            json!({"organization_id": ACME, "include_roles": false, "current_user_only": true}),
        )
        .await;
    assert_eq!(
        h.requests()[0].query,
        q(&[("roles", "false"), ("current_only", "true")])
    );
    assert_eq!(v["employees"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn every_organization_tool_works_for_beta_too() {
    let h = Harness::start().await;
    for (tool, extra) in [
        ("list_nsm_keys", json!({})),
        ("list_pools", json!({})),
        ("list_data_sources", json!({})),
        ("list_employees", json!({})),
        ("get_dimension_lookups", json!({})),
        ("list_recommendations", json!({})),
        ("list_anomalies", json!({})),
        (
            "get_expenses",
            json!({"start_date": "2025-06-01", "end_date": "2025-06-14"}),
        ),
        (
            "list_resources",
            json!({"start_date": "2025-06-01", "end_date": "2025-06-14"}),
        ),
    ] {
        let mut args = extra;
        args["organization_id"] = Value::from(BETA);
        let (v, _) = h.ok(tool, args).await;
        assert!(!v.is_null(), "{tool}");
    }
}

/// OptScale's services answer in Python's `json.dumps` style (`", "`, `": "`,
/// `\uXXXX`): the results, notes and cuts must be the same as for compact bodies.
#[tokio::test]
async fn python_style_bodies_give_the_same_results() {
    let h = Harness::start().await;
    let calls = [
        ("list_organizations", json!({})),
        (
            "get_expenses",
            json!({"organization_id": ACME, "start_date": "2025-05-01", "end_date": "2025-05-31",
                   "granularity": "total", "group_by": ["data_source_id"]}),
        ),
        (
            "list_resources",
            json!({"organization_id": ACME, "start_date": "2025-06-01", "end_date": "2025-06-14", "limit": 2}),
        ),
        ("list_data_sources", json!({"organization_id": ACME})),
        (
            "get_expenses_breakdown",
            json!({"organization_id": ACME, "start_date": "2025-06-01", "end_date": "2025-06-02"}),
        ),
        (
            "list_recommendations",
            json!({"organization_id": ACME, "limit": 1}),
        ),
    ];
    let mut compact = Vec::new();
    for (tool, args) in &calls {
        compact.push(h.call(tool, args.clone()).await);
    }
    h.options(json!({"json_style": "python"})).await;
    let served = http_client()
        .get(format!("{}/restapi/v2/organizations", h.sim.base_url()))
        .bearer_auth("sim-alice")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        served.starts_with("{\"organizations\": ["),
        "not Python style: {served}"
    );
    for ((tool, args), before) in calls.iter().zip(compact) {
        let after = h.call(tool, args.clone()).await;
        assert_eq!(after.is_error, Some(false), "{tool}: {:?}", texts(&after));
        assert_eq!(texts(&after), texts(&before), "{tool}");
        assert_eq!(
            after.structured_content, before.structured_content,
            "{tool}"
        );
        assert!(!texts(&after)[0].contains("\": "), "{tool}: not compact");
        if *tool == "get_expenses" {
            assert!(
                texts(&after)
                    .iter()
                    .any(|t| t.starts_with("Note: Rows contain data_source_id")),
                "the key is found in the compacted text"
            );
        }
    }
}
