//! API failures become tool results that say what to do next, and the server keeps
//! serving the next call.

use std::time::{Duration, Instant};

use crate::common::*;
use serde_json::json;

async fn still_serving(h: &Harness) {
    h.clear();
    h.ok("list_organizations", empty()).await;
}

fn expenses_args() -> serde_json::Value {
    json!({"organization_id": ACME, "start_date": "2025-06-01", "end_date": "2025-06-14"})
}

#[tokio::test]
async fn a_rejected_static_token_says_how_to_fix_it() {
    let h = Harness::with(Options {
        token: Some("sim-expired"),
        ..Options::default()
    })
    .await;
    let msg = h.err("list_organizations", empty()).await;
    assert!(
        msg.starts_with("DigiUsher did not accept the token in DIGIUSHER_TOKEN. Set a valid token, or unset DIGIUSHER_TOKEN and run `digiusher-mcp login`"),
        "{msg}"
    );
    assert!(
        msg.contains(r#"(HTTP 401 OE0235: "Unauthorized")"#),
        "{msg}"
    );
    assert!(
        !msg.contains("sim-expired"),
        "the token never appears: {msg}"
    );
    let msg = h.err("list_pools", json!({"organization_id": ACME})).await;
    assert!(msg.contains("If other DigiUsher tools work, this deployment may not accept your sign-in on this endpoint."), "{msg}");
}

#[tokio::test]
async fn no_credential_means_no_request_and_a_login_hint() {
    // With sign-in from the host turned off; tests/host_sign_in.rs covers `auto`.
    let h = Harness::with(Options {
        token: None,
        extra_env: vec![("DIGIUSHER_SIGN_IN", "never".into())],
        ..Options::default()
    })
    .await;
    let msg = h.err("get_expenses", expenses_args()).await;
    assert_eq!(
        msg,
        "Not signed in to DigiUsher. Run `digiusher-mcp login` in a terminal (or set DIGIUSHER_TOKEN), then retry."
    );
    assert!(h.requests().is_empty());
}

#[tokio::test]
async fn forbidden_and_not_found_name_the_id_and_the_tool_to_call() {
    let h = Harness::with(Options {
        token: Some("sim-bob"),
        ..Options::default()
    })
    .await;
    let msg = h.err("get_expenses", expenses_args()).await;
    assert!(msg.starts_with(&format!("Your DigiUsher user cannot access organization {ACME}. Call list_organizations to see the organizations you can use. (HTTP 403")), "{msg}");
    let msg = h.err("list_pools", json!({"organization_id": ACME})).await;
    assert!(
        msg.starts_with(&format!(
            "Your DigiUsher user cannot access organization {ACME}."
        )),
        "{msg}"
    );
    assert!(msg.contains("OE0378"), "{msg}");
    let msg = h.err("get_pool", json!({"pool_id": ENGINEERING})).await;
    assert!(
        msg.starts_with("Your DigiUsher user is not allowed to read this pool. (HTTP 403 OE0234"),
        "{msg}"
    );

    let unknown = "e0000000-0000-4000-8000-000000000001";
    let msg = h
        .err("list_kpi_definitions", json!({"organization_id": unknown}))
        .await;
    assert!(
        msg.starts_with(
            "Not found: check organization_id; list_organizations gives valid ids. (HTTP 404"
        ),
        "{msg}"
    );
    let msg = h
        .err(
            "get_pool",
            json!({"pool_id": "a1000000-0000-4000-8000-000000000099"}),
        )
        .await;
    assert!(msg.starts_with("Not found: check pool_id;"), "{msg}");
    assert!(msg.contains("OE0002"), "{msg}");
    let msg = h
        .err(
            "get_resource",
            json!({"resource_id": "a4000000-0000-4000-8000-000000000099"}),
        )
        .await;
    assert!(
        msg.starts_with("Not found: check resource_id; list_resources gives valid ids."),
        "{msg}"
    );
    still_serving(&h).await;
}

#[tokio::test]
async fn missing_routes_of_inferred_tools_say_not_offered_and_name_the_alternative() {
    let h = Harness::start().await;
    h.routes(json!({"preset": "v3_only"})).await;
    let inferred = [
        (
            "get_expenses_breakdown",
            json!({"organization_id": ACME, "start_date": "2025-06-01", "end_date": "2025-06-02"}),
            "GET /restapi/v2/organizations/{organization_id}/breakdown_expenses",
            "Use get_expenses with granularity and group_by instead.",
        ),
        (
            "get_optimizations_summary",
            json!({"organization_id": ACME}),
            "GET /restapi/v2/organizations/{organization_id}/optimizations",
            "Use list_recommendations instead.",
        ),
        (
            "list_pools",
            json!({"organization_id": ACME}),
            "GET /restapi/v2/organizations/{organization_id}/pools",
            "Pool names are also available from get_dimension_lookups.",
        ),
        (
            "get_pool",
            json!({"pool_id": ENGINEERING}),
            "GET /restapi/v2/pools/{pool_id}",
            "Use get_cost_allocation_summary with pool_id for allocated cost.",
        ),
        (
            "list_data_sources",
            json!({"organization_id": ACME}),
            "GET /restapi/v2/organizations/{organization_id}/cloud_accounts",
            "Data source names and providers are also available from get_dimension_lookups.",
        ),
        (
            "list_resources",
            json!({"organization_id": ACME, "start_date": "2025-06-01", "end_date": "2025-06-02"}),
            "GET /restapi/v2/organizations/{organization_id}/clean_expenses",
            "Use get_expenses grouped by resource_id instead.",
        ),
        (
            "get_resource",
            json!({"resource_id": WEB_1}),
            "GET /restapi/v2/cloud_resources/{resource_id}",
            "Use get_expenses filtered by resource_id, and list_recommendations.",
        ),
        (
            "list_anomalies",
            json!({"organization_id": ACME}),
            "GET /restapi/v2/organizations/{organization_id}/organization_constraints",
            "Cost anomalies are not available on this deployment",
        ),
        (
            "list_anomaly_hits",
            json!({"organization_id": ACME}),
            "GET /restapi/v2/organizations/{organization_id}/organization_limit_hits",
            "Cost anomalies are not available on this deployment",
        ),
        (
            "list_employees",
            json!({"organization_id": ACME}),
            "GET /restapi/v2/organizations/{organization_id}/employees",
            "People are not available on this deployment.",
        ),
    ];
    for (tool, args, route, alternative) in inferred {
        let msg = h.err(tool, args).await;
        assert!(
            msg.starts_with(&format!("This DigiUsher deployment does not offer `{route}`, which {tool} needs, so this tool is unavailable here. {alternative}")),
            "{tool}: {msg}"
        );
    }
    // Confirmed tools and the organization list still work.
    still_serving(&h).await;
    h.ok("list_kpi_definitions", json!({"organization_id": ACME}))
        .await;
}

#[tokio::test]
async fn not_offered_fault_on_one_route() {
    let h = Harness::start().await;
    h.fault(json!({"match": {"path": "/restapi/v2/organizations/*/employees"}, "fault": {"kind": "not_offered"}})).await;
    let msg = h
        .err("list_employees", json!({"organization_id": ACME}))
        .await;
    assert!(
        msg.starts_with("This DigiUsher deployment does not offer"),
        "{msg}"
    );
    h.ok("list_employees", json!({"organization_id": ACME}))
        .await;
}

#[tokio::test]
async fn rate_limits_are_retried_honouring_retry_after() {
    let h = Harness::start().await;
    h.fault(json!({"match": {"path": "/restapi/v2/organizations"}, "times": 1, "fault": {"kind": "status", "status": 429, "retry_after": 1}})).await;
    let started = Instant::now();
    h.ok("list_organizations", empty()).await;
    assert!(
        started.elapsed().as_millis() >= 900,
        "waited for Retry-After"
    );
    assert_eq!(h.requests().len(), 2);

    h.clear();
    h.fault(json!({"match": {"path": "/restapi/v2/organizations"}, "times": 1, "fault": {"kind": "status", "status": 429, "retry_after": 1, "retry_after_date": true}})).await;
    h.ok("list_organizations", empty()).await;
    assert_eq!(h.requests().len(), 2);
}

#[tokio::test]
async fn rate_limits_give_up_after_three_attempts_or_at_once_for_long_waits() {
    let h = Harness::start().await;
    h.fault(json!({"match": {"path": "/restapi/v2/organizations"}, "times": 3, "fault": {"kind": "status", "status": 429, "retry_after": 1}})).await;
    let msg = h.err("list_organizations", empty()).await;
    assert!(
        msg.starts_with("DigiUsher is rate-limiting requests. Wait 1 seconds and retry. (HTTP 429"),
        "{msg}"
    );
    assert_eq!(h.requests().len(), 3);

    h.clear();
    h.fault(json!({"match": {"path": "/restapi/v2/organizations"}, "times": 1, "fault": {"kind": "status", "status": 429, "retry_after": 30}})).await;
    let msg = h.err("list_organizations", empty()).await;
    assert!(
        msg.starts_with("DigiUsher is rate-limiting requests. Wait 30 seconds and retry."),
        "{msg}"
    );
    assert_eq!(
        h.requests().len(),
        1,
        "a long Retry-After is not waited out"
    );
    still_serving(&h).await;
}

#[tokio::test]
async fn server_errors_500_is_final_502_503_are_retried() {
    let h = Harness::start().await;
    h.fault(json!({"match": {"path": "/api/v3/organizations/*/expenses"}, "times": 1, "fault": {"kind": "status", "status": 500}})).await;
    let msg = h.err("get_expenses", expenses_args()).await;
    assert!(
        msg.starts_with(
            "The DigiUsher API is failing or unavailable (HTTP 500). Retry in a minute."
        ),
        "{msg}"
    );
    assert_eq!(h.requests().len(), 1, "500 is not retried");

    h.clear();
    h.fault(json!({"match": {"method": "POST", "path": "/api/v3/organizations/**"}, "times": 1, "fault": {"kind": "status", "status": 502}})).await;
    h.ok("get_expenses", expenses_args()).await;
    assert_eq!(h.requests().len(), 2, "502 is retried");

    h.clear();
    h.fault(json!({"match": {"path": "/api/v3/organizations/*/expenses"}, "times": 0, "fault": {"kind": "status", "status": 503}})).await;
    let msg = h.err("get_expenses", expenses_args()).await;
    assert!(
        msg.starts_with("The DigiUsher API is failing or unavailable (HTTP 503)."),
        "{msg}"
    );
    assert_eq!(h.requests().len(), 3, "503 is retried twice");
}

#[tokio::test]
async fn html_gateway_pages_are_summarised() {
    let h = Harness::start().await;
    h.fault(json!({"match": {"path": "/restapi/v2/organizations"}, "times": 3, "fault": {"kind": "html", "status": 502}})).await;
    let msg = h.err("list_organizations", empty()).await;
    assert!(
        msg.starts_with("The DigiUsher API is failing or unavailable (HTTP 502)."),
        "{msg}"
    );
    assert!(msg.contains(r#"(HTTP 502: "<"#), "{msg}");
    assert!(msg.len() < 600, "{msg}");
    still_serving(&h).await;
}

#[tokio::test]
async fn timeouts_malformed_json_and_dropped_connections() {
    let h = Harness::with(Options {
        extra_env: vec![("DIGIUSHER_REQUEST_TIMEOUT", "1".into())],
        ..Options::default()
    })
    .await;
    h.fault(json!({"match": {"path": "/restapi/v2/organizations"}, "times": 1, "fault": {"kind": "latency", "ms": 2500}})).await;
    let msg = h.err("list_organizations", empty()).await;
    // Silence says nothing about the query: no advice to narrow it.
    assert_eq!(
        msg,
        "DigiUsher (127.0.0.1) did not answer within 1 s. It may be down or unreachable from here: retry in a minute, and check the network or proxy if it keeps happening."
    );

    h.fault(json!({"match": {"path": "/restapi/v2/organizations"}, "times": 1, "fault": {"kind": "malformed_json"}})).await;
    let msg = h.err("list_organizations", empty()).await;
    assert!(
        msg.starts_with(
            "DigiUsher returned a response that is not valid JSON (HTTP 200, application/json"
        ),
        "{msg}"
    );

    // Dropped twice: the first drop is retried once on a new connection.
    h.fault(json!({"match": {"path": "/restapi/v2/organizations"}, "times": 2, "fault": {"kind": "drop"}})).await;
    let msg = h.err("list_organizations", empty()).await;
    assert!(
        msg.starts_with("Cannot reach DigiUsher at http://127.0.0.1:"),
        "{msg}"
    );
    assert!(
        msg.ends_with("Check the network or proxy, or DIGIUSHER_API_BASE_URL."),
        "{msg}"
    );
    still_serving(&h).await;
}

#[tokio::test]
async fn oversized_bodies_are_cut_with_a_note_or_refused_past_the_read_limit() {
    let h = Harness::with(Options {
        extra_env: vec![(
            "DIGIUSHER_MAX_RESPONSE_BYTES",
            (2 * 1024 * 1024).to_string(),
        )],
        ..Options::default()
    })
    .await;
    let path = format!("/restapi/v2/organizations/{ACME}/clean_expenses");
    h.fault(json!({"match": {"path": path}, "times": 1, "fault": {"kind": "oversized", "bytes": 500000}})).await;
    let r = h
        .call(
            "list_resources",
            json!({"organization_id": ACME, "start_date": "2025-06-01", "end_date": "2025-06-14"}),
        )
        .await;
    let t = texts(&r);
    assert_eq!(r.is_error, Some(false), "{t:?}");
    assert!(t[0].len() <= 100_000, "{}", t[0].len());
    let v: serde_json::Value = serde_json::from_str(&t[0]).expect("still valid JSON");
    assert!(!v["clean_expenses"].as_array().unwrap().is_empty());
    assert!(
        t.iter()
            .any(|n| n.starts_with("Note: result cut to the first ")
                && n.contains("items of \"clean_expenses\" to stay under 100000 characters.")),
        "{:?}",
        &t[1..]
    );

    for chunked in [false, true] {
        h.fault(json!({"match": {"path": path}, "times": 1, "fault": {"kind": "oversized", "bytes": 3_000_000, "chunked": chunked}})).await;
        let msg = h
            .err("list_resources", json!({"organization_id": ACME, "start_date": "2025-06-01", "end_date": "2025-06-14"}))
            .await;
        assert!(
            msg.starts_with("DigiUsher returned more than 2 MiB; narrow the query."),
            "{msg}"
        );
    }
    still_serving(&h).await;
}

#[tokio::test]
async fn the_result_cap_is_configurable() {
    let h = Harness::with(Options {
        extra_env: vec![("DIGIUSHER_MAX_RESULT_CHARS", "2000".into())],
        ..Options::default()
    })
    .await;
    let r = h
        .call("get_expenses", json!({"organization_id": ACME, "start_date": "2025-01-01", "end_date": "2025-06-14", "granularity": "day", "group_by": ["service_name"]}))
        .await;
    let t = texts(&r);
    assert_eq!(r.is_error, Some(false), "{t:?}");
    assert!(t[0].chars().count() <= 2000);
    assert!(
        t.iter().any(|n| n.contains(
            "items of \"rows\" to stay under 2000 characters. Use a coarser granularity"
        )),
        "{t:?}"
    );
}

#[tokio::test]
async fn invalid_filter_values_get_the_dimension_values_hint() {
    let h = Harness::start().await;
    let msg = h
        .err(
            "get_expenses",
            json!({"organization_id": ACME, "start_date": "2025-06-01", "end_date": "2025-06-14",
                   "filters": {"region_id": ["us-east-1"], "service_name": ["EC2"]}}),
        )
        .await;
    assert!(
        msg.starts_with(&format!("DigiUsher rejected a filter value. Filter values must match existing values exactly; call get_dimension_values with {{\"organization_id\":\"{ACME}\",\"dimension\":{{\"dimension_type\":\"standard\",\"name\":\"service_name\"}}}} to list them, then retry. (HTTP 400: \"Invalid filter value(s) for service_name: EC2\")")),
        "{msg}"
    );
}

#[tokio::test]
async fn an_organization_without_data_sources_says_so() {
    let h = Harness::with(Options {
        token: Some("sim-bob"),
        ..Options::default()
    })
    .await;
    let msg = h
        .err(
            "get_expenses_breakdown",
            json!({"organization_id": DELTA, "start_date": "2025-06-01", "end_date": "2025-06-14"}),
        )
        .await;
    assert!(msg.starts_with("This organization has no data sources connected yet, so there is no cost data. Connect a cloud account in DigiUsher first. (HTTP 424 OE0445"), "{msg}");
}

#[tokio::test]
async fn the_api_message_is_kept_for_other_rejections() {
    let h = Harness::start().await;
    h.fault(json!({"match": {"path": "/api/v3/organizations/*/kpis/definitions"}, "times": 1,
                   "fault": {"kind": "status", "status": 422, "body": {"detail": [{"loc": ["query", "x"], "msg": "bad x"}]}}})).await;
    let msg = h
        .err("list_kpi_definitions", json!({"organization_id": ACME}))
        .await;
    assert_eq!(
        msg,
        "DigiUsher rejected the request: \"query.x: bad x\". Correct the arguments and retry. (HTTP 422: \"query.x: bad x\")"
    );
}

/// An API on 127.0.0.1 that answers each connection's first request with
/// `head_then` (status line and headers, then a body it may never finish) and
/// keeps it open; a second request on the same connection makes it close at
/// once, as a server closing an idle kept-alive connection does when a request
/// crosses the close. Returns the base URL and the count of requests lost so.
async fn hand_written_api(
    answer: &'static str,
    stall: bool,
) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let lost = std::sync::Arc::new(AtomicUsize::new(0));
    let counter = lost.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let lost = counter.clone();
            tokio::spawn(async move {
                let mut served = false;
                let mut buf = vec![0; 65536];
                loop {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(_) if !served => {
                            served = true;
                            let head = if stall {
                                format!(
                                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                                    answer.len() + 1000
                                )
                            } else {
                                format!(
                                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                                    answer.len()
                                )
                            };
                            let _ = socket.write_all(head.as_bytes()).await;
                            let _ = socket.write_all(answer.as_bytes()).await;
                            if stall {
                                tokio::time::sleep(Duration::from_secs(30)).await;
                                return;
                            }
                        }
                        Ok(_) => {
                            lost.fetch_add(1, Ordering::SeqCst);
                            return;
                        }
                    }
                }
            });
        }
    });
    (base, lost)
}

