//! OptScale `/restapi/v2` routes: shared checks, organizations and employees.
//! Error codes and texts follow OptScale (tools.md 14.4, 14.5).

pub mod accounts;
pub mod constraints;
pub mod expenses;
pub mod optimizations;
pub mod pools;

use serde_json::{Map, Value, json};

use super::Req;
use crate::errors::{Reply, invalid};
use crate::fixtures::{CREATED_AT, Employee, Org, Role};

/// 404 `OE0002` "<Kind> <id> not found".
pub fn not_found(kind: &str, id: &str) -> Reply {
    Reply::optscale(
        404,
        "OE0002",
        &format!("{kind} {id} not found"),
        json!([kind, id]),
    )
}

pub fn forbidden() -> Reply {
    Reply::optscale(403, "OE0234", "Forbidden", json!([]))
}

/// The organization, if the caller is a member; else the OptScale 404/403
/// (`OE0378` instead of `OE0234` where `not_member_code` says so).
pub fn org_access<'a>(
    req: &Req<'a>,
    org_id: &str,
    not_member_code: &str,
) -> Result<(&'a Org, &'a Employee), Reply> {
    let fx = &req.world.fx;
    let Some(org) = fx.org(org_id) else {
        return Err(not_found("Organization", org_id));
    };
    match fx.membership(org.key, req.user) {
        Some(me) => Ok((org, me)),
        None if not_member_code == "OE0378" => Err(Reply::optscale(
            403,
            "OE0378",
            "Current user is not a member in provided organization",
            json!([]),
        )),
        None => Err(forbidden()),
    }
}

/// Fixture pairs (tags, meta, config) as a JSON object of strings.
pub fn string_object(pairs: &[(&str, &str)]) -> Map<String, Value> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), Value::from(*v)))
        .collect()
}

/// A boolean query argument: `true`/`false` in any case, else 400 `OE0217`.
pub fn bool_arg(req: &Req, name: &str) -> Result<Option<bool>, Reply> {
    match req.query.last(name) {
        None => Ok(None),
        Some(v) if v.eq_ignore_ascii_case("true") => Ok(Some(true)),
        Some(v) if v.eq_ignore_ascii_case("false") => Ok(Some(false)),
        Some(_) => Err(invalid(name)),
    }
}

/// An integer query argument; non-integers are 400 `OE0217` (OptScale's `get_arg`).
pub fn int_arg(req: &Req, name: &str) -> Result<Option<i64>, Reply> {
    match req.query.last(name) {
        None => Ok(None),
        Some(v) => v.trim().parse::<i64>().map(Some).map_err(|_| invalid(name)),
    }
}

/// 400 `OE0224` 'Value of "<name>" should be between <min> and <max>'.
pub fn out_of_range(name: &str, min: i64, max: i64) -> Reply {
    Reply::optscale(
        400,
        "OE0224",
        &format!("Value of \"{name}\" should be between {min} and {max}"),
        json!([name, min, max]),
    )
}

/// 400 `OE0212` "Unexpected parameters: a, b".
pub fn unexpected(names: &[&str]) -> Reply {
    let joined = names.join(", ");
    Reply::optscale(
        400,
        "OE0212",
        &format!("Unexpected parameters: {joined}"),
        json!([joined]),
    )
}

/// `GET /restapi/v2/organizations`: the caller's organizations only.
pub fn organizations(req: &Req) -> Reply {
    let fx = &req.world.fx;
    let orgs: Vec<Value> = fx
        .orgs
        .iter()
        .filter(|o| fx.membership(o.key, req.user).is_some())
        .map(|o| {
            json!({
                "id": o.id, "name": o.name, "pool_id": o.root_pool, "currency": o.currency,
                "is_demo": false, "created_at": CREATED_AT, "deleted_at": 0, "cleaned_at": 0,
            })
        })
        .collect();
    Reply::ok(&json!({ "organizations": orgs }))
}

/// `GET /restapi/v2/organizations/{id}/employees`.
pub fn employees(req: &Req, org_id: &str) -> Reply {
    let (org, me) = match org_access(req, org_id, "OE0234") {
        Ok(x) => x,
        Err(r) => return r,
    };
    let flags = (|| -> Result<(bool, bool, bool), Reply> {
        Ok((
            bool_arg(req, "roles")?.unwrap_or(false),
            bool_arg(req, "exclude_myself")?.unwrap_or(false),
            bool_arg(req, "current_only")?.unwrap_or(false),
        ))
    })();
    let (roles, exclude_myself, current_only) = match flags {
        Ok(f) => f,
        Err(r) => return r,
    };
    if current_only && exclude_myself {
        return Reply::optscale(
            400,
            "OE0427",
            "Current_only and exclude_myself could not be true at the same time",
            json!([]),
        );
    }
    let fx = &req.world.fx;
    let caller_is_manager = me.role == Role::Manager;
    let list: Vec<Value> = fx
        .employees
        .iter()
        .filter(|e| e.org == org.key)
        .filter(|e| !current_only || e.id == me.id)
        .filter(|e| !exclude_myself || e.id != me.id)
        .map(|e| {
            let mut v = json!({
                "id": e.id, "name": e.name, "organization_id": org.id, "auth_user_id": e.user,
                "default_ssh_key_id": null, "slack_connected": false, "jira_connected": false,
                "created_at": CREATED_AT, "deleted_at": 0,
            });
            let Some(obj) = v.as_object_mut() else {
                return v;
            };
            if caller_is_manager {
                let last = if e.last_login_ago > 0 {
                    req.world.now - e.last_login_ago
                } else {
                    0
                };
                obj.insert("last_login".into(), json!(last));
            }
            if roles {
                obj.insert("user_email".into(), json!(e.email));
                obj.insert("user_display_name".into(), json!(e.name));
                let (rid, rname, rtype, rpurpose) =
                    match e.scope_pool.as_deref().and_then(|p| fx.pool(p)) {
                        Some(p) => (p.id.clone(), p.name, "pool", p.purpose),
                        None => {
                            let root = fx.pool(&org.root_pool);
                            (
                                org.id.clone(),
                                org.name,
                                "organization",
                                root.map(|p| p.purpose).unwrap_or("business_unit"),
                            )
                        }
                    };
                obj.insert(
                    "assignments".into(),
                    json!([{
                        "assignment_id": e.assignment_id, "assignment_resource_id": rid,
                        "assignment_resource_name": rname, "assignment_resource_type": rtype,
                        "assignment_resource_purpose": rpurpose, "role_name": e.role.name(),
                        "purpose": e.role.purpose(),
                    }]),
                );
            }
            v
        })
        .collect();
    Reply::ok(&json!({ "employees": list }))
}
