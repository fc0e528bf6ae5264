//! The composite tools: several requests, one answer, so the model need not chain
//! lookups to turn loose words into exact filter values.

use std::collections::{HashMap, HashSet};

use futures_util::stream::{self, StreamExt};
use serde_json::{Map, Value, json};

use super::expenses::{ExpenseQuery, dimension_query, lookups_request};
use crate::api::{ApiError, ApiRequest};
use crate::tools::core::{CallContext, Endpoint, Job, Run, Subject, Tool, ToolError};
use crate::tools::input::field::{DATA_SOURCE_IDS, DIMENSION_TYPE, SEARCH, TAG_KEY};
use crate::tools::input::vocab::{
    CURRENCY, DIMENSION, END_DATE, FILTERS, GRANULARITY, GROUP_BY, METRICS, ORDER_BY, ORGANIZATION,
    ROW_LIMIT, START_DATE,
};
use crate::tools::input::{
    Bool, Brief, Choice, Ids, Input, Int, List, Object, Or, Reader, Required, Text,
};
use crate::tools::result::Output;

/// Requests a composite tool keeps in flight at once.
const CONCURRENCY: usize = 4;
const NIL_UUID: &str = "00000000-0000-0000-0000-000000000000";

// ---- discover_expense_filters ------------------------------------------------

const LOOKUP_KIND: Input<Choice, Required> = Input::required(
    "dimension_type",
    DIMENSION_TYPE,
    "standard for a built-in dimension, tag for the values of a tag key.",
);
/// Read as a standard dimension or as a tag key, as `dimension_type` says.
const LOOKUP_NAME: Input<Text, Required> = Input::required(
    "name",
    TAG_KEY,
    "A standard dimension (e.g. service_name, region_id, provider) or, for tag, the tag key (e.g. Environment).",
);
const LOOKUP_SEARCH: Input<Text> =
    Input::optional("search", SEARCH, "Partial match to narrow the values.");
const ENTRY_LIMIT: Input<Int, Or<i64>> = Input::optional(
    "limit",
    Int::new(1, 1000),
    "Maximum values to take for this entry.",
)
.or(100);

/// The dimensions to look up in one call.
const LOOKUPS: Input<List<Object<Lookup>>, Required> = Input::required(
    "dimensions",
    List::of(
        Object {
            inputs: &[&LOOKUP_KIND, &LOOKUP_NAME, &LOOKUP_SEARCH, &ENTRY_LIMIT],
            suggestions: &[("key", "name")],
            read: read_lookup,
        },
        10,
    ),
    "What to look up, e.g. [{\"dimension_type\":\"standard\",\"name\":\"service_name\",\"search\":\"ec2\"},{\"dimension_type\":\"tag\",\"name\":\"Environment\",\"search\":\"prod\"}].",
);
const AUTO_SELECT: Input<Bool, Or<bool>> = Input::optional(
    "auto_select",
    Bool,
    "Put every discovered value into suggested_filters.",
)
.or(true);

pub const DISCOVER_EXPENSE_FILTERS: Tool = Tool {
    name: "discover_expense_filters",
    title: "Discover expense filter values",
    description: "Looks up the real values of several dimensions or tag keys at once (each optionally narrowed by a search) and returns a ready-to-use `filters` object for get_expenses or query_expenses_with_discovery. Use it when the user names services, regions, providers or tag values loosely (\"EC2\", \"Frankfurt\", \"prod\").",
    inputs: &[&ORGANIZATION, &LOOKUPS, &AUTO_SELECT],
    endpoint: Endpoint::Confirmed {
        subject: Subject::Organization,
    },
    narrow: "Use narrower search strings or lower limits.",
    suggestions: &[("dimension", "dimensions")],
    run: Run::Composite(discover_expense_filters),
};

#[derive(Debug, Clone, PartialEq)]
struct Lookup {
    tag: bool,
    name: String,
    search: Option<String>,
    limit: i64,
}

impl Lookup {
    fn dimension(&self) -> Value {
        if self.tag {
            json!({"dimension_type": "tag", "tag_type": "values", "key": self.name})
        } else {
            json!({"dimension_type": "standard", "name": self.name})
        }
    }
}

