//! `POST …/expenses` (real aggregation of the generated cost lines),
//! `POST …/expenses/dimensions/query` and `GET …/expenses/dimensions/lookups`.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::validate::{self, F, Q, QF, S, check, check_obj, list, opt, push, req, unique_list};
use super::{
    CURRENCIES, METRICS, STANDARD_DIMENSIONS, VALUE_FILTERS, check_path_uuid, dim_value,
    dim_values, org_access, rate,
};
use crate::dates::{self, Day};
use crate::errors::Reply;
use crate::fixtures::Line;
use crate::generator::{LIST_FACTOR, World, effective_factor, round2};
use crate::routes::Req;

const GRANULARITIES: [&str; 5] = ["day", "week", "month", "year", "total"];
const ORDER_FIELDS: [&str; 6] = [
    "date",
    "billed_cost",
    "effective_cost",
    "list_cost",
    "consumed_quantity",
    "resource_count",
];
const RANGE_FILTERS: [&str; 4] = [
    "billed_cost",
    "effective_cost",
    "list_cost",
    "consumed_quantity",
];
const OPS: [&str; 4] = ["gt", "gte", "lt", "lte"];

fn str_list(max: usize) -> S {
    list(S::Str(1, usize::MAX), 1, max)
}

/// A group-by item: a standard dimension or `{"type": "keys"|"values", "key"?}`.
fn group_by_item(v: &Value, loc: &mut Vec<Value>, errs: &mut Vec<Value>) {
    match v {
        Value::String(_) => check(v, &S::Enum(&STANDARD_DIMENSIONS), loc, errs),
        Value::Object(o) => {
            let before = errs.len();
            check_obj(
                v,
                &[
                    req("type", S::Enum(&["keys", "values"])),
                    opt("key", S::Str(1, 256)),
                ],
                loc,
                errs,
            );
            if errs.len() > before {
                return;
            }
            let has_key = o.get("key").is_some_and(|k| !k.is_null());
            match o.get("type").and_then(Value::as_str) {
                Some("values") if !has_key => push(
                    errs,
                    loc,
                    "Value error, key is required when type is values",
                    "value_error",
                    Some(v),
                ),
                Some("keys") if has_key => push(
                    errs,
                    loc,
                    "Value error, key must be omitted when type is keys",
                    "value_error",
                    Some(v),
                ),
                _ => {}
            }
        }
        _ => push(
            errs,
            loc,
            "Input should be a standard dimension name or a tag group object",
            "union_type",
            Some(v),
        ),
    }
}

/// The expense filter object of tools.md 3.2.
fn filters_check(v: &Value, loc: &mut Vec<Value>, errs: &mut Vec<Value>) {
    let Some(obj) = v.as_object() else {
        push(
            errs,
            loc,
            "Input should be a valid dictionary",
            "dict_type",
            Some(v),
        );
        return;
    };
    for (k, x) in obj {
        loc.push(json!(k));
        if x.is_null() {
        } else if VALUE_FILTERS.contains(&k.as_str()) {
            match x {
                Value::Array(_) => check(x, &str_list(1000), loc, errs),
                Value::Object(o) => {
                    let before = errs.len();
                    check_obj(
                        x,
                        &[
                            opt("include", str_list(1000)),
                            opt("exclude", str_list(1000)),
                        ],
                        loc,
                        errs,
                    );
                    if errs.len() == before
                        && o.get("include").is_none_or(Value::is_null)
                        && o.get("exclude").is_none_or(Value::is_null)
                    {
                        push(
                            errs,
                            loc,
                            "Value error, include or exclude is required",
                            "value_error",
                            Some(x),
                        );
                    }
                }
                _ => push(
                    errs,
                    loc,
                    "Input should be a valid list or an include/exclude object",
                    "union_type",
                    Some(x),
                ),
            }
        } else if RANGE_FILTERS.contains(&k.as_str()) {
            let item = S::Obj(vec![req("value", S::Num), req("op", S::Enum(&OPS))]);
            check(x, &list(item, 1, 4), loc, errs);
        } else if k == "tags" {
            let item = S::Obj(vec![
                req("key", S::Str(1, 256)),
                opt("include", str_list(1000)),
                opt("exclude", str_list(1000)),
                opt("exists", S::Bool),
            ]);
            check(x, &list(item, 1, 20), loc, errs);
        } else {
            push(
                errs,
                loc,
                "Extra inputs are not permitted",
                "extra_forbidden",
                Some(x),
            );
        }
        loc.pop();
    }
}

