//! The control API (tools.md 14.6): faults, route switches, styles, the request log
//! and reset.

mod common;

use std::time::{Duration, Instant};

use common::*;
use serde_json::{Value, json};

const ORGS: &str = "/restapi/v2/organizations";

#[tokio::test]
async fn latency_and_times() {
    let t = T::new().await;
    t.fault(json!({"match": {"method": "GET", "path": ORGS}, "times": 2, "fault": {"kind": "latency", "ms": 300}})).await;
    for _ in 0..2 {
        let start = Instant::now();
        assert_eq!(t.get("alice", ORGS).await.status, 200);
        assert!(start.elapsed() >= Duration::from_millis(300));
    }
    let start = Instant::now();
    t.get("alice", ORGS).await;
    assert!(
        start.elapsed() < Duration::from_millis(300),
        "the rule is used up"
    );
    // A method that does not match leaves the rule alone.
    t.fault(json!({"match": {"method": "POST", "path": ORGS}, "fault": {"kind": "status", "status": 500}})).await;
    assert_eq!(t.get("alice", ORGS).await.status, 200);
    let rules = t.control("GET", "/__sim/faults", None).await;
    assert_eq!(rules.json.as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn status_faults() {
    let t = T::new().await;
    t.fault(json!({"match": {"path": "/restapi/v2/**"}, "fault": {"kind": "status", "status": 429, "retry_after": 2}})).await;
    let r = t.get("alice", ORGS).await;
    assert_eq!(r.status, 429);
    assert_eq!(r.header("retry-after"), Some("2"));
    assert_eq!(r.code(), "OE0000");
    t.fault(json!({"match": {"path": "/api/v3/organizations/*/expenses"}, "fault": {"kind": "status", "status": 429, "retry_after": 3, "retry_after_date": true}})).await;
    let r = t.post("alice", &v3(ACME, "expenses"), &json!({})).await;
    assert_eq!(r.status, 429);
    let date = r.header("retry-after").expect("retry-after");
    let when = httpdate_parse(date);
    assert!(when > std::time::SystemTime::now(), "{date}");
    assert_eq!(r.json, json!({"detail": "Too Many Requests"}));
    for status in [500, 502, 503, 504] {
        t.fault(json!({"match": {"path": ORGS}, "fault": {"kind": "status", "status": status}}))
            .await;
        let r = t.get("alice", ORGS).await;
        assert_eq!(r.status, status);
        assert_eq!(r.json["error"]["status_code"], status);
    }
    t.fault(json!({"match": {"path": "/restapi/v2/pools/*"}, "fault": {"kind": "status", "status": 404,
        "body": {"error": {"status_code": 404, "error_code": "OE0002", "reason": "Pool x not found", "params": []}}}})).await;
    let r = t
        .get(
            "alice",
            &format!("/restapi/v2/pools/{ENGINEERING}?details=true&children=true"),
        )
        .await;
    assert_eq!((r.status, r.code()), (404, "OE0002"));
}

fn httpdate_parse(s: &str) -> std::time::SystemTime {
    httpdate::parse_http_date(s).expect("an HTTP date")
}

#[tokio::test]
async fn broken_bodies() {
    let t = T::new().await;
    t.fault(json!({"match": {"path": ORGS}, "fault": {"kind": "malformed_json"}}))
        .await;
    let r = t.get("alice", ORGS).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("content-type"),
        Some("application/json; charset=utf-8")
    );
    assert!(
        serde_json::from_str::<Value>(&r.text).is_err(),
        "{}",
        r.text
    );
    assert!(r.text.starts_with("{\"organizations\""));
    t.fault(json!({"match": {"path": ORGS}, "fault": {"kind": "html", "status": 502}}))
        .await;
    let r = t.get("alice", ORGS).await;
    assert_eq!(r.status, 502);
    assert_eq!(r.header("content-type"), Some("text/html"));
    assert!(r.text.contains("<title>502 Bad Gateway</title>"));
}

#[tokio::test]
async fn oversized_bodies() {
    let t = T::new().await;
    let path = v2(
        ACME,
        &format!("clean_expenses?start_date={JUNE_1}&end_date={JUNE_14_END}&limit=50"),
    );
    t.fault(json!({"match": {"path": "/restapi/v2/organizations/*/clean_expenses"}, "fault": {"kind": "oversized", "bytes": 300000}})).await;
    let r = t.get("alice", &path).await;
    assert_eq!(r.status, 200);
    assert!(r.text.len() >= 300_000);
    assert_eq!(
        r.header("content-length"),
        Some(r.text.len().to_string().as_str())
    );
    let items = r.json["clean_expenses"].as_array().expect("valid JSON");
    assert!(items.len() > 50);
    assert_eq!(
        items[items.len() - 1],
        items[0],
        "copies of the first element"
    );
    t.fault(json!({"match": {"path": "/restapi/v2/organizations/*/clean_expenses"}, "fault": {"kind": "oversized", "bytes": 2000000, "chunked": true}})).await;
    let r = t.get("alice", &path).await;
    assert!(r.header("content-length").is_none());
    assert_eq!(r.header("transfer-encoding"), Some("chunked"));
    assert!(r.text.len() >= 2_000_000);
    assert!(r.json.is_object());
}

#[tokio::test]
async fn unauthorized_not_offered_and_drop() {
    let t = T::new().await;
    t.fault(json!({"match": {"path": ORGS}, "fault": {"kind": "unauthorized"}}))
        .await;
    let r = t.get("alice", ORGS).await;
    assert_eq!((r.status, r.code()), (401, "OE0235"));
    assert!(
        r.header("www-authenticate")
            .unwrap_or("")
            .contains("error=\"invalid_token\"")
    );
    assert_eq!(t.get("alice", ORGS).await.status, 200, "one-off");
    t.fault(json!({"match": {"path": "/api/v3/**"}, "fault": {"kind": "not_offered"}}))
        .await;
    let r = t.get("alice", &v3(ACME, "kpis/definitions")).await;
    assert_eq!(
        (r.status, r.json.clone()),
        (404, json!({"detail": "Not Found"}))
    );
    t.fault(json!({"match": {"path": ORGS}, "fault": {"kind": "not_offered"}}))
        .await;
    let r = t.get("alice", ORGS).await;
    assert_eq!(
        r.json,
        json!({"error": {"status_code": 404, "error_code": "OE0257", "reason": "Not Found", "params": []}})
    );
    t.fault(json!({"match": {"path": ORGS}, "fault": {"kind": "drop"}}))
        .await;
    let err = t
        .http
        .get(t.url(ORGS))
        .header("authorization", "Bearer sim-alice")
        .send()
        .await;
    assert!(err.is_err(), "the connection closes without an answer");
    assert_eq!(t.get("alice", ORGS).await.status, 200);
    let log = t.sim.requests();
    assert_eq!(
        log.iter().filter(|r| r.status == 0).count(),
        1,
        "a dropped request is logged with status 0"
    );
    // Bad rules are refused.
    let r = t
        .send(
            "POST",
            "/__sim/faults",
            None,
            Some(&json!({"match": {"path": "/x"}, "fault": {"kind": "explode"}})),
        )
        .await;
    assert_eq!(r.status, 400);
    t.fault(
        json!({"match": {"path": "/**"}, "times": 0, "fault": {"kind": "status", "status": 503}}),
    )
    .await;
    for _ in 0..3 {
        assert_eq!(
            t.get("alice", ORGS).await.status,
            503,
            "times 0 = every request"
        );
    }
    t.control("DELETE", "/__sim/faults", None).await;
    assert_eq!(t.get("alice", ORGS).await.status, 200);
}

#[tokio::test]
async fn unknown_routes_and_route_switches() {
    let t = T::new().await;
    let r = t.get("alice", "/restapi/v2/nothing/here").await;
    assert_eq!(
        r.json,
        json!({"error": {"status_code": 404, "error_code": "OE0257", "reason": "Not Found", "params": []}})
    );
    let r = t.send("GET", "/restapi/v2/nothing", None, None).await;
    assert_eq!(r.status, 404, "unknown routes need no token");
    let r = t.get("alice", "/api/v3/nothing").await;
    assert_eq!(
        (r.status, r.json.clone()),
        (404, json!({"detail": "Not Found"}))
    );
    let r = t.get("alice", "/").await;
    assert_eq!(r.json, json!({"detail": "Not Found"}));
    let r = t.send("DELETE", ORGS, Some("sim-alice"), None).await;
    assert_eq!(r.status, 404);

    t.control(
        "POST",
        "/__sim/routes",
        Some(&json!({"disable": ["/restapi/v2/organizations/*/pools"]})),
    )
    .await;
    let r = t
        .get("alice", &v2(ACME, "pools?permission=INFO_ORGANIZATION"))
        .await;
    assert_eq!((r.status, r.code()), (404, "OE0257"));
    assert_eq!(
        t.get(
            "alice",
            &v2(ACME, "employees?roles=true&current_only=false")
        )
        .await
        .status,
        200
    );
    t.control("POST", "/__sim/routes", Some(&json!({"preset": "v3_only"})))
        .await;
    let inferred = [
        v2(
            ACME,
            &format!(
                "breakdown_expenses?start_date={JUNE_1}&end_date={JUNE_14_END}&breakdown_by=pool_id"
            ),
        ),
        v2(ACME, "optimizations"),
        v2(ACME, "pools?permission=INFO_ORGANIZATION"),
        format!("/restapi/v2/pools/{ENGINEERING}?details=true&children=true"),
        v2(ACME, "cloud_accounts?details=true"),
        v2(
            ACME,
            &format!("clean_expenses?start_date={JUNE_1}&end_date={JUNE_14_END}&limit=5"),
        ),
        format!("/restapi/v2/cloud_resources/{WEB_1}?details=true"),
        v2(ACME, "organization_constraints"),
        v2(ACME, "organization_limit_hits"),
        v2(ACME, "employees?roles=true&current_only=false"),
    ];
    for path in &inferred {
        let r = t.get("alice", path).await;
        assert_eq!((r.status, r.code()), (404, "OE0257"), "{path}");
    }
    assert_eq!(t.get("alice", ORGS).await.status, 200, "organizations stay");
    assert_eq!(
        t.get("alice", &v3(ACME, "kpis/definitions")).await.status,
        200
    );
    t.control("DELETE", "/__sim/routes", None).await;
    assert_eq!(t.get("alice", &inferred[0]).await.status, 200);
}

#[tokio::test]
async fn request_log_and_reset() {
    let t = T::new().await;
    let path = v2(ACME, "clean_expenses");
    let q = format!(
        "start_date={JUNE_1}&end_date={JUNE_14_END}&limit=5&pool_id={ENGINEERING}%2B&name_like=web+1&field=id&field=owner.name"
    );
    t.get("alice", &format!("{path}?{q}")).await;
    let body = json!({"start_date": "2025-06-01", "end_date": "2025-06-14"});
    t.post("bob", &v3(ACME, "expenses"), &body).await;
    t.send("GET", ORGS, None, None).await;
    t.control("GET", "/__sim/requests", None).await;
    let log = t.sim.requests();
    assert_eq!(log.len(), 3, "control routes are not logged");
    assert_eq!(log[0].method, "GET");
    assert_eq!(log[0].path, path);
    let pairs: Vec<(&str, &str)> = log[0]
        .query
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        pairs,
        [
            ("start_date", JUNE_1),
            ("end_date", JUNE_14_END),
            ("limit", "5"),
            ("pool_id", &format!("{ENGINEERING}+")),
            ("name_like", "web 1"),
            ("field", "id"),
            ("field", "owner.name")
        ]
    );
    assert_eq!(log[0].subject.as_deref(), Some("alice"));
    assert_eq!(log[0].status, 200);
    assert_eq!(log[0].body, None);
    assert!(
        log[0]
            .headers
            .iter()
            .any(|(k, v)| k == "authorization" && v == "Bearer <redacted>")
    );
    assert!(
        !log[0].headers.iter().any(|(k, _)| k == "content-type"),
        "GET has no content type"
    );
    assert_eq!(log[1].body, Some(body));
    assert_eq!(log[1].subject.as_deref(), Some("bob"));
    assert_eq!(log[1].status, 403);
    assert!(
        log[1]
            .headers
            .iter()
            .any(|(k, v)| k == "content-type" && v == "application/json")
    );
    assert_eq!(log[2].subject, None);
    assert_eq!(log[2].status, 401);
    // The JSON form of the log.
    let r = t.control("GET", "/__sim/requests", None).await;
    assert_eq!(
        r.json[0]["query"][3],
        json!(["pool_id", format!("{ENGINEERING}+")])
    );
    assert_eq!(r.json[0]["subject"], "alice");
    assert_eq!(r.json[2]["subject"], Value::Null);
    assert!(
        !r.text.contains("sim-alice") && !r.text.contains("sim-bob"),
        "tokens never logged"
    );
    t.control("DELETE", "/__sim/requests", None).await;
    assert!(t.sim.requests().is_empty());
    // Reset clears faults, switches, options and the log.
    t.fault(
        json!({"match": {"path": "/**"}, "times": 0, "fault": {"kind": "status", "status": 500}}),
    )
    .await;
    t.control("POST", "/__sim/routes", Some(&json!({"preset": "v3_only"})))
        .await;
    t.control(
        "POST",
        "/__sim/options",
        Some(&json!({"dimension_values_style": "objects", "lookups_style": "array", "json_style": "python"})),
    )
    .await;
    let r = t.control("GET", "/__sim/options", None).await;
    assert_eq!(r.json["json_style"], "python");
    t.control("POST", "/__sim/reset", None).await;
    assert_eq!(t.get("alice", &v2(ACME, "optimizations")).await.status, 200);
    let r = t.control("GET", "/__sim/options", None).await;
    assert_eq!(
        r.json,
        json!({"dimension_values_style": "strings", "lookups_style": "map", "json_style": "compact"})
    );
    assert_eq!(t.sim.requests().len(), 1);
    t.sim.clear_requests();
    assert!(t.sim.requests().is_empty());
    let r = t
        .send(
            "POST",
            "/__sim/options",
            None,
            Some(&json!({"lookups_style": "table"})),
        )
        .await;
    assert_eq!(r.status, 400);
}

