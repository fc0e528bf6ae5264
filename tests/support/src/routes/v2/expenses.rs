//! `breakdown_expenses` and `clean_expenses`: the OptScale resource filter set (3.8),
//! its validation in OptScale's order, and the two response shapes.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::{bool_arg, int_arg, org_access, out_of_range, string_object, unexpected};
use crate::dates::{Day, SECS_PER_DAY};
use crate::errors::{Reply, invalid};
use crate::fixtures::{Line, NIL_UUID, Org};
use crate::generator::{World, round2};
use crate::routes::Req;

const LIST_FILTERS: [&str; 15] = [
    "owner_id",
    "pool_id",
    "cloud_account_id",
    "service_name",
    "region",
    "resource_type",
    "created_by_kind",
    "created_by_name",
    "k8s_namespace",
    "k8s_node",
    "k8s_service",
    "tag",
    "without_tag",
    "traffic_from",
    "traffic_to",
];
const BOOL_FILTERS: [&str; 3] = ["active", "recommendations", "constraint_violated"];
const STR_FILTERS: [&str; 2] = ["name_like", "cloud_resource_id_like"];
pub const BREAKDOWN_BY: [&str; 9] = [
    "employee_id",
    "pool_id",
    "cloud_account_id",
    "service_name",
    "region",
    "resource_type",
    "k8s_node",
    "k8s_namespace",
    "k8s_service",
];

/// Largest date OptScale accepts (`datetime.max` in seconds, minus one).
const MAX_DATE: i64 = 253_402_300_798;

/// Validated arguments of either route.
struct Args {
    start: i64,
    end: i64,
    lists: BTreeMap<&'static str, Vec<String>>,
    bools: BTreeMap<&'static str, bool>,
    likes: BTreeMap<&'static str, String>,
    limit: Option<i64>,
    fields: Vec<String>,
}

/// A date argument: present and an integer (400 `OE0223` otherwise, as tools.md 14.5 says).
fn date_arg(req: &Req, name: &str) -> Result<Option<i64>, Reply> {
    match req.query.last(name) {
        None => Ok(None),
        Some(v) => v.trim().parse::<i64>().map(Some).map_err(|_| {
            Reply::optscale(
                400,
                "OE0223",
                &format!("{name} should be integer"),
                json!([name]),
            )
        }),
    }
}

/// Parses and validates in OptScale's order: dates, unknown keys, wildcards,
/// booleans, limit.
fn parse_args(req: &Req, clean: bool) -> Result<Args, Reply> {
    let start = date_arg(req, "start_date")?;
    let end = date_arg(req, "end_date")?;
    let start = start.ok_or_else(|| not_provided("start_date"))?;
    let end = end.ok_or_else(|| not_provided("end_date"))?;
    for (name, v) in [("end_date", end), ("start_date", start)] {
        if !(0..=MAX_DATE).contains(&v) {
            return Err(out_of_range(name, 0, MAX_DATE));
        }
    }
    if end < start {
        return Err(Reply::optscale(
            400,
            "OE0446",
            "end_date should be greater than start_date",
            json!(["end_date", "start_date"]),
        ));
    }
    let mut allowed: Vec<&str> = vec!["start_date", "end_date"];
    allowed.extend(LIST_FILTERS);
    allowed.extend(BOOL_FILTERS);
    allowed.extend(STR_FILTERS);
    if clean {
        allowed.extend(["limit", "field", "format"]);
    } else {
        allowed.push("breakdown_by");
    }
    let extra: Vec<&str> = req
        .query
        .keys()
        .into_iter()
        .filter(|k| !allowed.contains(k))
        .collect();
    if !extra.is_empty() {
        return Err(unexpected(&extra));
    }
    let mut lists = BTreeMap::new();
    for f in LIST_FILTERS {
        if req.query.has(f) {
            lists.insert(f, req.query.all(f).into_iter().map(String::from).collect());
        }
    }
    let mut likes = BTreeMap::new();
    for f in STR_FILTERS {
        if let Some(v) = req.query.last(f) {
            if !v.chars().any(|c| c != '*' && c != '?') {
                return Err(Reply::optscale(
                    400,
                    "OE0496",
                    &format!("{f} should not consist of only wildcards"),
                    json!([f]),
                ));
            }
            likes.insert(f, v.to_string());
        }
    }
    let mut bools = BTreeMap::new();
    for f in BOOL_FILTERS {
        if let Some(b) = bool_arg(req, f)? {
            bools.insert(f, b);
        }
    }
    let mut limit = None;
    if clean {
        limit = int_arg(req, "limit")?;
        if let Some(l) = limit
            && !(1..=2_147_483_647).contains(&l)
        {
            return Err(out_of_range("limit", 1, 2_147_483_647));
        }
        if let Some(f) = req.query.last("format")
            && f != "json"
            && f != "advanced_json"
        {
            return Err(Reply::optscale(
                400,
                "OE0473",
                &format!("Format {f} is not allowed"),
                json!([f]),
            ));
        }
    }
    Ok(Args {
        start,
        end,
        lists,
        bools,
        likes,
        limit,
        fields: req
            .query
            .all("field")
            .into_iter()
            .map(String::from)
            .collect(),
    })
}