fn read_lookup(r: &mut Reader) -> Option<Lookup> {
    let kind = LOOKUP_KIND.read(r);
    let name = match kind {
        Some("standard") => LOOKUP_NAME.read_as(r, DIMENSION).map(str::to_string),
        _ => LOOKUP_NAME.read(r),
    };
    let search = LOOKUP_SEARCH.read(r);
    let limit = ENTRY_LIMIT.read(r);
    Some(Lookup {
        tag: kind? == "tag",
        name: name?,
        search,
        limit,
    })
}

fn discover_expense_filters(a: &mut Reader) -> Option<Job> {
    let org = ORGANIZATION.read(a);
    let lookups = LOOKUPS.read(a);
    let auto_select = AUTO_SELECT.read(a);
    let (org, lookups) = (org?, lookups?);
    Some(Job::new(move |cx| discover(cx, org, lookups, auto_select)))
}

/// What one dimension query gave.
struct Found {
    raw: Vec<Value>,
    filter_values: Vec<String>,
    skipped: usize,
    count: Value,
    has_more: bool,
}

impl Found {
    fn from_response(body: &Value, limit: i64) -> Found {
        let raw = body
            .get("values")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let mut filter_values = Vec::new();
        let mut skipped = 0;
        for v in &raw {
            match filter_value(v) {
                Some(f) if !filter_values.contains(&f) => filter_values.push(f),
                Some(_) => {}
                None => skipped += 1,
            }
        }
        let count = match body.get("count") {
            Some(c @ Value::Number(_)) => c.clone(),
            _ => json!(raw.len()),
        };
        let has_more = body
            .get("has_more")
            .and_then(Value::as_bool)
            .unwrap_or(raw.len() as i64 >= limit);
        Found {
            raw,
            filter_values,
            skipped,
            count,
            has_more,
        }
    }
}

/// A dimension value as a filter value: strings as they are, numbers and booleans as
/// their JSON text, objects by their first string among value, id, key, name.
fn filter_value(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(_) | Value::Bool(_) => Some(v.to_string()),
        Value::Object(map) => ["value", "id", "key", "name"]
            .iter()
            .find_map(|k| map.get(*k).and_then(Value::as_str))
            .map(str::to_string),
        _ => None,
    }
}

/// Run the dimension queries, at most four at a time, keeping the input order.
async fn run_queries(
    cx: &CallContext,
    org: &str,
    lookups: &[Lookup],
    done_before: u32,
    total: u32,
) -> Vec<(ApiRequest, Result<Value, ApiError>)> {
    let requests: Vec<ApiRequest> = lookups
        .iter()
        .map(|l| dimension_query(org, l.dimension(), l.search.as_deref(), l.limit))
        .collect();
    let mut done = done_before;
    let mut results = Vec::with_capacity(requests.len());
    let mut answers = stream::iter(requests.into_iter().map(|req| async move {
        let answer = cx.api.send(&req).await.and_then(|r| r.value());
        (req, answer)
    }))
    .buffered(CONCURRENCY);
    while let Some((req, answer)) = answers.next().await {
        done += 1;
        cx.progress
            .report(done, total, format!("looked up {}", dimension_name(&req)));
        results.push((req, answer));
    }
    results
}

fn dimension_name(req: &ApiRequest) -> String {
    let d = req.body.as_ref().and_then(|b| b.get("dimension"));
    d.and_then(|d| d.get("name").or(d.get("key")))
        .and_then(Value::as_str)
        .unwrap_or("dimension")
        .to_string()
}

/// A 400 or 422 concerns one entry only (e.g. an unknown tag key).
fn entry_error(e: &ApiError) -> Option<String> {
    match e {
        ApiError::Status {
            status: 400 | 422,
            body,
            ..
        } => Some(body.reason.clone()),
        _ => None,
    }
}

