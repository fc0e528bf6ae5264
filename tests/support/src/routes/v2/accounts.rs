//! Data sources (cloud accounts) and single resources.

use serde_json::{Value, json};

use super::{bool_arg, forbidden, not_found, org_access, string_object};
use crate::dates::SECS_PER_DAY;
use crate::errors::{Reply, invalid};
use crate::fixtures::CREATED_AT;
use crate::generator::World;
use crate::routes::Req;
use crate::routes::v2::expenses::{constraint_violated, resource_active};

/// The 11 data source types of tools.md 3.6.
pub const CLOUD_TYPES: [&str; 11] = [
    "aws_cnr",
    "alibaba_cnr",
    "azure_cnr",
    "azure_tenant",
    "kubernetes_cnr",
    "environment",
    "gcp_cnr",
    "nebius",
    "databricks",
    "oci_cnr",
    "gcp_tenant",
];

/// `GET /restapi/v2/organizations/{id}/cloud_accounts?details=&type=`.
pub fn cloud_accounts(req: &Req, org_id: &str) -> Reply {
    let (org, _) = match org_access(req, org_id, "OE0234") {
        Ok(x) => x,
        Err(r) => return r,
    };
    let details = match bool_arg(req, "details") {
        Ok(d) => d.unwrap_or(false),
        Err(r) => return r,
    };
    let kind = req.query.last("type");
    if let Some(t) = kind
        && !CLOUD_TYPES.contains(&t)
    {
        return invalid("type");
    }
    let w = req.world;
    let yesterday = World::ts(w.last_day);
    let accounts: Vec<Value> = w
        .fx
        .org_data_sources(org.key)
        .filter(|d| kind.is_none_or(|k| k == d.kind))
        .map(|d| {
            let imported = yesterday + 3 * 3600;
            let (last_import, attempt) = match d.import_error {
                // A failing import: the last success was three days earlier.
                Some(_) => (imported - 2 * SECS_PER_DAY, imported + SECS_PER_DAY),
                None => (imported, imported),
            };
            let config = string_object(d.config);
            let mut v = json!({
                "id": d.id, "name": d.name, "type": d.kind, "organization_id": org.id,
                "account_id": d.account_id, "parent_id": null, "auto_import": true, "import_period": 1,
                "process_recommendations": true, "last_import_at": last_import,
                "last_import_modified_at": last_import - 3600, "last_import_attempt_at": attempt,
                "last_import_attempt_error": d.import_error, "last_getting_metrics_at": imported,
                "last_getting_metric_attempt_at": imported, "last_getting_metric_attempt_error": null,
                "cleaned_at": 0, "created_at": CREATED_AT, "deleted_at": 0, "config": config,
            });
            if details && let Some(o) = v.as_object_mut() {
                let lines: Vec<usize> = (0..w.fx.lines.len()).filter(|&i| w.fx.lines[i].ds == d.id).collect();
                let (cost, forecast) = w.cost_and_forecast(&lines);
                o.insert(
                    "details".into(),
                    json!({"cost": cost, "forecast": forecast, "tracked": lines.len(),
                           "last_month_cost": w.last_month_cost(&lines), "discovery_infos": []}),
                );
            }
            v
        })
        .collect();
    Reply::ok(&json!({ "cloud_accounts": accounts }))
}

/// `GET /restapi/v2/cloud_resources/{id}?details=`.
pub fn cloud_resource(req: &Req, resource_id: &str) -> Reply {
    let w = req.world;
    let fx = &w.fx;
    let Some(i) = fx
        .lines
        .iter()
        .position(|l| l.resource_id.eq_ignore_ascii_case(resource_id))
    else {
        return not_found("Resource", resource_id);
    };
    let l = &fx.lines[i];
    if fx.membership(l.org, req.user).is_none() {
        return forbidden();
    }
    let details = match bool_arg(req, "details") {
        Ok(d) => d.unwrap_or(false),
        Err(r) => return r,
    };
    let org = fx.org_by_key(l.org);
    let ds = fx.data_source(&l.ds);
    let pool = fx.pool(&l.pool);
    let owner = l.owner.as_deref().and_then(|o| fx.employee(o));
    let rule = fx.rule(&l.rule);
    let first_seen = World::ts(w.first_day);
    let last_seen = World::ts(w.last_day) + SECS_PER_DAY - 1;
    let tags = string_object(l.tags);
    let meta = string_object(l.meta);
    let mut v = json!({
        "id": l.resource_id, "cloud_resource_id": l.cloud_id, "name": l.name, "resource_type": l.rtype,
        "region": l.region, "service_name": l.service, "cloud_account_id": l.ds, "organization_id": org.id,
        "pool_id": l.pool, "employee_id": l.owner, "active": resource_active(w),
        "constraint_violated": constraint_violated(l), "first_seen": first_seen, "last_seen": last_seen,
        "created_at": first_seen, "deleted_at": 0, "tags": tags, "meta": meta,
        "cloud_console_link": l.console_link,
        "applied_rules": rule.map(|r| vec![json!({"id": r.id, "name": r.name, "pool_id": r.pool_id})]).unwrap_or_default(),
        "sub_resources": [],
    });
    let Some(obj) = v.as_object_mut() else {
        return Reply::ok(&v);
    };
    let modules: Vec<Value> = fx
        .optimizations
        .iter()
        .filter(|o| o.line == Some(l.n))
        .map(|o| json!({"name": o.module, "saving": o.saving}))
        .collect();
    if !modules.is_empty() {
        let run = World::ts(w.last_day) + 6 * 3600;
        obj.insert(
            "recommendations".into(),
            json!({"run_timestamp": run, "modules": modules}),
        );
    }
    if let Some(k) = l.k8s {
        obj.insert("k8s_namespace".into(), json!(k.0));
        obj.insert("k8s_node".into(), json!(k.1));
        obj.insert("k8s_service".into(), json!(k.2));
    }
    if details {
        let (cost, forecast) = w.cost_and_forecast(&[i]);
        obj.insert(
            "details".into(),
            json!({
                "cloud_type": ds.map(|d| d.kind), "cloud_name": ds.map(|d| d.name),
                "total_cost": w.total_cost(&[i]), "cost": cost, "forecast": forecast,
                "service_name": l.service, "region": l.region,
                "pool_name": pool.map(|p| p.name), "pool_purpose": pool.map(|p| p.purpose),
                "owner_name": owner.map(|e| e.name), "first_seen": first_seen, "last_seen": last_seen,
                "active": resource_active(w), "policies": {}, "constraints": {},
                "total_traffic_expenses": 0, "total_traffic_usage": 0,
            }),
        );
    }
    Reply::ok(&v)
}
