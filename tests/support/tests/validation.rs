//! The validation answers of tools.md 14.5, OptScale codes and texts exactly.

mod common;

use common::*;
use serde_json::json;

async fn optscale(t: &T, path: &str) -> (u16, String, String) {
    let r = t.get("alice", path).await;
    (r.status, r.code().to_string(), r.reason().to_string())
}

fn clean(q: &str) -> String {
    v2(ACME, &format!("clean_expenses?{q}"))
}

fn breakdown(q: &str) -> String {
    v2(ACME, &format!("breakdown_expenses?{q}"))
}

fn err(status: u16, code: &str, reason: &str) -> (u16, String, String) {
    (status, code.to_string(), reason.to_string())
}

#[tokio::test]
async fn expense_route_rules() {
    let t = T::new().await;
    let dates = format!("start_date={JUNE_1}&end_date={JUNE_14_END}");
    for route in [clean as fn(&str) -> String, breakdown] {
        assert_eq!(
            optscale(&t, &route(&format!("{dates}&format2=x&foo=1&format2=y"))).await,
            err(400, "OE0212", "Unexpected parameters: format2, foo")
        );
        assert_eq!(
            optscale(&t, &route(&format!("end_date={JUNE_14_END}"))).await,
            err(400, "OE0216", "start_date is not provided")
        );
        assert_eq!(
            optscale(&t, &route(&format!("start_date={JUNE_1}"))).await,
            err(400, "OE0216", "end_date is not provided")
        );
        assert_eq!(
            optscale(
                &t,
                &route(&format!("start_date=2025-06-01&end_date={JUNE_14_END}"))
            )
            .await,
            err(400, "OE0223", "start_date should be integer")
        );
        assert_eq!(
            optscale(
                &t,
                &route(&format!("start_date={JUNE_14_END}&end_date={JUNE_1}"))
            )
            .await,
            err(400, "OE0446", "end_date should be greater than start_date")
        );
        assert_eq!(
            optscale(&t, &route(&format!("{dates}&active=yes"))).await,
            err(400, "OE0217", "Invalid active")
        );
        assert_eq!(
            optscale(&t, &route(&format!("{dates}&active=TRUE")))
                .await
                .0,
            200
        );
        assert_eq!(
            optscale(&t, &route(&format!("{dates}&resource_type=Instance"))).await,
            err(400, "OE0499", "Incorrect resource type identity")
        );
        assert_eq!(
            optscale(&t, &route(&format!("{dates}&resource_type=Instance:weird"))).await,
            err(400, "OE0499", "Incorrect resource type identity")
        );
        let missing = "a1000000-0000-4000-8000-000000000099";
        assert_eq!(
            optscale(
                &t,
                &route(&format!("{dates}&pool_id={missing}%2B&pool_id={NIL}"))
            )
            .await,
            err(
                404,
                "OE0470",
                &format!(
                    "The following pool_id filter values do not match any object: ['{missing}']"
                )
            )
        );
        assert_eq!(
            optscale(&t, &route(&format!("{dates}&owner_id={BETA}")))
                .await
                .1,
            "OE0470",
            "ids of other organizations do not match"
        );
        assert_eq!(
            optscale(&t, &route(&format!("{dates}&name_like=*%3F*"))).await,
            err(
                400,
                "OE0496",
                "name_like should not consist of only wildcards"
            )
        );
    }
    assert_eq!(
        optscale(&t, &clean(&format!("{dates}&breakdown_by=pool_id"))).await,
        err(400, "OE0212", "Unexpected parameters: breakdown_by")
    );
    assert_eq!(
        optscale(&t, &breakdown(&format!("{dates}&limit=5"))).await,
        err(400, "OE0212", "Unexpected parameters: limit")
    );
    assert_eq!(
        optscale(&t, &breakdown(&format!("{dates}&breakdown_by=owner"))).await,
        err(400, "OE0217", "Invalid breakdown_by")
    );
    assert_eq!(
        optscale(&t, &clean(&format!("{dates}&limit=0"))).await,
        err(
            400,
            "OE0224",
            "Value of \"limit\" should be between 1 and 2147483647"
        )
    );
    assert_eq!(
        optscale(&t, &clean(&format!("{dates}&limit=abc"))).await,
        err(400, "OE0217", "Invalid limit")
    );
    // 365 days, both ends included, is the longest breakdown.
    let start = 1718409600; // 2024-06-15
    let ok = breakdown(&format!(
        "start_date={start}&end_date={}",
        start + 364 * 86400 + 86399
    ));
    assert_eq!(optscale(&t, &ok).await.0, 200);
    let too_long = breakdown(&format!(
        "start_date={start}&end_date={}",
        start + 365 * 86400
    ));
    assert_eq!(
        optscale(&t, &too_long).await,
        err(
            400,
            "OE0515",
            "The interval between dates should be less than a year"
        )
    );
}

