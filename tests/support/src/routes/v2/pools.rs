//! Pools: the organization's pool list (with OptScale's permission semantics) and one
//! pool's budget status with its descendants.

use serde_json::{Value, json};

use super::{bool_arg, forbidden, not_found, org_access};
use crate::fixtures::{CREATED_AT, Pool, Role};
use crate::generator::World;
use crate::routes::Req;

fn policies(pool: &Pool) -> Vec<Value> {
    pool.policies
        .iter()
        .map(|p| {
            json!({"id": p.id, "pool_id": p.pool_id, "type": p.kind, "active": true, "limit": p.limit,
                   "created_at": CREATED_AT, "deleted_at": 0})
        })
        .collect()
}

fn owner_name(w: &World, pool: &Pool) -> Option<&'static str> {
    w.fx.employee(&pool.default_owner).map(|e| e.name)
}

/// Limit not yet handed to direct children.
fn unallocated(w: &World, pool: &Pool) -> i64 {
    let given: i64 =
        w.fx.pools
            .iter()
            .filter(|c| c.parent.as_deref() == Some(pool.id.as_str()))
            .map(|c| c.limit)
            .sum();
    pool.limit - given
}

/// `GET /restapi/v2/organizations/{id}/pools`: `INFO_ORGANIZATION` lists every pool
/// for any member; the manage permissions (also the default) list all pools for
/// managers, the assigned subtree for engineers and nothing for members.
pub fn list(req: &Req, org_id: &str) -> super::Reply {
    let (org, me) = match org_access(req, org_id, "OE0378") {
        Ok(x) => x,
        Err(r) => return r,
    };
    let w = req.world;
    let perms = req.query.all("permission");
    let all = perms.contains(&"INFO_ORGANIZATION") || me.role == Role::Manager;
    let visible: Vec<&Pool> = if all {
        w.fx.org_pools(org.key).collect()
    } else if me.role == Role::Engineer {
        me.scope_pool
            .as_deref()
            .map(|p| w.fx.subtree(p))
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let mut visible = visible;
    visible.sort_by(|a, b| a.id.cmp(&b.id));
    let pools: Vec<Value> = visible
        .iter()
        .map(|p| {
            json!({
                "id": p.id, "name": p.name, "full_name": w.fx.full_name(p), "pool_purpose": p.purpose,
                "limit": p.limit, "organization_id": org.id, "parent_id": p.parent,
                "default_owner_id": p.default_owner, "default_owner_name": owner_name(w, p),
                "policies": policies(p),
            })
        })
        .collect();
    super::Reply::ok(&json!({ "pools": pools }))
}

/// Possible saving and number of optimization findings of a pool's subtree.
fn savings(w: &World, pool_id: &str) -> (f64, usize) {
    let lines = w.subtree_lines(pool_id);
    let items: Vec<f64> =
        w.fx.optimizations
            .iter()
            .filter(|o| {
                o.line
                    .and_then(|n| w.fx.lines.iter().position(|l| l.n == n))
                    .is_some_and(|i| lines.contains(&i))
            })
            .map(|o| o.saving)
            .collect();
    (crate::generator::round2(items.iter().sum()), items.len())
}

/// `GET /restapi/v2/pools/{id}?details=&children=`.
pub fn get(req: &Req, pool_id: &str) -> super::Reply {
    let w = req.world;
    let Some(pool) = w.fx.pool(pool_id) else {
        return not_found("Pool", pool_id);
    };
    if w.fx.membership(pool.org, req.user).is_none() {
        return forbidden();
    }
    let (details, children) = match (bool_arg(req, "details"), bool_arg(req, "children")) {
        (Ok(d), Ok(c)) => (d.unwrap_or(false), c.unwrap_or(false)),
        (Err(r), _) | (_, Err(r)) => return r,
    };
    let org = w.fx.org_by_key(pool.org);
    let mut v = json!({
        "id": pool.id, "name": pool.name, "purpose": pool.purpose, "limit": pool.limit,
        "unallocated_limit": unallocated(w, pool), "parent_id": pool.parent, "organization_id": org.id,
        "default_owner_id": pool.default_owner, "default_owner_name": owner_name(w, pool),
        "created_at": CREATED_AT, "deleted_at": 0,
    });
    let Some(obj) = v.as_object_mut() else {
        return super::Reply::ok(&v);
    };
    if details {
        let (cost, forecast) = w.cost_and_forecast(&w.subtree_lines(&pool.id));
        let (saving, count) = savings(w, &pool.id);
        obj.insert("cost".into(), json!(cost));
        obj.insert("forecast".into(), json!(forecast));
        obj.insert("saving".into(), json!(saving));
        obj.insert("total_recommendations".into(), json!(count));
        obj.insert("policies".into(), json!(policies(pool)));
    }
    if children {
        let kids: Vec<Value> =
            w.fx.subtree(&pool.id)
                .into_iter()
                .skip(1)
                .map(|c| {
                    let mut k = json!({
                        "id": c.id, "name": c.name, "parent_id": c.parent, "limit": c.limit,
                        "unallocated_limit": unallocated(w, c), "purpose": c.purpose,
                        "default_owner_id": c.default_owner, "default_owner_name": owner_name(w, c),
                    });
                    if details && let Some(o) = k.as_object_mut() {
                        let (cost, forecast) = w.cost_and_forecast(&w.subtree_lines(&c.id));
                        o.insert("cost".into(), json!(cost));
                        o.insert("forecast".into(), json!(forecast));
                        o.insert("policies".into(), json!(policies(c)));
                    }
                    k
                })
                .collect();
        obj.insert("children".into(), json!(kids));
    }
    super::Reply::ok(&v)
}