async fn discover(
    cx: CallContext,
    org: String,
    lookups: Vec<Lookup>,
    auto_select: bool,
) -> Result<Output, ToolError> {
    let total = lookups.len() as u32;
    let results = run_queries(&cx, &org, &lookups, 0, total).await;

    let mut discovered = Vec::new();
    let mut suggested = Map::new();
    let mut tag_filters: Vec<(String, Vec<String>)> = Vec::new();
    let (mut empty, mut more, mut failed) = (Vec::new(), Vec::new(), Vec::new());
    let mut skipped = 0;
    for (lookup, (req, answer)) in lookups.iter().zip(results) {
        let mut entry = Map::new();
        entry.insert(
            "dimension_type".into(),
            json!(if lookup.tag { "tag" } else { "standard" }),
        );
        entry.insert("name".into(), json!(lookup.name));
        if let Some(s) = &lookup.search {
            entry.insert("search".into(), json!(s));
        }
        let body = match answer {
            Ok(body) => body,
            Err(e) => match entry_error(&e) {
                Some(reason) => {
                    entry.insert("values".into(), json!([]));
                    entry.insert("count".into(), json!(0));
                    entry.insert("has_more".into(), json!(false));
                    entry.insert("error".into(), json!(reason));
                    failed.push(format!("{}: {reason}", lookup.name));
                    discovered.push(Value::Object(entry));
                    continue;
                }
                None => return Err(ToolError::api(&req, e)),
            },
        };
        let found = Found::from_response(&body, lookup.limit);
        skipped += found.skipped;
        if found.filter_values.is_empty() {
            empty.push(describe_lookup(lookup));
        } else if lookup.tag {
            merge_tag(&mut tag_filters, &lookup.name, found.filter_values);
        } else {
            merge_values(&mut suggested, &lookup.name, found.filter_values);
        }
        if found.has_more {
            more.push(format!("{} (limit {})", lookup.name, lookup.limit));
        }
        entry.insert("values".into(), Value::Array(found.raw));
        entry.insert("count".into(), found.count);
        entry.insert("has_more".into(), json!(found.has_more));
        discovered.push(Value::Object(entry));
    }
    if failed.len() == lookups.len() {
        return Err(ToolError::Message(format!(
            "DigiUsher rejected every lookup: {}. Check the dimension names and tag keys (get_dimension_values with {{\"dimension_type\": \"tag\", \"tag_type\": \"keys\"}} lists tag keys).",
            failed.join("; ")
        )));
    }
    if !tag_filters.is_empty() {
        let tags: Vec<Value> = tag_filters
            .into_iter()
            .map(|(key, include)| json!({"key": key, "include": include}))
            .collect();
        suggested.insert("tags".into(), Value::Array(tags));
    }

    let mut next_step = if auto_select {
        "Pass suggested_filters as filters to get_expenses or query_expenses_with_discovery; remove values you do not want.".to_string()
    } else {
        "Build filters from these values: standard dimensions as {\"<name>\": [values]}, tag values as {\"tags\": [{\"key\": \"<tag key>\", \"include\": [values]}]}; pass them as filters to get_expenses or query_expenses_with_discovery. Values must be used exactly as listed.".to_string()
    };
    if !empty.is_empty() {
        next_step.push_str(&format!(
            " Nothing matched for {}; try a broader search or none.",
            empty.join(", ")
        ));
    }
    if !more.is_empty() {
        next_step.push_str(&format!(
            " Only the first values were taken for {}; use a narrower search to get the ones you need.",
            more.join(", ")
        ));
    }
    if skipped > 0 {
        next_step.push_str(&format!(
            " {skipped} values could not be used as filter values and were left out."
        ));
    }
    if !failed.is_empty() {
        next_step.push_str(&format!(
            " Some lookups failed ({}); see their error field.",
            failed.join("; ")
        ));
    }

    let mut out = Map::new();
    out.insert("discovered".into(), Value::Array(discovered));
    if auto_select {
        out.insert("suggested_filters".into(), Value::Object(suggested));
    }
    out.insert("next_step".into(), json!(next_step));
    Ok(Output::new(Value::Object(out)))
}

fn describe_lookup(l: &Lookup) -> String {
    match &l.search {
        Some(s) => format!("{} (search {s:?})", l.name),
        None => l.name.clone(),
    }
}

/// Union in first-seen order.
fn merge_values(filters: &mut Map<String, Value>, key: &str, values: Vec<String>) {
    let entry = filters
        .entry(key.to_string())
        .or_insert_with(|| Value::Array(Vec::new()));
    if let Value::Array(existing) = entry {
        for v in values {
            let v = Value::String(v);
            if !existing.contains(&v) {
                existing.push(v);
            }
        }
    }
}

