//! Access control (tools.md 14.4): alice, bob, carol and nobody.

mod common;

use common::*;
use serde_json::json;

fn org_ids(r: &Resp) -> Vec<String> {
    r.json["organizations"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|o| o["id"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn organization_lists_per_user() {
    let t = T::new().await;
    assert_eq!(
        org_ids(&t.get("alice", "/restapi/v2/organizations").await),
        [ACME, BETA]
    );
    assert_eq!(
        org_ids(&t.get("bob", "/restapi/v2/organizations").await),
        [BETA, DELTA]
    );
    assert_eq!(
        org_ids(&t.get("carol", "/restapi/v2/organizations").await),
        [GAMMA]
    );
    let r = t.get("nobody", "/restapi/v2/organizations").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json, json!({"organizations": []}));
}

#[tokio::test]
async fn optscale_routes_forbid_non_members_and_miss_unknown_orgs() {
    let t = T::new().await;
    for route in [
        "cloud_accounts?details=true",
        "employees?roles=true&current_only=false",
        "optimizations",
        "organization_constraints",
        "organization_limit_hits",
        &format!("clean_expenses?start_date={JUNE_1}&end_date={JUNE_14_END}&limit=5"),
        &format!(
            "breakdown_expenses?start_date={JUNE_1}&end_date={JUNE_14_END}&breakdown_by=pool_id"
        ),
    ] {
        let ok = t.get("alice", &v2(ACME, route)).await;
        assert_eq!(ok.status, 200, "{route}: {}", ok.text);
        let r = t.get("bob", &v2(ACME, route)).await;
        assert_eq!(r.status, 403, "{route}");
        assert_eq!(
            r.json,
            json!({"error": {"status_code": 403, "error_code": "OE0234", "reason": "Forbidden", "params": []}})
        );
        let r = t.get("alice", &v2(MISSING_ORG, route)).await;
        assert_eq!(r.status, 404, "{route}");
        assert_eq!(r.code(), "OE0002");
        assert_eq!(r.reason(), format!("Organization {MISSING_ORG} not found"));
        let r = t.get("alice", &v2("acme", route)).await;
        assert_eq!((r.status, r.code()), (404, "OE0002"), "{route}");
    }
    // The pools list answers OE0378 to non-members.
    let r = t
        .get("carol", &v2(ACME, "pools?permission=INFO_ORGANIZATION"))
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(r.code(), "OE0378");
    assert_eq!(
        r.reason(),
        "Current user is not a member in provided organization"
    );
}

#[tokio::test]
async fn pools_and_resources_of_other_orgs() {
    let t = T::new().await;
    let r = t
        .get(
            "bob",
            &format!("/restapi/v2/pools/{ENGINEERING}?details=true&children=true"),
        )
        .await;
    assert_eq!((r.status, r.code()), (403, "OE0234"));
    let missing = "a1000000-0000-4000-8000-000000000099";
    let r = t
        .get(
            "alice",
            &format!("/restapi/v2/pools/{missing}?details=true&children=true"),
        )
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(
        r.json,
        json!({"error": {"status_code": 404, "error_code": "OE0002", "reason": format!("Pool {missing} not found"), "params": ["Pool", missing]}})
    );
    let r = t
        .get(
            "bob",
            &format!("/restapi/v2/cloud_resources/{WEB_1}?details=true"),
        )
        .await;
    assert_eq!((r.status, r.code()), (403, "OE0234"));
    let r = t
        .get(
            "alice",
            "/restapi/v2/cloud_resources/a4000000-0000-4000-8000-000000000099?details=true",
        )
        .await;
    assert_eq!((r.status, r.code()), (404, "OE0002"));
    assert_eq!(
        r.reason(),
        "Resource a4000000-0000-4000-8000-000000000099 not found"
    );
    let r = t
        .get(
            "alice",
            "/restapi/v2/cloud_resources/i-0a1b2c3d4e5f60001?details=true",
        )
        .await;
    assert_eq!((r.status, r.code()), (404, "OE0002"));
    // Bob, engineer in Beta, reads Beta's resources and pools.
    let r = t
        .get(
            "bob",
            &format!("/restapi/v2/cloud_resources/{TRAINER_1}?details=true"),
        )
        .await;
    assert_eq!(r.status, 200);
    let r = t
        .get(
            "alice",
            &format!("/restapi/v2/pools/{DATA_SCIENCE}?details=true&children=true"),
        )
        .await;
    assert_eq!(r.status, 200, "members read pools");
}

#[tokio::test]
async fn pool_list_permissions() {
    let t = T::new().await;
    let count = |r: &Resp| r.json["pools"].as_array().map(Vec::len).unwrap_or(99);
    // Any member sees every pool with INFO_ORGANIZATION.
    assert_eq!(
        count(
            &t.get("alice", &v2(BETA, "pools?permission=INFO_ORGANIZATION"))
                .await
        ),
        2
    );
    // Manage permissions: manager all, engineer the assigned subtree, member nothing.
    let manage = "pools?permission=MANAGE_RESOURCES&permission=MANAGE_OWN_RESOURCES";
    assert_eq!(count(&t.get("alice", &v2(ACME, manage)).await), 4);
    let r = t.get("bob", &v2(BETA, manage)).await;
    assert_eq!(count(&r), 1);
    assert_eq!(r.json["pools"][0]["id"], DATA_SCIENCE);
    assert_eq!(count(&t.get("alice", &v2(BETA, manage)).await), 0);
    assert_eq!(
        count(&t.get("alice", &v2(BETA, "pools")).await),
        0,
        "manage is the default"
    );
}

#[tokio::test]
async fn v3_routes_answer_detail_bodies() {
    let t = T::new().await;
    let gets = [
        "metrics/nsm-keys",
        "kpis/definitions",
        "kpis/snapshots",
        "recommendations/scenarios",
        "expenses/dimensions/lookups?include_pools=true&include_data_sources=true",
        "cost-allocation/month?month=2025-05-01",
        "kpis/time-series?start_date=2025-06-01&end_date=2025-06-03",
    ];
    for route in gets {
        assert_eq!(
            t.get("alice", &v3(ACME, route)).await.status,
            200,
            "{route}"
        );
        let r = t.get("bob", &v3(ACME, route)).await;
        assert_eq!(r.status, 403, "{route}");
        assert_eq!(
            r.json,
            json!({"detail": "Not a member of this organization"})
        );
        let r = t.get("alice", &v3(MISSING_ORG, route)).await;
        assert_eq!(r.status, 404, "{route}");
        assert_eq!(r.json, json!({"detail": "Organization not found"}));
        let r = t.get("alice", &v3("acme", route)).await;
        assert_eq!(r.status, 422, "{route}");
        assert_eq!(
            r.json["detail"][0]["loc"],
            json!(["path", "organization_id"])
        );
    }
    let posts = [
        (
            "expenses",
            json!({"start_date": "2025-06-01", "end_date": "2025-06-14"}),
        ),
        (
            "expenses/dimensions/query",
            json!({"dimension": {"dimension_type": "standard", "name": "provider"}}),
        ),
        ("recommendations", json!({"offset": 0, "limit": 50})),
        (
            "cost-allocation/summary",
            json!({"start_date": "2025-05-01", "end_date": "2025-05-31", "view": "showback"}),
        ),
        (
            "kpis/unit-economics",
            json!({"start_date": "2025-05-01", "end_date": "2025-05-31", "nsm_key_id": NSM_KEY}),
        ),
    ];
    for (route, body) in &posts {
        assert_eq!(
            t.post("alice", &v3(ACME, route), body).await.status,
            200,
            "{route}"
        );
        assert_eq!(
            t.post("carol", &v3(ACME, route), body).await.status,
            403,
            "{route}"
        );
        assert_eq!(
            t.post("nobody", &v3(ACME, route), body).await.status,
            403,
            "{route}"
        );
        assert_eq!(
            t.post("alice", &v3(MISSING_ORG, route), body).await.status,
            404,
            "{route}"
        );
    }
}

#[tokio::test]
async fn delta_has_no_data_sources() {
    let t = T::new().await;
    for route in [
        format!("clean_expenses?start_date={JUNE_1}&end_date={JUNE_14_END}&limit=5"),
        format!(
            "breakdown_expenses?start_date={JUNE_1}&end_date={JUNE_14_END}&breakdown_by=service_name"
        ),
    ] {
        let r = t.get("bob", &v2(DELTA, &route)).await;
        assert_eq!(r.status, 424);
        assert_eq!(
            r.json,
            json!({"error": {"status_code": 424, "error_code": "OE0445",
                   "reason": "Organization Delta Empty (d0000000-0000-4000-8000-000000000001) doesn't have any cloud accounts connected",
                   "params": ["Delta Empty", DELTA]}})
        );
    }
    let r = t
        .get("bob", &v2(DELTA, "cloud_accounts?details=true"))
        .await;
    assert_eq!(r.json, json!({"cloud_accounts": []}));
    // Gamma has a data source but no cost: empty, not 424.
    let r = t
        .get(
            "carol",
            &v2(
                GAMMA,
                &format!("clean_expenses?start_date={JUNE_1}&end_date={JUNE_14_END}&limit=5"),
            ),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json["total_count"], 0);
}