fn expenses_schema() -> Vec<F> {
    vec![
        req("start_date", S::Date),
        req("end_date", S::Date),
        opt("currency", S::Enum(&CURRENCIES)),
        opt("granularity", S::Enum(&GRANULARITIES)),
        opt("group_by", unique_list(S::Custom(group_by_item), 1, 3)),
        opt("filters", S::Custom(filters_check)),
        opt("metrics", unique_list(S::Enum(&METRICS), 1, 4)),
        opt(
            "order_by",
            list(
                S::Obj(vec![
                    req("field", S::Enum(&ORDER_FIELDS)),
                    opt("direction", S::Enum(&["asc", "desc"])),
                ]),
                1,
                3,
            ),
        ),
        opt("limit", S::Int(1, 10_000)),
    ]
}

fn strs(v: Option<&Value>) -> Option<Vec<&str>> {
    v.and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
}

struct ValueFilter<'a> {
    dim: &'a str,
    include: Option<Vec<&'a str>>,
    exclude: Option<Vec<&'a str>>,
}

struct TagFilter<'a> {
    key: &'a str,
    include: Option<Vec<&'a str>>,
    exclude: Option<Vec<&'a str>>,
    exists: Option<bool>,
}

#[derive(Clone, Copy)]
enum Group<'a> {
    Dim(&'a str),
    TagValues(&'a str),
    TagKeys,
}

impl Group<'_> {
    fn column(&self) -> String {
        match self {
            Group::Dim(d) => d.to_string(),
            Group::TagValues(k) => format!("tag:{k}"),
            Group::TagKeys => "tag_key".to_string(),
        }
    }
}

fn value_filter_matches(f: &ValueFilter, v: Option<&str>) -> bool {
    let inc = f
        .include
        .as_ref()
        .is_none_or(|i| v.is_some_and(|v| i.contains(&v)));
    let exc = f
        .exclude
        .as_ref()
        .is_none_or(|e| v.is_none_or(|v| !e.contains(&v)));
    inc && exc
}

fn tag_filter_matches(f: &TagFilter, l: &Line) -> bool {
    let v = l.tag(f.key);
    f.include
        .as_ref()
        .is_none_or(|i| v.is_some_and(|v| i.contains(&v)))
        && f.exclude
            .as_ref()
            .is_none_or(|e| v.is_none_or(|v| !e.contains(&v)))
        && f.exists.is_none_or(|x| x == v.is_some())
}

/// A time bucket and the index of the row's group-key values.
type BucketKey = (Day, usize);

#[derive(Default)]
struct Acc {
    billed: f64,
    effective: f64,
    list: f64,
    qty: f64,
    resources: Vec<usize>,
}

impl Acc {
    fn metric(&self, m: &str) -> f64 {
        match m {
            "billed_cost" => self.billed,
            "effective_cost" => self.effective,
            "list_cost" => self.list,
            "consumed_quantity" => self.qty,
            "resource_count" => self.resources.len() as f64,
            _ => 0.0,
        }
    }
}

/// Every distinct tag value of a key in an organization.
fn tag_values(w: &World, org: char, key: &str) -> Vec<String> {
    let mut v: Vec<String> =
        w.fx.org_lines(org)
            .filter_map(|l| l.tag(key).map(String::from))
            .collect();
    v.sort();
    v.dedup();
    v
}

fn tag_keys(w: &World, org: char) -> Vec<String> {
    let mut v: Vec<String> =
        w.fx.org_lines(org)
            .flat_map(|l| l.tags.iter().map(|(k, _)| k.to_string()))
            .collect();
    v.sort();
    v.dedup();
    v
}