fn not_provided(name: &str) -> Reply {
    Reply::optscale(
        400,
        "OE0216",
        &format!("{name} is not provided"),
        json!([name]),
    )
}

/// A `*` / `?` pattern as OptScale builds it: `*` → `.*`, `?` → `.?`, unanchored,
/// case-insensitive.
pub fn like(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    let t: Vec<char> = text.to_lowercase().chars().collect();
    (0..=t.len()).any(|i| like_at(&p, &t[i..]))
}

/// Matches `p` at the start of `t` (a prefix match, since the search is unanchored).
fn like_at(p: &[char], t: &[char]) -> bool {
    match p.split_first() {
        None => true,
        Some(('*', rest)) => (0..=t.len()).any(|i| like_at(rest, &t[i..])),
        Some(('?', rest)) => like_at(rest, t) || (!t.is_empty() && like_at(rest, &t[1..])),
        Some((c, rest)) => t.first() == Some(c) && like_at(rest, &t[1..]),
    }
}

/// Checks the id filters against the organization (404 `OE0470`) and the
/// resource-type form (400 `OE0499`), then returns the indices of matching lines.
fn select_lines(w: &World, org: &Org, args: &Args) -> Result<Vec<usize>, Reply> {
    let fx = &w.fx;
    let exists = |name: &str, id: &str| match name {
        "pool_id" => fx.pool(id).is_some_and(|p| p.org == org.key),
        "cloud_account_id" => fx.data_source(id).is_some_and(|d| d.org == org.key),
        _ => fx.employee(id).is_some_and(|e| e.org == org.key),
    };
    for name in ["pool_id", "cloud_account_id", "owner_id"] {
        if let Some(values) = args.lists.get(name) {
            let missing: Vec<String> = values
                .iter()
                .map(|v| v.strip_suffix('+').unwrap_or(v).to_string())
                .filter(|v| v != NIL_UUID && !exists(name, v))
                .collect();
            if !missing.is_empty() {
                let repr = format!(
                    "[{}]",
                    missing
                        .iter()
                        .map(|m| format!("'{m}'"))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                return Err(Reply::optscale(
                    404,
                    "OE0470",
                    &format!("The following {name} filter values do not match any object: {repr}"),
                    json!([name, missing]),
                ));
            }
        }
    }
    let pools = args.lists.get("pool_id").map(|values| {
        let mut ids: Vec<String> = Vec::new();
        for v in values {
            match v.strip_suffix('+') {
                Some(base) => ids.extend(fx.subtree(base).iter().map(|p| p.id.clone())),
                None => ids.push(v.to_lowercase()),
            }
        }
        ids
    });
    let types = match args.lists.get("resource_type") {
        Some(v) => Some(parse_types(v)?),
        None => None,
    };
    Ok((0..fx.lines.len())
        .filter(|&i| {
            let l = &fx.lines[i];
            l.org == org.key && line_matches(w, l, args, pools.as_deref(), types.as_deref())
        })
        .collect())
}

/// `Type:identity` pairs; the identity must be regular, cluster or environment.
fn parse_types(values: &[String]) -> Result<Vec<(String, String)>, Reply> {
    values
        .iter()
        .map(|v| match v.rsplit_once(':') {
            Some((t, ident)) if ["regular", "cluster", "environment"].contains(&ident) => {
                Ok((t.to_string(), ident.to_string()))
            }
            _ => Err(Reply::optscale(
                400,
                "OE0499",
                "Incorrect resource type identity",
                json!([]),
            )),
        })
        .collect()
}

/// A list filter over an optional value; the nil UUID stands for "not set".
fn in_list(values: &[String], v: Option<&str>) -> bool {
    values.iter().any(|x| match v {
        Some(v) => x == v,
        None => x == NIL_UUID,
    })
}

fn line_matches(
    w: &World,
    l: &Line,
    a: &Args,
    pools: Option<&[String]>,
    types: Option<&[(String, String)]>,
) -> bool {
    let list = |k: &str| a.lists.get(k).map(Vec::as_slice);
    let k8s = |i: usize| {
        l.k8s.map(|(ns, node, svc)| match i {
            0 => ns,
            1 => node,
            _ => svc,
        })
    };
    let checks = [
        list("cloud_account_id").is_none_or(|v| in_list(v, Some(&l.ds))),
        pools.is_none_or(|p| p.iter().any(|x| x.eq_ignore_ascii_case(&l.pool))),
        list("owner_id").is_none_or(|v| in_list(v, l.owner.as_deref())),
        list("region").is_none_or(|v| in_list(v, Some(l.region))),
        list("service_name").is_none_or(|v| in_list(v, Some(l.service))),
        types.is_none_or(|t| {
            t.iter()
                .any(|(ty, ident)| ty == l.rtype && ident == "regular")
        }),
        list("k8s_namespace").is_none_or(|v| in_list(v, k8s(0))),
        list("k8s_node").is_none_or(|v| in_list(v, k8s(1))),
        list("k8s_service").is_none_or(|v| in_list(v, k8s(2))),
        list("created_by_kind").is_none_or(|v| in_list(v, l.k8s.map(|_| "Deployment"))),
        list("created_by_name").is_none_or(|v| in_list(v, l.k8s.map(|(ns, _, _)| ns))),
        // No fixture resource has traffic: only the "not set" value matches.
        list("traffic_from").is_none_or(|v| in_list(v, None)),
        list("traffic_to").is_none_or(|v| in_list(v, None)),
        list("tag").is_none_or(|v| {
            v.iter().any(|k| {
                if k == NIL_UUID {
                    l.tags.is_empty()
                } else {
                    l.tag(k).is_some()
                }
            })
        }),
        list("without_tag").is_none_or(|v| {
            v.iter().any(|k| {
                if k == NIL_UUID {
                    !l.tags.is_empty()
                } else {
                    l.tag(k).is_none()
                }
            })
        }),
        a.bools
            .get("active")
            .is_none_or(|b| *b == resource_active(w)),
        a.bools
            .get("recommendations")
            .is_none_or(|b| *b == (saving_of(w, l) > 0.0)),
        a.bools
            .get("constraint_violated")
            .is_none_or(|b| *b == constraint_violated(l)),
        a.likes.get("name_like").is_none_or(|p| like(p, l.name)),
        a.likes
            .get("cloud_resource_id_like")
            .is_none_or(|p| like(p, l.cloud_id)),
    ];
    checks.iter().all(|c| *c)
}

/// Every fixture resource had cost yesterday, so all are active while data exists.
pub fn resource_active(w: &World) -> bool {
    w.last_day >= w.first_day
}

/// A resource violates the tagging policy when it lacks the Environment tag.
pub fn constraint_violated(l: &Line) -> bool {
    l.tag("Environment").is_none()
}

/// Possible monthly saving of a resource (from the v2 optimizations).
pub fn saving_of(w: &World, l: &Line) -> f64 {
    w.fx.optimizations
        .iter()
        .filter(|o| o.line == Some(l.n))
        .map(|o| o.saving)
        .sum()
}

fn org_has_data_sources(w: &World, org: &Org) -> Result<(), Reply> {
    if w.fx.org_data_sources(org.key).next().is_none() {
        return Err(Reply::optscale(
            424,
            "OE0445",
            &format!(
                "Organization {} ({}) doesn't have any cloud accounts connected",
                org.name, org.id
            ),
            json!([org.name, org.id]),
        ));
    }
    Ok(())
}

/// Day records whose midnight timestamp lies within `[start, end]`.
fn day_span(start: i64, end: i64) -> (Day, Day) {
    (
        start.div_euclid(SECS_PER_DAY) + i64::from(start.rem_euclid(SECS_PER_DAY) != 0),
        end.div_euclid(SECS_PER_DAY),
    )
}

/// `GET /restapi/v2/organizations/{id}/breakdown_expenses`.
pub fn breakdown(req: &Req, org_id: &str) -> Reply {
    let (org, _) = match org_access(req, org_id, "OE0234") {
        Ok(x) => x,
        Err(r) => return r,
    };
    let args = match parse_args(req, false) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let breakdown_by = req.query.last("breakdown_by");
    if let Some(b) = breakdown_by
        && !BREAKDOWN_BY.contains(&b)
    {
        return invalid("breakdown_by");
    }
    let w = req.world;
    // Snap to whole days, as OptScale's breakdown controller does.
    let start = args.start - args.start.rem_euclid(SECS_PER_DAY);
    let end = args.end - args.end.rem_euclid(SECS_PER_DAY) + SECS_PER_DAY - 1;
    let lines = match select_lines(w, org, &args) {
        Ok(l) => l,
        Err(r) => return r,
    };
    if (end - start) as f64 / SECS_PER_DAY as f64 > 365.0 {
        return Reply::optscale(
            400,
            "OE0515",
            "The interval between dates should be less than a year",
            json!([]),
        );
    }
    if let Err(r) = org_has_data_sources(w, org) {
        return r;
    }
    let by = breakdown_by.unwrap_or("service_name");
    let first = start / SECS_PER_DAY;
    let last = end / SECS_PER_DAY;
    let prev_start = (start - (end - start + 1)).max(0);
    let prev_first = prev_start / SECS_PER_DAY;
    let fx = &w.fx;
    // Breakdown values are interned; sums are kept per value and per day.
    let mut names: Vec<String> = Vec::new();
    let line_keys: Vec<(usize, usize)> = lines
        .iter()
        .map(|&i| {
            let key = breakdown_key(&fx.lines[i], by);
            let k = names.iter().position(|n| *n == key).unwrap_or_else(|| {
                names.push(key);
                names.len() - 1
            });
            (i, k)
        })
        .collect();
    let ndays = usize::try_from(last - first + 1).unwrap_or(0);
    let mut sums = vec![(0.0, 0.0, false); names.len()];
    let mut daily: Vec<Vec<Option<f64>>> = vec![vec![None; names.len()]; ndays];
    let mut totals = (0.0, 0.0);
    for &(i, k) in &line_keys {
        for d in prev_first.max(w.first_day)..=last.min(w.last_day) {
            let c = w.billed(i, d);
            if c == 0.0 {
                continue;
            }
            sums[k].2 = true;
            if d < first {
                sums[k].1 += c;
                totals.1 += c;
            } else {
                sums[k].0 += c;
                totals.0 += c;
                if let Some(slot) = daily
                    .get_mut((d - first) as usize)
                    .and_then(|row| row.get_mut(k))
                {
                    *slot = Some(slot.unwrap_or(0.0) + c);
                }
            }
        }
    }
    let info: Vec<Map<String, Value>> = names
        .iter()
        .map(|key| {
            let mut m = Map::new();
            match by {
                "pool_id" => {
                    if let Some(p) = fx.pool(key) {
                        m.insert("name".into(), json!(p.name));
                        m.insert("purpose".into(), json!(p.purpose));
                    }
                }
                "employee_id" => {
                    if let Some(e) = fx.employee(key) {
                        m.insert("name".into(), json!(e.name));
                    }
                }
                "cloud_account_id" => {
                    if let Some(d) = fx.data_source(key) {
                        m.insert("name".into(), json!(d.name));
                        m.insert("type".into(), json!(d.kind));
                    }
                }
                _ => {}
            }
            m
        })
        .collect();
    let mut order: Vec<usize> = (0..names.len()).collect();
    order.sort_by(|a, b| names[*a].cmp(&names[*b]));
    let mut counts: Map<String, Value> = Map::new();
    for &k in &order {
        let (total, prev, seen) = sums[k];
        if !seen {
            continue;
        }
        let mut entry = Map::new();
        entry.insert("total".into(), json!(round2(total)));
        entry.insert("previous_total".into(), json!(round2(prev)));
        entry.extend(info[k].clone());
        counts.insert(names[k].clone(), Value::Object(entry));
    }
    let days: Vec<(Day, Map<String, Value>)> = daily
        .iter()
        .enumerate()
        .map(|(off, row)| {
            let mut m = Map::new();
            for &k in &order {
                if let Some(cost) = row[k] {
                    let mut entry = Map::new();
                    entry.insert("cost".into(), json!(round2(cost)));
                    entry.extend(info[k].clone());
                    m.insert(names[k].clone(), Value::Object(entry));
                }
            }
            (first + off as Day, m)
        })
        .collect();
    let breakdown: Map<String, Value> = days
        .into_iter()
        .map(|(d, m)| ((d * SECS_PER_DAY).to_string(), Value::Object(m)))
        .collect();
    let mut out = json!({
        "start_date": start, "end_date": end, "previous_range_start": prev_start,
        "total": round2(totals.0), "previous_total": round2(totals.1),
        "counts": counts, "breakdown": breakdown,
    });
    if let (Some(b), Some(o)) = (breakdown_by, out.as_object_mut()) {
        o.insert("breakdown_by".into(), json!(b));
    }
    Reply::ok(&out)
}

/// The breakdown value of a line; a missing value is Python's `None` key, `"null"`.
fn breakdown_key(l: &Line, by: &str) -> String {
    let v: Option<String> = match by {
        "employee_id" => l.owner.clone(),
        "pool_id" => Some(l.pool.clone()),
        "cloud_account_id" => Some(l.ds.clone()),
        "service_name" => Some(l.service.to_string()),
        "region" => Some(l.region.to_string()),
        "resource_type" => Some(l.rtype.to_string()),
        "k8s_namespace" => l.k8s.map(|k| k.0.to_string()),
        "k8s_node" => l.k8s.map(|k| k.1.to_string()),
        "k8s_service" => l.k8s.map(|k| k.2.to_string()),
        _ => None,
    };
    v.unwrap_or_else(|| "null".to_string())
}

/// The full clean-expenses item of a resource.
pub fn resource_item(w: &World, i: usize, cost: f64) -> Value {
    let fx = &w.fx;
    let l = &fx.lines[i];
    let ds = fx.data_source(&l.ds);
    let pool = fx.pool(&l.pool);
    let owner = l.owner.as_deref().and_then(|o| fx.employee(o));
    let rule = fx.rule(&l.rule);
    let first_seen = World::ts(w.first_day);
    let last_seen = World::ts(w.last_day) + SECS_PER_DAY - 1;
    let tags = string_object(l.tags);
    let meta = string_object(l.meta);
    json!({
        "id": l.resource_id,
        "resource_id": l.resource_id,
        "cloud_resource_id": l.cloud_id,
        "resource_name": l.name,
        "resource_type": l.rtype,
        "service_name": l.service,
        "region": l.region,
        "cloud_account_id": l.ds,
        "cloud_account_name": ds.map(|d| d.name),
        "cloud_account_type": ds.map(|d| d.kind),
        "pool_id": l.pool,
        "pool": pool.map(|p| json!({"id": p.id, "name": p.name, "purpose": p.purpose})),
        "employee_id": l.owner,
        "owner": owner.map(|e| json!({"id": e.id, "name": e.name})),
        "cost": round2(cost),
        "total_cost": w.total_cost(&[i]),
        "saving": saving_of(w, l),
        "active": resource_active(w),
        "constraint_violated": constraint_violated(l),
        "shareable": false,
        "is_environment": false,
        "first_seen": first_seen,
        "last_seen": last_seen,
        "created_at": first_seen,
        "deleted_at": 0,
        "cloud_created_at": first_seen - 30 * SECS_PER_DAY,
        "last_expense": {"date": World::ts(w.last_day), "cost": w.billed(i, w.last_day)},
        "tags": tags,
        "meta": meta,
        "applied_rules": rule.map(|r| vec![json!({"id": r.id, "name": r.name, "pool_id": r.pool_id})]).unwrap_or_default(),
        "has_metrics": l.hourly(),
        "k8s_namespace": l.k8s.map(|k| k.0),
        "k8s_node": l.k8s.map(|k| k.1),
        "k8s_service": l.k8s.map(|k| k.2),
        "created_by_kind": l.k8s.map(|_| "Deployment"),
        "created_by_name": l.k8s.map(|k| k.0),
        "traffic_expenses": [],
    })
}

/// Keeps only the listed dotted paths, as OptScale's field whitelisting does
/// (`null` values are left out; paths into the same object are merged).
pub fn keep_fields(item: &Value, fields: &[Vec<&str>]) -> Value {
    let Value::Object(obj) = item else {
        return item.clone();
    };
    let mut out = Map::new();
    for path in fields {
        let Some((first, rest)) = path.split_first() else {
            continue;
        };
        let Some(value) = obj.get(*first).filter(|v| !v.is_null()) else {
            continue;
        };
        let kept = if rest.is_empty() {
            value.clone()
        } else {
            keep_fields(value, &[rest.to_vec()])
        };
        match (out.get_mut(*first), kept) {
            (Some(Value::Object(existing)), Value::Object(more)) if !rest.is_empty() => {
                existing.extend(more)
            }
            (_, kept) => {
                out.insert(first.to_string(), kept);
            }
        }
    }
    Value::Object(out)
}

/// `GET /restapi/v2/organizations/{id}/clean_expenses`.
pub fn clean(req: &Req, org_id: &str) -> Reply {
    let (org, _) = match org_access(req, org_id, "OE0234") {
        Ok(x) => x,
        Err(r) => return r,
    };
    let args = match parse_args(req, true) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let w = req.world;
    let lines = match select_lines(w, org, &args) {
        Ok(l) => l,
        Err(r) => return r,
    };
    if let Err(r) = org_has_data_sources(w, org) {
        return r;
    }
    let (first, last) = day_span(args.start, args.end);
    let mut costed: Vec<(usize, f64)> = lines
        .into_iter()
        .map(|i| (i, w.billed_range(i, first, last)))
        .filter(|(_, c)| *c > 0.0)
        .collect();
    costed.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let total_count = costed.len();
    let total_cost = round2(costed.iter().map(|(_, c)| c).sum());
    if let Some(l) = args.limit {
        costed.truncate(usize::try_from(l).unwrap_or(usize::MAX));
    }
    let fields: Vec<Vec<&str>> = args.fields.iter().map(|f| f.split('.').collect()).collect();
    let items: Vec<Value> = costed
        .iter()
        .map(|&(i, c)| {
            let item = resource_item(w, i, c);
            if fields.is_empty() {
                item
            } else {
                keep_fields(&item, &fields)
            }
        })
        .collect();
    let mut out = json!({
        "clean_expenses": items, "total_count": total_count, "total_cost": total_cost,
        "start_date": args.start, "end_date": args.end,
    });
    if let (Some(l), Some(o)) = (args.limit, out.as_object_mut()) {
        o.insert("limit".into(), json!(l));
    }
    Reply::ok(&out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(like("web", "web-1"));
        assert!(like("WEB-*", "web-1"));
        assert!(like("w?b", "web-1"));
        assert!(like("*-1", "web-1"));
        assert!(!like("api*x", "web-1"));
        assert!(like("i-0a1b*0001", "i-0a1b2c3d4e5f60001"));
    }

    #[test]
    fn field_paths() {
        let item = json!({"id": 1, "owner": {"id": 2, "name": "A"}, "pool": null, "cost": 3});
        let f = vec![
            vec!["id"],
            vec!["owner", "name"],
            vec!["pool", "name"],
            vec!["owner", "id"],
        ];
        assert_eq!(
            keep_fields(&item, &f),
            json!({"id": 1, "owner": {"name": "A", "id": 2}})
        );
    }
}