fn merge_tag(tags: &mut Vec<(String, Vec<String>)>, key: &str, values: Vec<String>) {
    let index = match tags.iter().position(|(k, _)| k == key) {
        Some(i) => i,
        None => {
            tags.push((key.to_string(), Vec::new()));
            tags.len() - 1
        }
    };
    for v in values {
        if !tags[index].1.contains(&v) {
            tags[index].1.push(v);
        }
    }
}

// ---- query_expenses_with_discovery -------------------------------------------

/// The loose search terms, each turned into exact values of the dimension it names.
const SEARCHES: &[Input<Text>] = &[
    Input::optional("service_name", SEARCH, "e.g. ec2."),
    Input::optional("region_id", SEARCH, "e.g. eu-."),
    Input::optional("provider", SEARCH, "e.g. aws."),
    Input::optional("resource_type", SEARCH, "e.g. instance."),
];
const SEARCH_IDS: Input<Ids> =
    Input::optional("data_source_id", DATA_SOURCE_IDS, "Ids, used as given.");

const DISCOVER: Input<Object<Discovery>> = Input::optional(
    "discover_filters",
    Object {
        inputs: &[&SEARCHES, &SEARCH_IDS],
        suggestions: &[
            ("region", "region_id"),
            ("service", "service_name"),
            ("data_source_ids", "data_source_id"),
        ],
        read: read_discovery,
    },
    "Loose search terms turned into exact filter values before the query.",
);
const INCLUDE_LOOKUPS: Input<Bool, Or<bool>> =
    Input::optional("include_lookups", Bool, "Write names into the rows.").or(true);

/// Where the expense query's long shapes are spelled out.
const AS_IN_GET_EXPENSES: &str = "As in get_expenses.";

pub const QUERY_EXPENSES_WITH_DISCOVERY: Tool = Tool {
    name: "query_expenses_with_discovery",
    title: "Query expenses with discovery and names",
    description: "One-step expense query for user-facing answers: turns loose search terms (service, region, provider, resource type) into exact filter values, runs the expense query (same inputs as get_expenses) and writes data source and pool names into every row. Prefer it over get_expenses unless you already hold exact filter values and need no names.",
    // The long shapes are in get_expenses, which is always listed beside this
    // tool; repeating them here would double their cost in every conversation.
    inputs: &[
        &ORGANIZATION,
        &START_DATE,
        &END_DATE,
        &CURRENCY,
        &GRANULARITY,
        &Brief {
            of: &GROUP_BY,
            description: AS_IN_GET_EXPENSES,
        },
        &Brief {
            of: &FILTERS,
            description: AS_IN_GET_EXPENSES,
        },
        &Brief {
            of: &METRICS,
            description: AS_IN_GET_EXPENSES,
        },
        &Brief {
            of: &ORDER_BY,
            description: AS_IN_GET_EXPENSES,
        },
        &ROW_LIMIT,
        &DISCOVER,
        &INCLUDE_LOOKUPS,
    ],
    endpoint: Endpoint::Confirmed {
        subject: Subject::Organization,
    },
    narrow: "Use a coarser granularity, a shorter date range, fewer group_by items, more filters or a lower limit.",
    suggestions: &[
        ("filter", "filters"),
        ("discover", "discover_filters"),
        ("from", "start_date"),
        ("to", "end_date"),
    ],
    run: Run::Composite(query_expenses_with_discovery),
};

