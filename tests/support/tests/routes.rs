//! Every route answers alice with the documented shape (tools.md 14.8, E1–E23).

mod common;

use common::*;
use serde_json::{Value, json};

#[tokio::test]
async fn e1_organizations() {
    let t = T::new().await;
    let r = t.get("alice", "/restapi/v2/organizations").await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("content-type"),
        Some("application/json; charset=utf-8")
    );
    assert_eq!(
        r.header("content-length"),
        Some(r.text.len().to_string().as_str())
    );
    assert!(!r.text.contains(": "), "compact JSON");
    assert_eq!(
        r.json["organizations"][0],
        json!({"id": ACME, "name": "Acme Corp", "pool_id": ACME_ROOT, "currency": "USD", "is_demo": false,
               "created_at": 1704067200, "deleted_at": 0, "cleaned_at": 0})
    );
    assert_eq!(r.json["organizations"][1]["currency"], "EUR");
    assert_eq!(r.json["organizations"].as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn e2_expenses_by_month_service_and_data_source() {
    let t = T::new().await;
    let body = json!({"start_date": "2025-05-01", "end_date": "2025-05-31", "granularity": "month",
                      "group_by": ["service_name", "data_source_id"], "metrics": ["effective_cost", "billed_cost"],
                      "order_by": [{"field": "billed_cost", "direction": "desc"}]});
    let r = t.post("alice", &v3(ACME, "expenses"), &body).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let v = &r.json;
    assert_keys(
        v,
        &[
            "start_date",
            "end_date",
            "granularity",
            "currency",
            "group_by",
            "metrics",
            "rows",
            "totals",
            "total_count",
        ],
    );
    assert_eq!(v["currency"], "USD");
    let rows = v["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 5);
    assert_eq!(v["total_count"], 5);
    let ec2 = &rows[0];
    assert_eq!(
        keys(ec2),
        [
            "date",
            "service_name",
            "data_source_id",
            "effective_cost",
            "billed_cost",
            "resource_count"
        ]
    );
    assert_eq!(ec2["date"], "2025-05-01");
    assert_eq!(ec2["service_name"], "AmazonEC2");
    assert_eq!(ec2["data_source_id"], AWS_PRODUCTION);
    assert_eq!(ec2["resource_count"], 2);
    // Rows are ordered by billed cost, and the totals add up.
    let billed: Vec<f64> = rows
        .iter()
        .map(|r| r["billed_cost"].as_f64().unwrap_or(0.0))
        .collect();
    assert!(billed.windows(2).all(|w| w[0] >= w[1]), "{billed:?}");
    let sum: f64 = billed.iter().sum();
    assert!((sum - v["totals"]["billed_cost"].as_f64().unwrap_or(0.0)).abs() < 0.05);
    // Effective cost is 0.9 x billed on line 1 only.
    assert!(ec2["effective_cost"].as_f64() < ec2["billed_cost"].as_f64());
    assert_eq!(rows[1]["effective_cost"], rows[1]["billed_cost"]);
}

#[tokio::test]
async fn expenses_aggregate_granularities_tags_filters_and_currency() {
    let t = T::new().await;
    let path = v3(ACME, "expenses");
    // Day granularity: one row per day (14 June days with data, 6 lines, no grouping).
    let r = t
        .post(
            "alice",
            &path,
            &json!({"start_date": "2025-06-01", "end_date": "2025-06-30", "granularity": "day"}),
        )
        .await;
    assert_eq!(r.json["total_count"], 14);
    assert_eq!(r.json["rows"][0]["date"], "2025-06-01");
    assert_eq!(r.json["rows"][0]["resource_count"], 6);
    // Week buckets start on Monday; total has no date.
    let r = t
        .post(
            "alice",
            &path,
            &json!({"start_date": "2025-06-01", "end_date": "2025-06-14", "granularity": "week"}),
        )
        .await;
    let dates: Vec<&str> = r.json["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["date"].as_str())
        .collect();
    assert_eq!(dates, ["2025-05-26", "2025-06-02", "2025-06-09"]);
    let r = t
        .post(
            "alice",
            &path,
            &json!({"start_date": "2025-06-01", "end_date": "2025-06-14", "granularity": "total"}),
        )
        .await;
    assert!(r.json["rows"][0].get("date").is_none());
    let total_usd = r.json["totals"]["billed_cost"].as_f64().unwrap();
    // Currency conversion with the fixed rates (USD 1, EUR 0.9).
    let r = t
        .post("alice", &path, &json!({"start_date": "2025-06-01", "end_date": "2025-06-14", "granularity": "total", "currency": "EUR"}))
        .await;
    assert_eq!(r.json["currency"], "EUR");
    assert!((r.json["totals"]["billed_cost"].as_f64().unwrap() - total_usd * 0.9).abs() < 0.05);
    // Tag groups: tag:<key> for values, tag_key for keys.
    let r = t
        .post(
            "alice",
            &path,
            &json!({"start_date": "2025-06-01", "end_date": "2025-06-14", "group_by": [{"type": "values", "key": "Environment"}],
                    "order_by": [{"field": "billed_cost", "direction": "desc"}]}),
        )
        .await;
    let envs: Vec<Value> = r.json["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["tag:Environment"].clone())
        .collect();
    assert_eq!(envs, [json!("prod"), json!("dev"), Value::Null]);
    let r = t
        .post("alice", &path, &json!({"start_date": "2025-06-01", "end_date": "2025-06-14", "group_by": [{"type": "keys"}]}))
        .await;
    let mut tag_keys: Vec<Value> = r.json["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["tag_key"].clone())
        .collect();
    tag_keys.sort_by_key(|v| v.to_string());
    assert_eq!(tag_keys, [json!("Environment"), json!("Team"), Value::Null]);
    // Filters: include/exclude, tags, ranges; group by pool.
    let r = t
        .post(
            "alice",
            &path,
            &json!({"start_date": "2025-06-01", "end_date": "2025-06-14", "group_by": ["pool_id"],
                    "filters": {"region_id": {"exclude": ["westeurope"]}, "tags": [{"key": "Environment", "include": ["prod"]}],
                                "billed_cost": [{"value": 20, "op": "gte"}]},
                    "metrics": ["billed_cost", "consumed_quantity", "list_cost"], "limit": 1,
                    "order_by": [{"field": "billed_cost"}]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["total_count"], 2, "{}", r.text);
    assert_eq!(r.json["rows"].as_array().unwrap().len(), 1);
    let row = &r.json["rows"][0];
    assert_eq!(row["pool_id"], PLATFORM);
    // Lines 1 (web-1) and 6 (api pod) pass the billed >= 20 range; 24 hours each per day.
    assert_eq!(row["consumed_quantity"], 14.0 * 48.0);
    let list = row["list_cost"].as_f64().unwrap();
    assert!((list - row["billed_cost"].as_f64().unwrap() * 1.15).abs() < 0.05);
    // data_source_id grouping with a data source filter.
    let r = t
        .post(
            "alice",
            &path,
            &json!({"start_date": "2025-06-01", "end_date": "2025-06-14", "group_by": ["provider", "data_source_id", "rule_id"],
                    "filters": {"data_source_id": [AWS_PRODUCTION]}}),
        )
        .await;
    assert!(
        r.json["rows"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["provider"] == "AWS" && r["data_source_id"] == AWS_PRODUCTION)
    );
}

#[tokio::test]
async fn e3_dimension_values_in_both_styles() {
    let t = T::new().await;
    let path = v3(ACME, "expenses/dimensions/query");
    let body = json!({"dimension": {"dimension_type": "standard", "name": "service_name"}, "search": "ama", "limit": 100});
    let r = t.post("alice", &path, &body).await;
    assert_eq!(
        r.json,
        json!({"dimension": {"dimension_type": "standard", "name": "service_name"}, "values": ["AmazonEC2", "AmazonRDS", "AmazonS3"], "count": 3, "has_more": false})
    );
    let all = |name: &str| json!({"dimension": {"dimension_type": "standard", "name": name}, "limit": 100});
    let r = t.post("alice", &path, &all("service_name")).await;
    assert_eq!(
        r.json["values"],
        json!([
            "AmazonEC2",
            "AmazonRDS",
            "AmazonS3",
            "Virtual Machines",
            "kubernetes"
        ])
    );
    let r = t.post("alice", &path, &all("region_id")).await;
    assert_eq!(
        r.json["values"],
        json!(["eu-west-1", "us-central1", "us-east-1", "westeurope"])
    );
    let r = t.post("alice", &path, &all("provider")).await;
    assert_eq!(r.json["values"], json!(["AWS", "Kubernetes", "Microsoft"]));
    let r = t.post("alice", &path, &all("charge_category")).await;
    assert_eq!(r.json["values"], json!(["Usage"]));
    let r = t.post("alice", &path, &all("pricing_category")).await;
    assert_eq!(r.json["values"], json!(["Committed", "On-Demand"]));
    let r = t.post("alice", &path, &all("pool_id")).await;
    assert_eq!(r.json["values"], json!([ENGINEERING, PLATFORM, MARKETING]));
    let r = t.post("alice", &path, &json!({"dimension": {"dimension_type": "standard", "name": "service_name"}, "limit": 2})).await;
    assert_eq!(r.json["count"], 5);
    assert_eq!(r.json["has_more"], true);
    assert_eq!(r.json["values"].as_array().map(Vec::len), Some(2));
    // Tag keys and values.
    let r = t
        .post(
            "alice",
            &path,
            &json!({"dimension": {"dimension_type": "tag", "tag_type": "keys"}}),
        )
        .await;
    assert_eq!(r.json["values"], json!(["Environment", "Team"]));
    let r = t
        .post("alice", &path, &json!({"dimension": {"dimension_type": "tag", "tag_type": "values", "key": "Environment"}, "search": "PRO"}))
        .await;
    assert_eq!(r.json["values"], json!(["prod"]));
    let r = t
        .post(
            "alice",
            &path,
            &json!({"dimension": {"dimension_type": "tag", "tag_type": "values", "key": "Nope"}}),
        )
        .await;
    assert_eq!(r.status, 400);
    // Objects style.
    t.control(
        "POST",
        "/__sim/options",
        Some(&json!({"dimension_values_style": "objects"})),
    )
    .await;
    let r = t.post("alice", &path, &all("data_source_id")).await;
    assert_eq!(
        r.json["values"][0],
        json!({"value": AWS_PRODUCTION, "label": "AWS Production"})
    );
    let r = t.post("alice", &path, &all("service_name")).await;
    assert_eq!(
        r.json["values"][0],
        json!({"value": "AmazonEC2", "label": "AmazonEC2"})
    );
}

#[tokio::test]
async fn e4_lookups_in_both_styles() {
    let t = T::new().await;
    let path = v3(
        ACME,
        "expenses/dimensions/lookups?include_pools=true&include_data_sources=true",
    );
    let r = t.get("alice", &path).await;
    assert_eq!(
        r.json["data_sources"][AWS_PRODUCTION],
        json!({"name": "AWS Production", "provider": "AWS", "type": "aws_cnr"})
    );
    assert_eq!(
        r.json["pools"][PLATFORM],
        json!({"name": "Platform", "purpose": "project", "parent_id": ENGINEERING})
    );
    let r = t
        .get(
            "alice",
            &v3(
                ACME,
                "expenses/dimensions/lookups?include_pools=false&include_data_sources=true",
            ),
        )
        .await;
    assert!(r.json.get("pools").is_none());
    t.control(
        "POST",
        "/__sim/options",
        Some(&json!({"lookups_style": "array"})),
    )
    .await;
    let r = t.get("alice", &path).await;
    assert_eq!(r.json["data_sources"][0]["id"], AWS_PRODUCTION);
    assert_eq!(r.json["data_sources"][0]["name"], "AWS Production");
    assert!(
        r.json["pools"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["id"] == PLATFORM && p["name"] == "Platform")
    );
}

#[tokio::test]
async fn e5_breakdown_expenses() {
    let t = T::new().await;
    let path = v2(
        ACME,
        &format!(
            "breakdown_expenses?start_date={JUNE_1}&end_date={JUNE_14_END}&breakdown_by=pool_id"
        ),
    );
    let r = t.get("alice", &path).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let v = &r.json;
    assert_eq!(v["start_date"], 1748736000);
    assert_eq!(v["end_date"], 1749945599);
    assert_eq!(v["previous_range_start"], 1747526400);
    assert_eq!(v["breakdown_by"], "pool_id");
    assert_keys(v, &["total", "previous_total", "counts", "breakdown"]);
    let platform = &v["counts"][PLATFORM];
    assert_eq!(platform["name"], "Platform");
    assert_eq!(platform["purpose"], "project");
    assert_keys(platform, &["total", "previous_total"]);
    assert_eq!(v["breakdown"].as_object().map(|m| m.len()), Some(14));
    assert_eq!(v["breakdown"]["1748736000"][PLATFORM]["name"], "Platform");
    // Totals agree with the sum over counts.
    let sum: f64 = v["counts"]
        .as_object()
        .unwrap()
        .values()
        .map(|c| c["total"].as_f64().unwrap())
        .sum();
    assert!((sum - v["total"].as_f64().unwrap()).abs() < 0.05);
    // Days without cost are empty objects; owner breakdown names employees and has "null".
    let r = t
        .get("alice", &v2(ACME, "breakdown_expenses?start_date=1749945600&end_date=1750031999&breakdown_by=employee_id"))
        .await;
    assert_eq!(r.json["breakdown"]["1749945600"], json!({}));
    assert_eq!(r.json["counts"][ALICE_ACME]["name"], "Alice Adams");
    assert!(r.json["counts"].get("null").is_some());
}

#[tokio::test]
async fn e6_e7_recommendations_and_scenarios() {
    let t = T::new().await;
    let r = t
        .post(
            "alice",
            &v3(ACME, "recommendations"),
            &json!({"offset": 0, "limit": 50}),
        )
        .await;
    assert_eq!(r.json["total"], 4);
    assert_eq!(r.json["offset"], 0);
    assert_eq!(r.json["limit"], 50);
    let first = &r.json["items"][0];
    assert_eq!(first["id"], "a8000000-0000-4000-8000-000000000001");
    assert_eq!(first["scenario_tags"], json!(["resize", "oversized"]));
    assert_eq!(first["resource_id"], "i-0a1b2c3d4e5f60001");
    assert_eq!(first["annual_savings"], 17100.0);
    assert_eq!(first["last_seen_at"], "2025-06-14T06:00:00Z");
    assert_keys(
        first,
        &[
            "status",
            "severity",
            "data_source_id",
            "resource_name",
            "resource_type",
            "region",
            "service",
            "current_monthly_cost",
            "target_monthly_cost",
            "monthly_savings",
            "evidence",
            "assignee_id",
            "created_at",
        ],
    );
    let r = t
        .post(
            "alice",
            &v3(ACME, "recommendations"),
            &json!({"scenario_tags": ["quick_win"], "status": ["open"], "offset": 0, "limit": 50}),
        )
        .await;
    assert_eq!(r.json["total"], 1);
    assert_eq!(r.json["items"][0]["resource_name"], "data-vol");
    let r = t
        .post(
            "alice",
            &v3(ACME, "recommendations"),
            &json!({"sort_by": "severity", "sort_direction": "desc", "offset": 1, "limit": 1}),
        )
        .await;
    assert_eq!(r.json["items"][0]["severity"], "high");
    let r = t
        .post(
            "alice",
            &v3(BETA, "recommendations"),
            &json!({"offset": 0, "limit": 50}),
        )
        .await;
    assert_eq!(r.json["total"], 1);
    let r = t
        .get(
            "alice",
            &v3(ACME, "recommendations/scenarios?cloud_provider=aws_cnr"),
        )
        .await;
    let s = &r.json["scenarios"][0];
    assert_eq!(s["scenario_id"], "aws_ec2_oversized");
    assert_eq!(
        s["thresholds"][0],
        json!({"threshold_id": "cpu_p95_percent", "name": "CPU p95 below", "default_value": 20, "unit": "percent"})
    );
    assert!(
        r.json["scenarios"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["cloud_provider"] == "aws_cnr")
    );
    let r = t.get("alice", &v3(ACME, "recommendations/scenarios")).await;
    assert!(r.json["scenarios"].as_array().unwrap().len() > 3);
}

#[tokio::test]
async fn e8_optimizations() {
    let t = T::new().await;
    let r = t
        .get(
            "alice",
            &v2(
                ACME,
                "optimizations?type=rightsizing_instances&status=active&limit=10",
            ),
        )
        .await;
    let v = &r.json;
    assert_eq!(v["id"], "ae000000-0000-4000-8000-000000000001");
    assert_eq!(v["total_saving"], 520.5);
    assert_eq!(v["last_run"], 1749880800);
    assert_eq!(v["next_run"], 1749895200);
    let rs = &v["optimizations"]["rightsizing_instances"];
    assert_eq!(rs["count"], 1);
    assert_eq!(rs["limit"], 10);
    assert_eq!(rs["items"][0]["resource_name"], "web-1");
    assert_eq!(rs["items"][0]["cloud_account_name"], "AWS Production");
    assert_eq!(
        v["optimizations"]["obsolete_snapshots"],
        json!({"count": 2, "saving": 100.0})
    );
    let r = t.get("alice", &v2(ACME, "optimizations")).await;
    assert!(
        r.json["optimizations"]["rightsizing_instances"]
            .get("items")
            .is_none()
    );
    let r = t.get("alice", &v2(BETA, "optimizations")).await;
    assert_eq!(r.json["optimizations"], json!({}));
    assert_eq!(r.json["total_saving"], 0.0);
}

#[tokio::test]
async fn e9_allocation_month() {
    let t = T::new().await;
    let r = t
        .get("alice", &v3(ACME, "cost-allocation/month?month=2025-05-01"))
        .await;
    let v = &r.json;
    assert_eq!(v["period_start"], "2025-05-01");
    assert_eq!(v["period_end"], "2025-05-31");
    assert_eq!(v["status"], "completed");
    assert_eq!(v["is_final"], true);
    assert_eq!(v["started_at"], "2025-06-01T02:00:00Z");
    let stages: Vec<&str> = v["stages"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["step"].as_str())
        .collect();
    assert_eq!(
        stages,
        ["data_source_to_rule", "rule_to_pool", "pool_to_pool"]
    );
    let flows = v["flow_details"].as_array().unwrap();
    let p2p: Vec<&Value> = flows
        .iter()
        .filter(|f| f["step"] == "pool_to_pool")
        .collect();
    assert_eq!(
        p2p.len(),
        31 * 2,
        "one flow per service (EC2, kubernetes) and day"
    );
    assert_eq!(p2p[0]["source_name"], "Platform");
    assert_eq!(p2p[0]["target_name"], "Marketing");
    assert!(p2p[0]["date"].is_string() && p2p[0]["service_name"].is_string());
    let platform = v["pool_snapshots"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["pool_id"] == PLATFORM)
        .cloned()
        .unwrap();
    let allocated = platform["allocated_cost"].as_f64().unwrap();
    assert!((platform["sent_cost"].as_f64().unwrap() - allocated * 0.25).abs() < 0.02);
    assert!((v["stages"][2]["total_cost"].as_f64().unwrap() - allocated * 0.25).abs() < 0.02);
    let r = t
        .get(
            "alice",
            &v3(
                ACME,
                "cost-allocation/month?month=2025-05-17&aggregate_flows=true",
            ),
        )
        .await;
    let flows = r.json["flow_details"].as_array().unwrap();
    assert!(
        flows
            .iter()
            .all(|f| f["service_name"].is_null() && f["date"].is_null())
    );
    assert_eq!(
        flows.iter().filter(|f| f["step"] == "pool_to_pool").count(),
        1
    );
    let r = t
        .get("alice", &v3(ACME, "cost-allocation/month?month=2025-06-03"))
        .await;
    assert_eq!(r.json["is_final"], false);
}

#[tokio::test]
async fn e10_allocation_summary() {
    let t = T::new().await;
    let path = v3(ACME, "cost-allocation/summary");
    let body = json!({"start_date": "2025-04-01", "end_date": "2025-05-31", "view": "showback",
                      "include_service_breakdown": true, "include_incomplete": false});
    let r = t.post("alice", &path, &body).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let v = &r.json;
    assert_eq!(v["granularity"], "month");
    assert_eq!(v["is_final"], true);
    assert_eq!(v["incomplete_periods"], json!([]));
    assert_eq!(v["unit_economics"], Value::Null);
    let april = &v["periods"][0];
    assert_eq!(april["period"], "2025-04");
    let platform = april["pools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["pool_id"] == PLATFORM)
        .cloned()
        .unwrap();
    assert_eq!(platform["pool_name"], "Platform");
    let services: Vec<&str> = platform["services"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["service_name"].as_str())
        .collect();
    assert_eq!(services, ["AmazonEC2", "kubernetes"]);
    // Chargeback moves 25 % of Platform to Marketing.
    let mut cb = body.clone();
    cb["view"] = json!("chargeback");
    let r2 = t.post("alice", &path, &cb).await;
    let p2 = r2.json["periods"][0]["pools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["pool_id"] == PLATFORM)
        .cloned()
        .unwrap();
    assert!(
        (p2["cost"].as_f64().unwrap() - platform["cost"].as_f64().unwrap() * 0.75).abs() < 0.02
    );
    // The current month is incomplete unless asked for.
    let r = t
        .post(
            "alice",
            &path,
            &json!({"start_date": "2025-05-01", "end_date": "2025-06-30", "view": "showback"}),
        )
        .await;
    assert_eq!(r.json["incomplete_periods"], json!(["2025-06"]));
    let r = t
        .post("alice", &path, &json!({"start_date": "2025-06-01", "end_date": "2025-06-30", "view": "showback", "include_incomplete": true,
                                       "nsm_key_id": NSM_KEY, "group_by": "team_id"}))
        .await;
    assert_eq!(r.json["is_final"], false);
    assert_eq!(r.json["periods"][0]["is_final"], false);
    assert_eq!(r.json["unit_economics"]["nsm_key_id"], NSM_KEY);
    assert!(r.json["unit_economics"]["pools"][0]["dimension_breakdown"].is_array());
}

#[tokio::test]
async fn e11_unit_economics() {
    let t = T::new().await;
    let path = v3(ACME, "kpis/unit-economics");
    let body = json!({"start_date": "2025-05-01", "end_date": "2025-05-31", "nsm_key_id": NSM_KEY, "view": "showback",
                      "pool_id": PLATFORM, "group_by": "team_id"});
    let r = t.post("alice", &path, &body).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let p = &r.json["pools"][0];
    assert_eq!(r.json["group_by"], "team_id");
    assert_eq!(p["pool_id"], PLATFORM);
    let cost = p["cost"].as_f64().unwrap();
    let nsm = p["nsm_total"].as_f64().unwrap();
    assert!(nsm > 29_000_000.0 && nsm < 33_000_000.0, "{nsm}");
    assert!((p["cost_per_unit"].as_f64().unwrap() - cost / nsm).abs() < 1e-8);
    let b = p["dimension_breakdown"].as_array().unwrap();
    assert_eq!(b[0]["value"], "checkout");
    assert_eq!(b[0]["share"], 0.6);
    assert_eq!(b[1]["value"], "search");
    // Filters shrink the denominator; the cost stays.
    let mut f = body.clone();
    f["filters"] = json!([{"dimension": "environment", "values": ["prod"]}]);
    let r2 = t.post("alice", &path, &f).await;
    let p2 = &r2.json["pools"][0];
    assert_eq!(p2["cost"], p["cost"]);
    assert!((p2["nsm_total"].as_f64().unwrap() - nsm * 0.9).abs() < 1.0);
    let mut g = body.clone();
    g["group_by"] = json!("region");
    assert_eq!(t.post("alice", &path, &g).await.status, 400);
}

#[tokio::test]
async fn e12_to_e15_nsm_and_kpis() {
    let t = T::new().await;
    let r = t.get("alice", &v3(ACME, "metrics/nsm-keys")).await;
    assert_eq!(
        r.json,
        json!([{"id": NSM_KEY, "name": "API requests", "granularity": "daily", "allowed_dimensions": ["team_id", "environment"],
                "pool_id": PLATFORM, "unit": "requests"}])
    );
    let r = t.get("alice", &v3(BETA, "metrics/nsm-keys")).await;
    assert_eq!(r.json, json!([]));
    let r = t.get("alice", &v3(ACME, "kpis/definitions")).await;
    let defs = r.json.as_array().unwrap();
    assert_eq!(defs.len(), 3);
    assert_keys(
        &defs[0],
        &[
            "kpi_id",
            "name",
            "description",
            "unit",
            "category",
            "favorable_direction",
            "formula",
        ],
    );
    let r = t
        .get(
            "alice",
            &v3(ACME, "kpis/snapshots?kpi_ids=effective_savings_rate"),
        )
        .await;
    assert_eq!(r.json["date"], "2025-06-14");
    assert_eq!(r.json["kpis"][0]["kpi_id"], "effective_savings_rate");
    assert_eq!(r.json["kpis"][0]["calculated_at"], "2025-06-15T06:00:00Z");
    let esr = r.json["kpis"][0]["value"].as_f64().unwrap();
    assert!(esr > 3.0 && esr < 6.0, "{esr}");
    let r = t.get("alice", &v3(ACME, "kpis/snapshots")).await;
    assert_eq!(r.json["kpis"].as_array().map(Vec::len), Some(3));
    let r = t
        .get("alice", &v3(ACME, "kpis/time-series?start_date=2025-06-01&end_date=2025-06-03&kpi_ids=allocation_accuracy_index"))
        .await;
    let values = r.json["series"][0]["values"].as_array().unwrap();
    assert_eq!(values.len(), 3);
    assert_eq!(values[0]["period_date"], "2025-06-01");
    assert_eq!(values[0]["calculated_at"], "2025-06-02T06:00:00Z");
    let aai = values[0]["value"].as_f64().unwrap();
    assert!(aai > 95.0 && aai < 98.0, "{aai}");
    // Beta's KPIs are null before 2025-01-01.
    let r = t
        .get("alice", &v3(BETA, "kpis/snapshots?date=2024-12-15"))
        .await;
    assert!(
        r.json["kpis"]
            .as_array()
            .unwrap()
            .iter()
            .all(|k| k["value"].is_null())
    );
    let r = t
        .get(
            "alice",
            &v3(
                BETA,
                "kpis/snapshots?date=2025-03-15&kpi_ids=compute_commitment_coverage",
            ),
        )
        .await;
    assert_eq!(r.json["kpis"][0]["value"], 0.0);
}

#[tokio::test]
async fn e16_e17_pools() {
    let t = T::new().await;
    let r = t
        .get("alice", &v2(ACME, "pools?permission=INFO_ORGANIZATION"))
        .await;
    let pools = r.json["pools"].as_array().unwrap();
    assert_eq!(pools.len(), 4);
    let eng = pools.iter().find(|p| p["id"] == ENGINEERING).unwrap();
    assert_eq!(eng["full_name"], "Acme Corp->Engineering");
    assert_eq!(eng["pool_purpose"], "team");
    assert_eq!(eng["default_owner_name"], "Alice Adams");
    assert_eq!(eng["policies"][0]["type"], "total_expense_limit");
    let r = t
        .get(
            "alice",
            &format!("/restapi/v2/pools/{ENGINEERING}?details=true&children=true"),
        )
        .await;
    let v = &r.json;
    assert_eq!(v["unallocated_limit"], 18000);
    assert_eq!(v["saving"], 420.5);
    assert_eq!(v["total_recommendations"], 1);
    assert_keys(v, &["cost", "forecast", "policies", "children"]);
    let child = &v["children"][0];
    assert_eq!(child["name"], "Platform");
    assert_keys(child, &["cost", "forecast", "policies"]);
    // A pool's cost includes its descendants; forecast projects it to month end.
    let cost = v["cost"].as_f64().unwrap();
    assert!(cost > child["cost"].as_f64().unwrap());
    assert!((v["forecast"].as_f64().unwrap() - cost / 14.0 * 30.0).abs() < 0.05);
    let r = t
        .get(
            "alice",
            &format!("/restapi/v2/pools/{ACME_ROOT}?details=false&children=false"),
        )
        .await;
    assert!(r.json.get("cost").is_none() && r.json.get("children").is_none());
    assert_eq!(r.json["parent_id"], Value::Null);
}

#[tokio::test]
async fn e18_cloud_accounts() {
    let t = T::new().await;
    let r = t
        .get("alice", &v2(ACME, "cloud_accounts?details=true"))
        .await;
    let list = r.json["cloud_accounts"].as_array().unwrap();
    assert_eq!(list.len(), 3);
    let aws = &list[0];
    assert_eq!(aws["account_id"], "123456789012");
    assert_eq!(aws["last_import_at"], 1749870000);
    assert_eq!(aws["config"]["bucket_name"], "acme-cur");
    assert_eq!(aws["details"]["tracked"], 4);
    assert_keys(
        &aws["details"],
        &["cost", "forecast", "last_month_cost", "discovery_infos"],
    );
    let r = t
        .get(
            "alice",
            &v2(ACME, "cloud_accounts?details=false&type=aws_cnr"),
        )
        .await;
    let list = r.json["cloud_accounts"].as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert!(list[0].get("details").is_none());
}

#[tokio::test]
async fn e19_clean_expenses() {
    let t = T::new().await;
    let path = v2(
        ACME,
        &format!(
            "clean_expenses?start_date={JUNE_1}&end_date={JUNE_14_END}&limit=1&field=id&field=resource_name&field=cost&field=owner.name"
        ),
    );
    let r = t.get("alice", &path).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let item = &r.json["clean_expenses"][0];
    assert_eq!(keys(item), ["id", "resource_name", "cost", "owner"]);
    assert_eq!(item["id"], WEB_1);
    assert_eq!(item["owner"], json!({"name": "Alice Adams"}));
    assert_eq!(r.json["total_count"], 6);
    assert_eq!(r.json["limit"], 1);
    // Full items, most expensive first.
    let r = t
        .get(
            "alice",
            &v2(
                ACME,
                &format!("clean_expenses?start_date={JUNE_1}&end_date={JUNE_14_END}&limit=50"),
            ),
        )
        .await;
    let items = r.json["clean_expenses"].as_array().unwrap();
    assert_eq!(items.len(), 6);
    let costs: Vec<f64> = items.iter().map(|i| i["cost"].as_f64().unwrap()).collect();
    assert!(costs.windows(2).all(|w| w[0] >= w[1]));
    assert_keys(
        &items[0],
        &[
            "cloud_resource_id",
            "resource_type",
            "service_name",
            "region",
            "cloud_account_name",
            "pool",
            "total_cost",
            "saving",
            "active",
            "tags",
            "applied_rules",
            "traffic_expenses",
        ],
    );
    let sum: f64 = costs.iter().sum();
    assert!((sum - r.json["total_cost"].as_f64().unwrap()).abs() < 0.05);
}

#[tokio::test]
async fn e20_cloud_resource() {
    let t = T::new().await;
    let r = t
        .get(
            "alice",
            &format!("/restapi/v2/cloud_resources/{WEB_1}?details=true"),
        )
        .await;
    let v = &r.json;
    assert_eq!(v["cloud_resource_id"], "i-0a1b2c3d4e5f60001");
    assert_eq!(v["first_seen"], 1719792000);
    assert_eq!(v["last_seen"], 1749945599);
    assert_eq!(
        v["tags"],
        json!({"Environment": "prod", "Team": "platform"})
    );
    assert_eq!(v["meta"], json!({"flavor": "m5.2xlarge"}));
    assert_eq!(
        v["recommendations"]["modules"][0],
        json!({"name": "rightsizing_instances", "saving": 420.5})
    );
    assert_eq!(v["details"]["pool_name"], "Platform");
    assert_eq!(v["details"]["owner_name"], "Alice Adams");
    assert_keys(
        &v["details"],
        &[
            "cloud_type",
            "cloud_name",
            "total_cost",
            "cost",
            "forecast",
            "policies",
            "constraints",
        ],
    );
    let r = t
        .get(
            "alice",
            &format!("/restapi/v2/cloud_resources/{WEB_1}?details=false"),
        )
        .await;
    assert!(r.json.get("details").is_none());
}

#[tokio::test]
async fn e21_e22_constraints_and_hits() {
    let t = T::new().await;
    let r = t.get("alice", &v2(ACME, "organization_constraints?type=expense_anomaly&type=resource_count_anomaly&hit_days=7")).await;
    let list = r.json["organization_constraints"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    let anomaly = &list[0];
    assert_eq!(
        anomaly["definition"],
        json!({"threshold": 30, "threshold_days": 7})
    );
    assert_eq!(anomaly["last_run"], 1749967200);
    assert_eq!(
        anomaly["last_run_result"]["breakdown"]
            .as_object()
            .map(|m| m.len()),
        Some(7)
    );
    let hit = &anomaly["limit_hits"][0];
    assert_eq!(hit["id"], "a6000000-0000-4000-8000-000000000001");
    assert_eq!(hit["created_at"], 1749582000);
    assert!(hit["value"].as_f64().unwrap() > hit["constraint_limit"].as_f64().unwrap());
    assert_eq!(list[1]["limit_hits"], json!([]));
    // Without hit_days no limit_hits; unknown types are ignored.
    let r = t
        .get(
            "alice",
            &v2(
                ACME,
                "organization_constraints?type=recurring_budget&type=bogus",
            ),
        )
        .await;
    let list = r.json["organization_constraints"].as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert!(list[0].get("limit_hits").is_none());
    assert_eq!(list[0]["filters"]["pool"][0]["name"], "Engineering");
    assert_eq!(list[0]["last_run_result"]["limit"], 25000);
    let r = t
        .get(
            "alice",
            &v2(
                ACME,
                "organization_limit_hits?constraint_id=a5000000-0000-4000-8000-000000000004",
            ),
        )
        .await;
    let hits = r.json["organization_limit_hits"].as_array().unwrap();
    assert_eq!(hits.len(), 15, "one per day from 2025-06-01 to today");
    assert_eq!(
        hits[0],
        json!({"id": "a6000000-0000-4000-8000-000000000010", "organization_id": ACME, "constraint_id": "a5000000-0000-4000-8000-000000000004",
               "constraint_limit": 0, "value": 1, "run_result": {"value": 1}, "created_at": 1748739600, "deleted_at": 0})
    );
    let r = t.get("alice", &v2(ACME, "organization_limit_hits")).await;
    assert_eq!(
        r.json["organization_limit_hits"].as_array().map(Vec::len),
        Some(16)
    );
    let r = t.get("alice", &v2(BETA, "organization_limit_hits")).await;
    assert_eq!(r.json["organization_limit_hits"], json!([]));
}

#[tokio::test]
async fn e23_employees() {
    let t = T::new().await;
    let r = t
        .get(
            "alice",
            &v2(ACME, "employees?roles=true&current_only=false"),
        )
        .await;
    let list = r.json["employees"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    let alice = &list[0];
    assert_eq!(alice["auth_user_id"], "alice");
    assert_eq!(alice["last_login"], 1749900000);
    assert_eq!(alice["user_email"], "alice@example.com");
    assert_eq!(
        alice["assignments"][0],
        json!({"assignment_id": "a3000000-0000-4000-8000-0000000000a1", "assignment_resource_id": ACME,
               "assignment_resource_name": "Acme Corp", "assignment_resource_type": "organization",
               "assignment_resource_purpose": "business_unit", "role_name": "Manager", "purpose": "optscale_manager"})
    );
    let r = t
        .get(
            "alice",
            &v2(ACME, "employees?roles=false&current_only=true"),
        )
        .await;
    let list = r.json["employees"].as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert!(list[0].get("assignments").is_none());
    // Members do not see last_login; bob's assignment is his pool.
    let r = t
        .get("bob", &v2(BETA, "employees?roles=true&current_only=false"))
        .await;
    let bob = r.json["employees"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["auth_user_id"] == "bob")
        .cloned()
        .unwrap();
    assert!(bob.get("last_login").is_none());
    assert_eq!(
        bob["assignments"][0]["assignment_resource_id"],
        DATA_SCIENCE
    );
    assert_eq!(bob["assignments"][0]["role_name"], "Engineer");
}

#[tokio::test]
async fn well_known_metadata() {
    let t = T::new().await;
    let r = t
        .send("GET", "/.well-known/oauth-protected-resource", None, None)
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json,
        json!({"resource": t.sim.base_url(), "authorization_servers": ["http://127.0.0.1/unset-issuer"],
               "bearer_methods_supported": ["header"], "scopes_supported": ["openid", "profile", "email"]})
    );
}