/// `POST /api/v3/organizations/{id}/expenses`.
pub fn expenses(req_: &Req, org_id: &str) -> Reply {
    let mut errs = Vec::new();
    check_path_uuid("organization_id", org_id, &mut errs);
    let body = validate::body(req_, &mut errs);
    if let Some(b) = body {
        check_obj(b, &expenses_schema(), &mut vec![json!("body")], &mut errs);
    }
    let (Some(body), true) = (body, errs.is_empty()) else {
        return Reply::validation(errs);
    };
    let day = |k: &str| {
        body.get(k)
            .and_then(Value::as_str)
            .and_then(dates::parse_day)
            .unwrap_or(0)
    };
    let (start, end) = (day("start_date"), day("end_date"));
    if end < start {
        return Reply::validation(vec![crate::errors::item(
            vec![json!("body")],
            "Value error, end_date must not be before start_date",
            "value_error",
            Some(body),
        )]);
    }
    let org = match org_access(req_, org_id) {
        Ok(o) => o,
        Err(r) => return r,
    };
    let w = req_.world;

    // Filters, checked against the organization's data.
    let filters = body.get("filters").and_then(Value::as_object);
    let mut value_filters = Vec::new();
    let mut range_filters: Vec<(&str, Vec<(f64, &str)>)> = Vec::new();
    let mut tag_filters = Vec::new();
    for (k, v) in filters.into_iter().flatten() {
        if VALUE_FILTERS.contains(&k.as_str()) {
            let (include, exclude) = match v {
                Value::Array(_) => (strs(Some(v)), None),
                Value::Object(o) => (strs(o.get("include")), strs(o.get("exclude"))),
                _ => continue,
            };
            let known = dim_values(w, org.key, k);
            let bad: Vec<&str> = include
                .iter()
                .chain(exclude.iter())
                .flatten()
                .copied()
                .filter(|x| !known.iter().any(|k| k == x))
                .collect();
            if !bad.is_empty() {
                return Reply::detail(
                    400,
                    &format!("Invalid filter value(s) for {k}: {}", bad.join(", ")),
                );
            }
            value_filters.push(ValueFilter {
                dim: k,
                include,
                exclude,
            });
        } else if RANGE_FILTERS.contains(&k.as_str()) {
            let conds = v
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|c| Some((c.get("value")?.as_f64()?, c.get("op")?.as_str()?)))
                .collect();
            range_filters.push((k, conds));
        } else if k == "tags" {
            for t in v.as_array().into_iter().flatten() {
                let key = t.get("key").and_then(Value::as_str).unwrap_or("");
                let (include, exclude) = (strs(t.get("include")), strs(t.get("exclude")));
                if include.is_some() || exclude.is_some() {
                    let known = tag_values(w, org.key, key);
                    let bad: Vec<String> = include
                        .iter()
                        .chain(exclude.iter())
                        .flatten()
                        .filter(|x| !known.iter().any(|k| k == *x))
                        .map(|x| format!("{key}={x}"))
                        .collect();
                    if !bad.is_empty() {
                        return Reply::detail(
                            400,
                            &format!("Invalid filter value(s) for tags: {}", bad.join(", ")),
                        );
                    }
                }
                tag_filters.push(TagFilter {
                    key,
                    include,
                    exclude,
                    exists: t.get("exists").and_then(Value::as_bool),
                });
            }
        }
    }

    let granularity = body
        .get("granularity")
        .and_then(Value::as_str)
        .unwrap_or("total");
    let currency = body
        .get("currency")
        .and_then(Value::as_str)
        .unwrap_or(org.currency);
    let factor = rate(currency) / rate(org.currency);
    let metrics: Vec<&str> =
        strs(body.get("metrics")).unwrap_or_else(|| vec!["effective_cost", "billed_cost"]);
    let groups: Vec<Group> = body
        .get("group_by")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|g| match g {
            Value::String(s) => Some(Group::Dim(s)),
            Value::Object(o) => match o.get("type").and_then(Value::as_str) {
                Some("values") => o.get("key").and_then(Value::as_str).map(Group::TagValues),
                Some("keys") => Some(Group::TagKeys),
                _ => None,
            },
            _ => None,
        })
        .collect();

    let fx = &w.fx;
    let lines: Vec<usize> = w
        .line_indices(org.key)
        .into_iter()
        .filter(|&i| {
            let l = &fx.lines[i];
            value_filters
                .iter()
                .all(|f| value_filter_matches(f, dim_value(w, l, f.dim).as_deref()))
                && tag_filters.iter().all(|f| tag_filter_matches(f, l))
        })
        .collect();
    // Each line's group-key combinations (a line with two tags has two tag_key rows).
    // Interned so that the per-day loop only moves small integers.
    let mut keys: Vec<Vec<Option<String>>> = Vec::new();
    let variants: Vec<(usize, Vec<usize>)> = lines
        .iter()
        .map(|&i| {
            let l = &fx.lines[i];
            let mut combos: Vec<Vec<Option<String>>> = vec![Vec::new()];
            for g in &groups {
                let options: Vec<Option<String>> = match g {
                    Group::Dim(d) => vec![dim_value(w, l, d)],
                    Group::TagValues(k) => vec![l.tag(k).map(String::from)],
                    Group::TagKeys if l.tags.is_empty() => vec![None],
                    Group::TagKeys => l.tags.iter().map(|(k, _)| Some(k.to_string())).collect(),
                };
                combos = combos
                    .into_iter()
                    .flat_map(|c| {
                        options.iter().map(move |o| {
                            let mut c = c.clone();
                            c.push(o.clone());
                            c
                        })
                    })
                    .collect();
            }
            let ids = combos
                .into_iter()
                .map(|c| match keys.iter().position(|k| *k == c) {
                    Some(p) => p,
                    None => {
                        keys.push(c);
                        keys.len() - 1
                    }
                })
                .collect();
            (i, ids)
        })
        .collect();

    let mut acc: HashMap<BucketKey, Acc> = HashMap::new();
    let (first, last) = (start.max(w.first_day), end.min(w.last_day));
    for d in first..=last {
        let bucket = match granularity {
            "day" => d,
            "week" => dates::week_start(d),
            "month" => dates::month_start(d),
            "year" => dates::year_start(d),
            _ => Day::MIN,
        };
        for (i, ids) in &variants {
            let (i, l) = (*i, &fx.lines[*i]);
            let billed = w.billed(i, d) * factor;
            let rec = [
                ("billed_cost", billed),
                ("effective_cost", billed * effective_factor(l)),
                ("list_cost", billed * LIST_FACTOR),
                ("consumed_quantity", l.consumed_quantity()),
            ];
            let value = |m: &str| {
                rec.iter()
                    .find(|(k, _)| *k == m)
                    .map(|(_, v)| *v)
                    .unwrap_or(0.0)
            };
            let passes = range_filters.iter().all(|(m, conds)| {
                let x = value(m);
                conds.iter().all(|(v, op)| match *op {
                    "gt" => x > *v,
                    "gte" => x >= *v,
                    "lt" => x < *v,
                    _ => x <= *v,
                })
            });
            if !passes {
                continue;
            }
            for &gid in ids {
                let a = acc.entry((bucket, gid)).or_default();
                a.billed += rec[0].1;
                a.effective += rec[1].1;
                a.list += rec[2].1;
                a.qty += rec[3].1;
                if !a.resources.contains(&i) {
                    a.resources.push(i);
                }
            }
        }
    }

    let mut rows: Vec<(BucketKey, Acc)> = acc.into_iter().collect();
    let order: Vec<(&str, bool)> = body
        .get("order_by")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|o| {
            let field = o.get("field")?.as_str()?;
            let desc = match o.get("direction").and_then(Value::as_str) {
                Some(d) => d == "desc",
                None => field != "date",
            };
            Some((field, desc))
        })
        .collect();
    rows.sort_by(|(ka, a), (kb, b)| {
        let mut ord = std::cmp::Ordering::Equal;
        for (field, desc) in &order {
            let o = if *field == "date" {
                ka.0.cmp(&kb.0)
            } else {
                a.metric(field).total_cmp(&b.metric(field))
            };
            let o = if *desc { o.reverse() } else { o };
            ord = ord.then(o);
        }
        ord.then(ka.0.cmp(&kb.0)).then(keys[ka.1].cmp(&keys[kb.1]))
    });
    let mut totals = Map::new();
    for m in &metrics {
        totals.insert(
            m.to_string(),
            json!(round2(rows.iter().map(|(_, a)| a.metric(m)).sum())),
        );
    }
    let total_count = rows.len();
    if let Some(limit) = body.get("limit").and_then(|l| validate::int_value(l).ok()) {
        rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    }
    let columns: Vec<String> = groups.iter().map(Group::column).collect();
    let out_rows: Vec<RowOut> = rows
        .iter()
        .map(|((bucket, key), a)| RowOut {
            date: (granularity != "total").then(|| dates::fmt_day(*bucket)),
            columns: &columns,
            values: &keys[*key],
            metrics: &metrics,
            acc: a,
        })
        .collect();
    let head = json!({
        "start_date": dates::fmt_day(start), "end_date": dates::fmt_day(end),
        "granularity": granularity, "currency": currency,
        "group_by": body.get("group_by").filter(|g| !g.is_null()).cloned().unwrap_or(json!([])),
        "metrics": metrics,
    });
    let tail = json!({"totals": totals, "total_count": total_count});
    // Rows are written by hand: a year at day granularity is thousands of rows, and
    // building them as `Value` trees is slow in unoptimized test builds.
    let mut out = String::with_capacity(256 + out_rows.len() * 160);
    let head_text = head.to_string();
    out.push_str(&head_text[..head_text.len() - 1]);
    out.push_str(",\"rows\":[");
    for (n, row) in out_rows.iter().enumerate() {
        if n > 0 {
            out.push(',');
        }
        row.write(&mut out);
    }
    out.push_str("],");
    out.push_str(&tail.to_string()[1..]);
    Reply::raw_json(200, out)
}