struct Discovery {
    searches: Vec<(&'static str, String)>,
    data_source_ids: Vec<String>,
}

fn read_discovery(r: &mut Reader) -> Option<Discovery> {
    let mut searches = Vec::new();
    for search in SEARCHES {
        if let Some(text) = search.read(r) {
            searches.push((search.name, text));
        }
    }
    let ids = SEARCH_IDS.read(r);
    if searches.is_empty() && ids.is_none() && !r.failed() {
        r.problem(
            "service_name",
            "discover_filters needs at least one of service_name, region_id, provider, resource_type, data_source_id",
            None,
        );
        return None;
    }
    Some(Discovery {
        searches,
        data_source_ids: ids.unwrap_or_default(),
    })
}

fn query_expenses_with_discovery(a: &mut Reader) -> Option<Job> {
    let query = ExpenseQuery::read(a);
    let discovery = DISCOVER.read(a);
    let include_lookups = INCLUDE_LOOKUPS.read(a);
    let query = query?;
    if let Some(d) = &discovery {
        let keys = d
            .searches
            .iter()
            .map(|(k, _)| *k)
            .chain((!d.data_source_ids.is_empty()).then_some("data_source_id"));
        let mut clash = false;
        for key in keys {
            if query.filters.contains_key(key) {
                a.problem(
                    &format!("filters.{key}"),
                    format!("filters.{key} and discover_filters.{key} both given; use one"),
                    None,
                );
                clash = true;
            }
        }
        if clash {
            return None;
        }
    }
    Some(Job::new(move |cx| {
        query_with_discovery(cx, query, discovery, include_lookups)
    }))
}

async fn query_with_discovery(
    cx: CallContext,
    mut query: ExpenseQuery,
    discovery: Option<Discovery>,
    include_lookups: bool,
) -> Result<Output, ToolError> {
    let org = query.organization_id.clone();
    let searches = discovery
        .as_ref()
        .map(|d| d.searches.clone())
        .unwrap_or_default();
    let total = searches.len() as u32 + 1 + u32::from(include_lookups);
    let mut steps = Vec::new();

    // Discovery: exact values for each search.
    let mut discovered_values = Map::new();
    if !searches.is_empty() {
        steps.push("dimension_discovery");
        let lookups: Vec<Lookup> = searches
            .iter()
            .map(|(key, text)| Lookup {
                tag: false,
                name: (*key).to_string(),
                search: Some(text.clone()),
                limit: 100,
            })
            .collect();
        for (lookup, (req, answer)) in lookups
            .iter()
            .zip(run_queries(&cx, &org, &lookups, 0, total).await)
        {
            let body = answer.map_err(|e| ToolError::api(&req, e))?;
            let found = Found::from_response(&body, lookup.limit);
            let search = lookup.search.clone().unwrap_or_default();
            if found.filter_values.is_empty() {
                return Err(ToolError::Message(format!(
                    "No {} value matches {search:?}. Call get_dimension_values for {} to see the valid values.",
                    lookup.name, lookup.name
                )));
            }
            discovered_values.insert(
                lookup.name.clone(),
                json!({"search": search, "values": found.filter_values, "has_more": found.has_more}),
            );
            query
                .filters
                .insert(lookup.name.clone(), json!(found.filter_values));
        }
    }
    if let Some(d) = &discovery
        && !d.data_source_ids.is_empty()
    {
        query
            .filters
            .insert("data_source_id".into(), json!(d.data_source_ids));
    }

    // The expense query, with the name look-up beside it.
    steps.push("expense_query");
    let expense_request = query.request();
    let done = searches.len() as u32;
    let expense = async {
        let r = cx.send(&expense_request).await;
        cx.progress.report(done + 1, total, "queried expenses");
        r
    };
    let lookup_request = lookups_request(&org, true, true);
    let names = async {
        if include_lookups {
            Some(cx.api.send(&lookup_request).await.and_then(|r| r.value()))
        } else {
            None
        }
    };
    let (expenses, names) = tokio::join!(expense, names);
    let mut expenses = expenses?;

    let mut out = Map::new();
    if !discovered_values.is_empty() {
        out.insert("discovered_values".into(), Value::Object(discovered_values));
    }
    out.insert(
        "filters_applied".into(),
        Value::Object(query.filters.clone()),
    );
    let mut notes = Vec::new();
    let mut resolution = None;
    let mut kept_lookups = None;
    if let Some(names) = names {
        cx.progress.report(total, total, "fetched names");
        steps.push("lookup_fetch");
        match names {
            Ok(tables) => {
                let index = LookupIndex::new(&tables);
                let mut tally = Resolution::default();
                resolve_names(&mut expenses, &index, &mut tally, 0);
                kept_lookups = Some(index.keep_only(&tables, &tally.seen));
                resolution = Some(tally.to_json());
            }
            Err(e) => notes.push(format!(
                "Names could not be fetched ({}); ids are shown instead.",
                short_reason(&e)
            )),
        }
    }
    out.insert("expenses".into(), expenses);
    if let Some(l) = kept_lookups {
        out.insert("lookups".into(), l);
    }
    if let Some(r) = resolution {
        out.insert("name_resolution".into(), r);
    }
    out.insert("steps".into(), json!(steps));
    let mut output = Output::new(Value::Object(out));
    output.notes = notes;
    Ok(output)
}

fn short_reason(e: &ApiError) -> String {
    match e {
        ApiError::Status { status, body, .. } => format!("HTTP {status}: {}", body.reason),
        other => other.to_string(),
    }
}

/// Names by id, from a look-up response in map or array style.
struct LookupIndex {
    data_sources: HashMap<String, (Option<String>, Option<String>)>,
    pools: HashMap<String, Option<String>>,
}

impl LookupIndex {
    fn new(tables: &Value) -> LookupIndex {
        let mut data_sources = HashMap::new();
        for (id, entry) in entries(tables.get("data_sources")) {
            let name = entry
                .get("name")
                .and_then(Value::as_str)
                .map(str::to_string);
            let provider = entry
                .get("provider")
                .and_then(Value::as_str)
                .map(str::to_string);
            data_sources.insert(id, (name, provider));
        }
        let mut pools = HashMap::new();
        for (id, entry) in entries(tables.get("pools")) {
            pools.insert(
                id,
                entry
                    .get("name")
                    .and_then(Value::as_str)
                    .map(str::to_string),
            );
        }
        LookupIndex {
            data_sources,
            pools,
        }
    }

