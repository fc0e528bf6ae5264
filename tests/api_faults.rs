//! API failures become tool results that say what to do next, and the server keeps
//! serving the next call.

use std::time::Instant;

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
    assert!(msg.contains("(HTTP 401 OE0235: Unauthorized)"), "{msg}");
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
    assert!(msg.contains("(HTTP 502: <"), "{msg}");
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
    assert_eq!(
        msg,
        "DigiUsher did not answer within 1 s. Narrow the query (shorter range, fewer group_by items) or retry."
    );

    h.fault(json!({"match": {"path": "/restapi/v2/organizations"}, "times": 1, "fault": {"kind": "malformed_json"}})).await;
    let msg = h.err("list_organizations", empty()).await;
    assert!(
        msg.starts_with(
            "DigiUsher returned a response that is not valid JSON (HTTP 200, application/json"
        ),
        "{msg}"
    );

    h.fault(json!({"match": {"path": "/restapi/v2/organizations"}, "times": 1, "fault": {"kind": "drop"}})).await;
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
        msg.starts_with(&format!("DigiUsher rejected a filter value. Filter values must match existing values exactly; call get_dimension_values with {{\"organization_id\":\"{ACME}\",\"dimension\":{{\"dimension_type\":\"standard\",\"name\":\"service_name\"}}}} to list them, then retry. (HTTP 400: Invalid filter value(s) for service_name: EC2)")),
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
        "DigiUsher rejected the request: query.x: bad x. Correct the arguments and retry. (HTTP 422: query.x: bad x)"
    );
}