#[tokio::test]
async fn a_kept_alive_connection_closed_under_a_call_is_retried_once_on_a_new_one() {
    let (base, lost) = hand_written_api(r#"{"organizations": []}"#, false).await;
    let mut s = RawServer::start(&base, Options::default()).await;
    s.initialize().await;
    for id in 1..=4 {
        s.call(id, "list_organizations", json!({}), None).await;
        let (r, _) = s.until_response(id).await;
        assert_eq!(r["result"]["isError"], false, "call {id}: {r}");
    }
    // Calls 2 and 4 met a kept-alive connection closing (call 3 opened the one
    // call 4 reused) and each went through once more on a new connection.
    assert_eq!(lost.load(std::sync::atomic::Ordering::SeqCst), 2);
    let (_, _, status) = s.finish().await;
    assert!(status.success());
}

#[tokio::test]
async fn a_timeout_while_the_answer_arrives_suggests_narrowing_only_where_a_tool_can() {
    let (base, _) = hand_written_api(r#"{"organizations": ["#, true).await;
    let mut s = RawServer::start(
        &base,
        Options {
            extra_env: vec![("DIGIUSHER_REQUEST_TIMEOUT", "1".into())],
            ..Options::default()
        },
    )
    .await;
    s.initialize().await;
    s.call(1, "list_organizations", json!({}), None).await;
    let (r, _) = s.until_response(1).await;
    let text = r["result"]["content"][0]["text"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        text, "DigiUsher (127.0.0.1) was still sending its answer after 1 s. Retry in a minute.",
        "{r}"
    );
    s.call(2, "get_expenses", expenses_args(), None).await;
    let (r, _) = s.until_response(2).await;
    let text = r["result"]["content"][0]["text"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        text.starts_with("DigiUsher (127.0.0.1) was still sending its answer after 1 s: the result may be too large. Narrow the query (Use a coarser granularity, a shorter date range"),
        "{text}"
    );
    let _ = s.finish().await;
}