    /// The look-up tables reduced to the ids that occur in the result.
    fn keep_only(&self, tables: &Value, seen: &HashSet<String>) -> Value {
        let reduce = |table: Option<&Value>| -> Value {
            match table {
                Some(Value::Object(map)) => Value::Object(
                    map.iter()
                        .filter(|(id, _)| seen.contains(id.as_str()))
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect(),
                ),
                Some(Value::Array(items)) => Value::Array(
                    items
                        .iter()
                        .filter(|item| {
                            item.get("id")
                                .and_then(Value::as_str)
                                .is_some_and(|id| seen.contains(id))
                        })
                        .cloned()
                        .collect(),
                ),
                _ => json!({}),
            }
        };
        json!({
            "data_sources": reduce(tables.get("data_sources")),
            "pools": reduce(tables.get("pools")),
        })
    }
}

/// `(id, entry)` pairs of a table given as `{"<id>": {…}}` or `[{"id": …}]`.
fn entries(table: Option<&Value>) -> Vec<(String, &Value)> {
    match table {
        Some(Value::Object(map)) => map.iter().map(|(k, v)| (k.clone(), v)).collect(),
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|item| Some((item.get("id")?.as_str()?.to_string(), item)))
            .collect(),
        _ => Vec::new(),
    }
}

#[derive(Default)]
struct Resolution {
    data_sources_resolved: usize,
    pools_resolved: usize,
    data_sources_unresolved: Vec<String>,
    pools_unresolved: Vec<String>,
    seen: HashSet<String>,
}

impl Resolution {
    fn to_json(&self) -> Value {
        json!({
            "data_source_id": {"resolved": self.data_sources_resolved, "unresolved": self.data_sources_unresolved},
            "pool_id": {"resolved": self.pools_resolved, "unresolved": self.pools_unresolved},
        })
    }
}

const MAX_UNRESOLVED: usize = 20;

fn note_unresolved(list: &mut Vec<String>, id: &str) {
    if list.len() < MAX_UNRESOLVED && !list.iter().any(|x| x == id) {
        list.push(id.to_string());
    }
}