#[tokio::test]
async fn many_concurrent_connections() {
    let t = T::new().await;
    let mut tasks = Vec::new();
    for i in 0..64 {
        let http = digiusher_sim::http_client();
        let url = t.url(&v3(ACME, "expenses"));
        tasks.push(tokio::spawn(async move {
            let mut ok = 0;
            for _ in 0..10 {
                let r = http
                    .post(&url)
                    .header("authorization", "Bearer sim-alice")
                    .json(&json!({"start_date": "2025-01-01", "end_date": "2025-06-14", "granularity": "day", "group_by": ["service_name"], "limit": 5 + i}))
                    .send()
                    .await;
                if r.is_ok_and(|r| r.status() == 200) {
                    ok += 1;
                }
            }
            ok
        }));
    }
    let mut total = 0;
    for task in tasks {
        total += task.await.unwrap_or(0);
    }
    assert_eq!(total, 640);
}

#[tokio::test]
async fn python_json_style_rewrites_success_bodies_only() {
    let t = T::new().await;
    let compact = t.get("alice", ORGS).await;
    assert!(!compact.text.contains("\": "), "{}", compact.text);
    t.control(
        "POST",
        "/__sim/options",
        Some(&json!({"json_style": "python"})),
    )
    .await;
    let python = t.get("alice", ORGS).await;
    assert_eq!(python.status, 200);
    assert!(
        python.text.starts_with("{\"organizations\": ["),
        "{}",
        python.text
    );
    assert!(python.text.contains("\", \""), "{}", python.text);
    assert_eq!(python.json, compact.json);
    let missing = t.get("alice", "/api/v3/no-such-route").await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.text, r#"{"detail":"Not Found"}"#);
}
