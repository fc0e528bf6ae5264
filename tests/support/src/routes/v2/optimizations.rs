//! The optimization checklist summary (OptScale's `optimizations` route).

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::{bool_arg, int_arg, org_access, out_of_range, unexpected};
use crate::errors::Reply;
use crate::fixtures::{CREATED_AT, OptimizationItem, id};
use crate::generator::{World, round2};
use crate::routes::Req;

fn item_json(w: &World, o: &OptimizationItem) -> Value {
    let ds = w.fx.data_source(&o.ds);
    json!({
        "cloud_resource_id": o.cloud_resource_id, "resource_name": o.resource_name,
        "resource_id": o.resource_id, "cloud_account_id": o.ds,
        "cloud_account_name": ds.map(|d| d.name), "cloud_type": ds.map(|d| d.kind),
        "region": o.region, "saving": o.saving,
    })
}

/// `GET /restapi/v2/organizations/{id}/optimizations`, with OptScale's checks:
/// `limit` / `status` only together with `type` (`OE0212`), `status` in
/// active/dismissed/excluded (`OE0460`), `limit` ≥ 1 (`OE0224`).
pub fn summary(req: &Req, org_id: &str) -> Reply {
    let (org, _) = match org_access(req, org_id, "OE0234") {
        Ok(x) => x,
        Err(r) => return r,
    };
    let types = req.query.all("type");
    let accounts = req.query.all("cloud_account_id");
    let limit = match int_arg(req, "limit") {
        Ok(l) => l,
        Err(r) => return r,
    };
    let status = req.query.last("status");
    let overview = match bool_arg(req, "overview") {
        Ok(o) => o.unwrap_or(false),
        Err(r) => return r,
    };
    let mut status = status.map(String::from);
    if overview {
        if let Some(l) = limit
            && l < 1
        {
            return out_of_range("limit", 1, 2_147_483_647);
        }
        if !types.is_empty() {
            return unexpected(&["types"]);
        }
        if status.is_some() {
            return unexpected(&["status"]);
        }
        status = Some("active".into());
    } else if !types.is_empty() {
        if let Some(l) = limit
            && l < 1
        {
            return out_of_range("limit", 1, 2_147_483_647);
        }
        match status.as_deref() {
            None => status = Some("active".into()),
            Some("active" | "dismissed" | "excluded") => {}
            Some(_) => {
                return Reply::optscale(
                    400,
                    "OE0460",
                    "Status should be active, dismissed or excluded",
                    json!([]),
                );
            }
        }
    } else if limit.is_some_and(|l| l != 0) {
        return unexpected(&["limit"]);
    } else if status.as_deref().is_some_and(|s| !s.is_empty()) {
        return unexpected(&["status"]);
    }
    let w = req.world;
    let items: Vec<&OptimizationItem> = w
        .fx
        .optimizations
        .iter()
        .filter(|o| o.ds.starts_with(org.key))
        .filter(|o| accounts.is_empty() || accounts.iter().any(|a| a.eq_ignore_ascii_case(&o.ds)))
        .collect();
    let mut modules: BTreeMap<&str, Vec<&OptimizationItem>> = BTreeMap::new();
    for o in
        w.fx.optimizations
            .iter()
            .filter(|o| o.ds.starts_with(org.key))
    {
        modules.entry(o.module).or_default();
    }
    for o in &items {
        modules.entry(o.module).or_default().push(o);
    }
    let mut optimizations = Map::new();
    let mut total = 0.0;
    for (module, list) in &modules {
        let saving = round2(list.iter().map(|o| o.saving).sum());
        total += saving;
        let mut m = json!({"count": list.len(), "saving": saving});
        if types.contains(module)
            && let Some(obj) = m.as_object_mut()
        {
            let mut sorted = list.clone();
            sorted.sort_by(|a, b| b.saving.total_cmp(&a.saving));
            // Every fixture finding is active.
            if status.as_deref() != Some("active") {
                sorted.clear();
            }
            if let Some(l) = limit {
                sorted.truncate(usize::try_from(l).unwrap_or(usize::MAX));
                obj.insert("limit".into(), json!(l));
            }
            obj.insert(
                "items".into(),
                json!(sorted.iter().map(|o| item_json(w, o)).collect::<Vec<_>>()),
            );
        }
        optimizations.insert(module.to_string(), m);
    }
    let last_run = World::ts(w.last_day) + 6 * 3600;
    Reply::ok(&json!({
        "id": id(org.key, 'e', "1"), "organization_id": org.id, "created_at": CREATED_AT, "deleted_at": 0,
        "last_run": last_run, "next_run": last_run + 4 * 3600, "last_completed": last_run,
        "total_saving": round2(total), "optimizations": optimizations,
        "dismissed_optimizations": {}, "excluded_optimizations": {},
    }))
}