/// Write names next to ids in every object, up to 32 levels deep; existing keys
/// are never overwritten.
fn resolve_names(v: &mut Value, index: &LookupIndex, tally: &mut Resolution, depth: usize) {
    if depth > 32 {
        return;
    }
    match v {
        Value::Object(map) => {
            if let Some(id) = map
                .get("data_source_id")
                .and_then(Value::as_str)
                .map(str::to_string)
            {
                match index.data_sources.get(&id) {
                    Some((name, provider)) if id != NIL_UUID => {
                        tally.seen.insert(id);
                        tally.data_sources_resolved += 1;
                        if let Some(name) = name {
                            map.entry("data_source_name").or_insert_with(|| json!(name));
                        }
                        if let Some(provider) = provider {
                            map.entry("data_source_provider")
                                .or_insert_with(|| json!(provider));
                        }
                    }
                    _ => note_unresolved(&mut tally.data_sources_unresolved, &id),
                }
            }
            if let Some(id) = map
                .get("pool_id")
                .and_then(Value::as_str)
                .map(str::to_string)
            {
                match index.pools.get(&id) {
                    Some(name) if id != NIL_UUID => {
                        tally.seen.insert(id);
                        tally.pools_resolved += 1;
                        if let Some(name) = name {
                            map.entry("pool_name").or_insert_with(|| json!(name));
                        }
                    }
                    _ => note_unresolved(&mut tally.pools_unresolved, &id),
                }
            }
            for child in map.values_mut() {
                resolve_names(child, index, tally, depth + 1);
            }
        }
        Value::Array(items) => {
            for child in items {
                resolve_names(child, index, tally, depth + 1);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_values_from_strings_numbers_and_objects() {
        assert_eq!(filter_value(&json!("a")), Some("a".into()));
        assert_eq!(filter_value(&json!(3)), Some("3".into()));
        assert_eq!(filter_value(&json!(true)), Some("true".into()));
        assert_eq!(
            filter_value(&json!({"label": "L", "value": "v"})),
            Some("v".into())
        );
        assert_eq!(
            filter_value(&json!({"name": "n", "id": "i"})),
            Some("i".into())
        );
        assert_eq!(filter_value(&json!({"label": "L"})), None);
        assert_eq!(filter_value(&json!(null)), None);
        assert_eq!(filter_value(&json!([1])), None);
    }

    #[test]
    fn names_are_written_into_rows_in_both_lookup_styles() {
        let ds = "a2000000-0000-4000-8000-000000000001";
        let pool = "a1000000-0000-4000-8000-000000000003";
        let map_style = json!({"data_sources": {ds: {"name": "AWS Production", "provider": "AWS"}}, "pools": {pool: {"name": "Platform"}}});
        let array_style = json!({"data_sources": [{"id": ds, "name": "AWS Production", "provider": "AWS"}], "pools": [{"id": pool, "name": "Platform"}, {"id": "other", "name": "X"}]});
        for tables in [map_style, array_style] {
            let mut rows = json!({"rows": [
                {"data_source_id": ds, "pool_id": pool},
                {"data_source_id": NIL_UUID, "pool_id": "a1000000-0000-4000-8000-000000000099"},
                {"data_source_id": ds, "data_source_name": "kept"}
            ]});
            let index = LookupIndex::new(&tables);
            let mut tally = Resolution::default();
            resolve_names(&mut rows, &index, &mut tally, 0);
            assert_eq!(rows["rows"][0]["data_source_name"], "AWS Production");
            assert_eq!(rows["rows"][0]["data_source_provider"], "AWS");
            assert_eq!(rows["rows"][0]["pool_name"], "Platform");
            assert_eq!(rows["rows"][2]["data_source_name"], "kept");
            assert!(rows["rows"][1].get("pool_name").is_none());
            let r = tally.to_json();
            assert_eq!(r["data_source_id"]["resolved"], 2);
            assert_eq!(r["data_source_id"]["unresolved"], json!([NIL_UUID]));
            assert_eq!(
                r["pool_id"]["unresolved"],
                json!(["a1000000-0000-4000-8000-000000000099"])
            );
            let kept = index.keep_only(&tables, &tally.seen);
            let pools = &kept["pools"];
            let n = pools
                .as_object()
                .map(|m| m.len())
                .or(pools.as_array().map(Vec::len));
            assert_eq!(n, Some(1), "{kept}");
        }
    }

    #[test]
    fn merging_keeps_first_seen_order() {
        let mut tags = Vec::new();
        merge_tag(&mut tags, "Env", vec!["prod".into(), "dev".into()]);
        merge_tag(&mut tags, "Env", vec!["dev".into(), "lab".into()]);
        assert_eq!(
            tags,
            vec![(
                "Env".to_string(),
                vec!["prod".to_string(), "dev".into(), "lab".into()]
            )]
        );
        let mut filters = Map::new();
        merge_values(&mut filters, "service_name", vec!["b".into(), "a".into()]);
        merge_values(&mut filters, "service_name", vec!["a".into(), "c".into()]);
        assert_eq!(filters["service_name"], json!(["b", "a", "c"]));
    }
}