struct RowOut<'a> {
    date: Option<String>,
    columns: &'a [String],
    values: &'a [Option<String>],
    metrics: &'a [&'a str],
    acc: &'a Acc,
}

impl RowOut<'_> {
    fn write(&self, out: &mut String) {
        use std::fmt::Write;
        out.push('{');
        let mut first = true;
        let mut key = |out: &mut String, k: &str| {
            if !first {
                out.push(',');
            }
            first = false;
            push_json_str(out, k);
            out.push(':');
        };
        if let Some(d) = &self.date {
            key(out, "date");
            push_json_str(out, d);
        }
        for (c, v) in self.columns.iter().zip(self.values) {
            key(out, c);
            match v {
                Some(v) => push_json_str(out, v),
                None => out.push_str("null"),
            }
        }
        for metric in self.metrics {
            key(out, metric);
            let _ = write!(out, "{}", round2(self.acc.metric(metric)));
        }
        key(out, "resource_count");
        let _ = write!(out, "{}", self.acc.resources.len());
        out.push('}');
    }
}

/// A JSON string literal.
fn push_json_str(out: &mut String, s: &str) {
    use std::fmt::Write;
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// `{"dimension_type": "standard", "name"}` or `{"dimension_type": "tag", "tag_type", "key"?}`.
fn dimension_check(v: &Value, loc: &mut Vec<Value>, errs: &mut Vec<Value>) {
    let kind = v.get("dimension_type").and_then(Value::as_str);
    match kind {
        Some("standard") => check_obj(
            v,
            &[
                req("dimension_type", S::Enum(&["standard"])),
                req("name", S::Enum(&STANDARD_DIMENSIONS)),
            ],
            loc,
            errs,
        ),
        Some("tag") => {
            let before = errs.len();
            check_obj(
                v,
                &[
                    req("dimension_type", S::Enum(&["tag"])),
                    req("tag_type", S::Enum(&["keys", "values"])),
                    opt("key", S::Str(1, 256)),
                ],
                loc,
                errs,
            );
            if errs.len() > before {
                return;
            }
            let has_key = v.get("key").is_some_and(|k| !k.is_null());
            match v.get("tag_type").and_then(Value::as_str) {
                Some("values") if !has_key => push(
                    errs,
                    loc,
                    "Value error, key is required when tag_type is values",
                    "value_error",
                    Some(v),
                ),
                Some("keys") if has_key => push(
                    errs,
                    loc,
                    "Value error, key must be omitted when tag_type is keys",
                    "value_error",
                    Some(v),
                ),
                _ => {}
            }
        }
        _ if !v.is_object() => push(
            errs,
            loc,
            "Input should be a valid dictionary or object to extract fields from",
            "model_attributes_type",
            Some(v),
        ),
        _ => {
            loc.push(json!("dimension_type"));
            push(
                errs,
                loc,
                "Input tag 'dimension_type' found using 'standard' | 'tag' does not match any of the expected tags",
                "union_tag_invalid",
                v.get("dimension_type"),
            );
            loc.pop();
        }
    }
}

/// `POST /api/v3/organizations/{id}/expenses/dimensions/query`.
pub fn dimensions_query(req_: &Req, org_id: &str) -> Reply {
    let mut errs = Vec::new();
    check_path_uuid("organization_id", org_id, &mut errs);
    let body = validate::body(req_, &mut errs);
    if let Some(b) = body {
        let schema = [
            req("dimension", S::Custom(dimension_check)),
            opt("search", S::Str(1, 100)),
            opt("limit", S::Int(1, 1_000_000)),
        ];
        check_obj(b, &schema, &mut vec![json!("body")], &mut errs);
    }
    let (Some(body), true) = (body, errs.is_empty()) else {
        return Reply::validation(errs);
    };
    let org = match org_access(req_, org_id) {
        Ok(o) => o,
        Err(r) => return r,
    };
    let w = req_.world;
    let dim = &body["dimension"];
    let name = dim.get("name").and_then(Value::as_str);
    let all: Vec<String> = match (dim.get("dimension_type").and_then(Value::as_str), name) {
        (Some("standard"), Some(n)) => dim_values(w, org.key, n),
        _ => match dim.get("key").and_then(Value::as_str) {
            None => tag_keys(w, org.key),
            Some(k) => {
                if !tag_keys(w, org.key).iter().any(|x| x == k) {
                    return Reply::detail(400, &format!("Unknown tag key: {k}"));
                }
                tag_values(w, org.key, k)
            }
        },
    };
    let search = body
        .get("search")
        .and_then(Value::as_str)
        .map(str::to_lowercase);
    let matching: Vec<String> = all
        .into_iter()
        .filter(|v| {
            search
                .as_ref()
                .is_none_or(|s| v.to_lowercase().contains(s.as_str()))
        })
        .collect();
    let limit = body
        .get("limit")
        .and_then(|l| validate::int_value(l).ok())
        .unwrap_or(100);
    let count = matching.len();
    let shown = &matching[..count.min(usize::try_from(limit).unwrap_or(usize::MAX))];
    let values: Vec<Value> = if req_.opts.objects_values {
        shown
            .iter()
            .map(|v| json!({"value": v, "label": label(w, name, v)}))
            .collect()
    } else {
        shown.iter().map(|v| json!(v)).collect()
    };
    Reply::ok(&json!({
        "dimension": dim, "values": values, "count": count, "has_more": count > shown.len(),
    }))
}

/// The display label of a value in objects style: names for ids.
fn label(w: &World, dim: Option<&str>, value: &str) -> String {
    let fx = &w.fx;
    match dim {
        Some("data_source_id") => fx.data_source(value).map(|d| d.name.to_string()),
        Some("pool_id") => fx.pool(value).map(|p| p.name.to_string()),
        Some("rule_id") => fx.rule(value).map(|r| r.name.to_string()),
        _ => None,
    }
    .unwrap_or_else(|| value.to_string())
}

/// `GET /api/v3/organizations/{id}/expenses/dimensions/lookups`.
pub fn lookups(req_: &Req, org_id: &str) -> Reply {
    let mut errs = Vec::new();
    check_path_uuid("organization_id", org_id, &mut errs);
    validate::check_query(
        req_,
        &[
            QF {
                name: "include_pools",
                kind: Q::Bool,
                required: false,
                repeated: false,
            },
            QF {
                name: "include_data_sources",
                kind: Q::Bool,
                required: false,
                repeated: false,
            },
        ],
        &mut errs,
    );
    if !errs.is_empty() {
        return Reply::validation(errs);
    }
    let org = match org_access(req_, org_id) {
        Ok(o) => o,
        Err(r) => return r,
    };
    let flag = |k: &str| {
        req_.query
            .last(k)
            .and_then(validate::parse_bool)
            .unwrap_or(true)
    };
    let w = req_.world;
    let array = req_.opts.array_lookups;
    let mut out = Map::new();
    if flag("include_data_sources") {
        let items: Vec<(String, Value)> =
            w.fx.org_data_sources(org.key)
                .map(|d| {
                    (
                        d.id.clone(),
                        json!({"name": d.name, "provider": d.provider, "type": d.kind}),
                    )
                })
                .collect();
        out.insert("data_sources".into(), table(items, array));
    }
    if flag("include_pools") {
        let items: Vec<(String, Value)> =
            w.fx.org_pools(org.key)
                .map(|p| {
                    (
                        p.id.clone(),
                        json!({"name": p.name, "purpose": p.purpose, "parent_id": p.parent}),
                    )
                })
                .collect();
        out.insert("pools".into(), table(items, array));
    }
    Reply::ok(&Value::Object(out))
}

/// A look-up table as `{id: entry}` or `[{"id", …entry}]`.
fn table(items: Vec<(String, Value)>, array: bool) -> Value {
    if array {
        Value::Array(
            items
                .into_iter()
                .map(|(id, v)| {
                    let mut m = Map::new();
                    m.insert("id".into(), json!(id));
                    if let Value::Object(rest) = v {
                        m.extend(rest);
                    }
                    Value::Object(m)
                })
                .collect(),
        )
    } else {
        Value::Object(items.into_iter().collect())
    }
}