#[tokio::test]
async fn expense_route_filters_select_resources() {
    let t = T::new().await;
    let dates = format!("start_date={JUNE_1}&end_date={JUNE_14_END}&limit=50&field=resource_name");
    let names = |r: &Resp| -> Vec<String> {
        let mut v: Vec<String> = r.json["clean_expenses"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|i| i["resource_name"].as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    };
    let q = |extra: &str| clean(&format!("{dates}&{extra}"));
    assert_eq!(
        names(&t.get("alice", &q(&format!("pool_id={ENGINEERING}"))).await),
        ["acme-logs", "orders-db"]
    );
    assert_eq!(
        names(
            &t.get("alice", &q(&format!("pool_id={ENGINEERING}%2B")))
                .await
        ),
        ["acme-logs", "api", "data-vol", "orders-db", "web-1"],
        "a trailing + takes the sub-pools too"
    );
    assert_eq!(
        names(&t.get("alice", &q(&format!("owner_id={NIL}"))).await),
        ["acme-logs"]
    );
    assert_eq!(
        names(&t.get("alice", &q(&format!("owner_id={DAVE_ACME}"))).await),
        ["mkt-vm-1", "orders-db"]
    );
    assert_eq!(
        names(
            &t.get("alice", &q("region=us-east-1&service_name=AmazonEC2"))
                .await
        ),
        ["data-vol", "web-1"]
    );
    assert_eq!(
        names(
            &t.get("alice", &q("resource_type=RDS+Instance%3Aregular"))
                .await
        ),
        ["orders-db"]
    );
    assert_eq!(names(&t.get("alice", &q("tag=Team")).await), ["web-1"]);
    assert_eq!(
        names(&t.get("alice", &q("without_tag=Environment")).await),
        ["acme-logs"]
    );
    assert_eq!(
        names(
            &t.get(
                "alice",
                &q("k8s_namespace=api&k8s_node=node-1&k8s_service=api")
            )
            .await
        ),
        ["api"]
    );
    assert_eq!(
        names(&t.get("alice", &q("recommendations=true")).await),
        ["web-1"]
    );
    assert_eq!(
        names(&t.get("alice", &q("constraint_violated=true")).await),
        ["acme-logs"]
    );
    assert_eq!(
        names(&t.get("alice", &q("active=false")).await),
        Vec::<String>::new()
    );
    assert_eq!(
        names(&t.get("alice", &q("name_like=*VOL")).await),
        ["data-vol"]
    );
    assert_eq!(
        names(&t.get("alice", &q("cloud_resource_id_like=i-0a1b%3F")).await),
        ["web-1"]
    );
    assert_eq!(
        names(
            &t.get("alice", &q(&format!("cloud_account_id={AWS_PRODUCTION}")))
                .await
        )
        .len(),
        4
    );
}

#[tokio::test]
async fn other_optscale_rules() {
    let t = T::new().await;
    assert_eq!(
        optscale(&t, &v2(ACME, "optimizations?limit=5")).await,
        err(400, "OE0212", "Unexpected parameters: limit")
    );
    assert_eq!(
        optscale(&t, &v2(ACME, "optimizations?status=active")).await,
        err(400, "OE0212", "Unexpected parameters: status")
    );
    assert_eq!(
        optscale(
            &t,
            &v2(ACME, "optimizations?type=rightsizing_instances&status=open")
        )
        .await,
        err(
            400,
            "OE0460",
            "Status should be active, dismissed or excluded"
        )
    );
    assert_eq!(
        optscale(
            &t,
            &v2(ACME, "optimizations?type=rightsizing_instances&limit=0")
        )
        .await,
        err(
            400,
            "OE0224",
            "Value of \"limit\" should be between 1 and 2147483647"
        )
    );
    assert_eq!(
        optscale(&t, &v2(ACME, "cloud_accounts?type=aws")).await,
        err(400, "OE0217", "Invalid type")
    );
    assert_eq!(
        optscale(&t, &v2(ACME, "cloud_accounts?type=gcp_tenant"))
            .await
            .0,
        200
    );
    assert_eq!(
        optscale(&t, &v2(ACME, "cloud_accounts?details=maybe")).await,
        err(400, "OE0217", "Invalid details")
    );
    assert_eq!(
        optscale(
            &t,
            &v2(ACME, "employees?current_only=true&exclude_myself=true")
        )
        .await,
        err(
            400,
            "OE0427",
            "Current_only and exclude_myself could not be true at the same time"
        )
    );
    assert_eq!(
        optscale(&t, &v2(ACME, "employees?roles=1")).await,
        err(400, "OE0217", "Invalid roles")
    );
    assert_eq!(
        optscale(&t, &v2(ACME, "organization_constraints?hit_days=seven")).await,
        err(400, "OE0223", "hit_days should be integer")
    );
    assert_eq!(
        optscale(
            &t,
            &format!("/restapi/v2/pools/{ENGINEERING}?details=yes&children=true")
        )
        .await,
        err(400, "OE0217", "Invalid details")
    );
}

async fn v3_error(t: &T, path: &str, body: serde_json::Value) -> Resp {
    t.post("alice", path, &body).await
}

#[tokio::test]
async fn v3_body_checks_answer_422_lists() {
    let t = T::new().await;
    let path = v3(ACME, "expenses");
    let r = v3_error(
        &t,
        &path,
        json!({"start_date": "2025-06-01", "end_date": "2025-06-14", "limit": 10001}),
    )
    .await;
    assert_eq!(r.status, 422);
    assert_eq!(
        r.json["detail"][0],
        json!({"type": "less_than_equal", "loc": ["body", "limit"], "msg": "Input should be less than or equal to 10000", "input": 10001})
    );
    let r = v3_error(
        &t,
        &path,
        json!({"start_date": "2025-02-29", "granularity": "hour", "group_by": ["service_name", "service_name"],
               "metrics": [], "region": ["x"], "filters": {"region": ["x"], "service_name": []}}),
    )
    .await;
    assert_eq!(r.status, 422);
    let locs: Vec<String> = r.json["detail"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["loc"].to_string())
        .collect();
    for expected in [
        r#"["body","start_date"]"#,
        r#"["body","end_date"]"#,
        r#"["body","granularity"]"#,
        r#"["body","group_by"]"#,
        r#"["body","metrics"]"#,
        r#"["body","filters","region"]"#,
        r#"["body","filters","service_name"]"#,
        r#"["body","region"]"#,
    ] {
        assert!(
            locs.iter().any(|l| l == expected),
            "{expected} not in {locs:?}"
        );
    }
    let types: Vec<&str> = r.json["detail"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["type"].as_str())
        .collect();
    assert!(
        types.contains(&"missing") && types.contains(&"extra_forbidden") && types.contains(&"enum"),
        "{types:?}"
    );
    // Tag spec rules, currency case, limit as 10.0, order_by enum.
    let r = v3_error(
        &t,
        &path,
        json!({"start_date": "2025-06-01", "end_date": "2025-06-14", "group_by": [{"type": "values"}, {"type": "keys", "key": "x"}],
               "currency": "eur", "order_by": [{"field": "cost"}], "limit": 10.5}),
    )
    .await;
    let msgs: Vec<&str> = r.json["detail"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["msg"].as_str())
        .collect();
    assert!(
        msgs.contains(&"Value error, key is required when type is values"),
        "{msgs:?}"
    );
    assert!(
        msgs.contains(&"Value error, key must be omitted when type is keys"),
        "{msgs:?}"
    );
    assert!(
        msgs.contains(&"Input should be a valid integer, got a number with a fractional part"),
        "{msgs:?}"
    );
    assert_eq!(
        r.json["detail"].as_array().map(Vec::len),
        Some(5),
        "{}",
        r.text
    );
    let r = v3_error(
        &t,
        &path,
        json!({"start_date": "2025-06-01", "end_date": "2025-06-14", "limit": 10.0}),
    )
    .await;
    assert_eq!(r.status, 200);
    // Broken or missing bodies.
    let r = t.send("POST", &path, Some("sim-alice"), None).await;
    assert_eq!(r.status, 422);
    assert_eq!(r.json["detail"][0]["loc"], json!(["body"]));
    // Dimension query rules.
    let dq = v3(ACME, "expenses/dimensions/query");
    let r = v3_error(
        &t,
        &dq,
        json!({"dimension": {"dimension_type": "tag", "tag_type": "values"}}),
    )
    .await;
    assert_eq!(
        r.json["detail"][0]["msg"],
        "Value error, key is required when tag_type is values"
    );
    let r = v3_error(
        &t,
        &dq,
        json!({"dimension": {"dimension_type": "tag", "tag_type": "keys", "key": "Env"}}),
    )
    .await;
    assert_eq!(
        r.json["detail"][0]["msg"],
        "Value error, key must be omitted when tag_type is keys"
    );
    let r = v3_error(
        &t,
        &dq,
        json!({"dimension": {"dimension_type": "standard", "name": "sku_id"}, "limit": 0}),
    )
    .await;
    assert_eq!(r.json["detail"].as_array().map(Vec::len), Some(2));
    let r = v3_error(
        &t,
        &dq,
        json!({"dimension": {"dimension_type": "standard", "name": "provider"}, "search": ""}),
    )
    .await;
    assert_eq!(r.json["detail"][0]["type"], "string_too_short");
    // Recommendations.
    let r = v3_error(
        &t,
        &v3(ACME, "recommendations"),
        json!({"limit": 501, "status": ["closed"], "data_source_id": ["x"], "sort_by": "cost"}),
    )
    .await;
    assert_eq!(
        r.json["detail"].as_array().map(Vec::len),
        Some(4),
        "{}",
        r.text
    );
}

#[tokio::test]
async fn v3_query_checks() {
    let t = T::new().await;
    let r = t
        .get(
            "alice",
            &v3(ACME, "kpis/snapshots?kpi_ids=esr&date=2025-13-01&extra=1"),
        )
        .await;
    assert_eq!(r.status, 422);
    let locs: Vec<String> = r.json["detail"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["loc"].to_string())
        .collect();
    assert_eq!(
        locs,
        [
            r#"["query","date"]"#,
            r#"["query","kpi_ids",0]"#,
            r#"["query","extra"]"#
        ]
    );
    let r = t
        .get("alice", &v3(ACME, "kpis/time-series?start_date=2025-06-01"))
        .await;
    assert_eq!(
        r.json["detail"][0],
        json!({"type": "missing", "loc": ["query", "end_date"], "msg": "Field required"})
    );
    let r = t
        .get(
            "alice",
            &v3(ACME, "expenses/dimensions/lookups?include_pools=perhaps"),
        )
        .await;
    assert_eq!(r.json["detail"][0]["type"], "bool_parsing");
    let r = t
        .get(
            "alice",
            &v3(ACME, "recommendations/scenarios?cloud_provider=aws"),
        )
        .await;
    assert_eq!(r.status, 422);
    let r = t.get("alice", &v3(ACME, "cost-allocation/month")).await;
    assert_eq!(r.status, 422);
}

#[tokio::test]
async fn v3_semantic_400s() {
    let t = T::new().await;
    let r = t
        .post("alice", &v3(ACME, "expenses"), &json!({"start_date": "2025-06-01", "end_date": "2025-06-14",
                                                      "filters": {"region_id": ["us-east-1"], "service_name": ["EC2", "AmazonEC2", "S3"]}}))
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json,
        json!({"detail": "Invalid filter value(s) for service_name: EC2, S3"})
    );
    let r = t
        .post("alice", &v3(ACME, "expenses"), &json!({"start_date": "2025-06-01", "end_date": "2025-06-14",
                                                      "filters": {"region_id": {"exclude": ["mars-1"]}}}))
        .await;
    assert_eq!(
        r.json,
        json!({"detail": "Invalid filter value(s) for region_id: mars-1"})
    );
    let r = t
        .post("alice", &v3(ACME, "expenses"), &json!({"start_date": "2025-06-01", "end_date": "2025-06-14",
                                                      "filters": {"tags": [{"key": "Environment", "include": ["prd"]}]}}))
        .await;
    assert_eq!(
        r.json,
        json!({"detail": "Invalid filter value(s) for tags: Environment=prd"})
    );
    for route in ["cost-allocation/summary", "kpis/unit-economics"] {
        let base = json!({"view": "showback", "nsm_key_id": NSM_KEY});
        let mut b = base.clone();
        b["start_date"] = json!("2025-03-15");
        b["end_date"] = json!("2025-03-31");
        let r = t.post("alice", &v3(ACME, route), &b).await;
        assert_eq!(
            (r.status, r.json.clone()),
            (
                400,
                json!({"detail": "start_date must be the first day of a month"})
            ),
            "{route}"
        );
        b["start_date"] = json!("2025-03-01");
        b["end_date"] = json!("2025-03-30");
        let r = t.post("alice", &v3(ACME, route), &b).await;
        assert_eq!(
            (r.status, r.json.clone()),
            (
                400,
                json!({"detail": "end_date must be the last day of a month"})
            ),
            "{route}"
        );
        b["end_date"] = json!("2024-02-29");
        b["start_date"] = json!("2024-02-01");
        assert_eq!(
            t.post("alice", &v3(ACME, route), &b).await.status,
            200,
            "leap years are counted"
        );
    }
    let r = t
        .post("alice", &v3(ACME, "cost-allocation/summary"), &json!({"start_date": "2025-05-01", "end_date": "2025-05-31", "view": "showback", "group_by": "team_id"}))
        .await;
    assert_eq!(r.status, 400);
    let r = t
        .post(
            "alice",
            &v3(BETA, "kpis/unit-economics"),
            &json!({"start_date": "2025-05-01", "end_date": "2025-05-31", "nsm_key_id": NSM_KEY}),
        )
        .await;
    assert_eq!(r.status, 404);
}
