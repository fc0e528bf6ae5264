//! Inputs and vocabularies several tools share: the organization, date ranges,
//! the expense query (dimensions, filters, group-by and order-by items,
//! currencies), enums, and the OptScale resource filter set. Each is one
//! definition that gives both its schema and its reader.

use serde_json::{Map, Value, json};

use super::args::{self, Problems, Reader, list, object, string};
use super::field::{
    Choice, Choices, Day, FILTER_VALUES, Id, Ids, Int, List, NAME, ORGANIZATION_ID, Object, Record,
    Records, TAG_FILTERS, TAG_KEY, TAG_TYPE, Text, Texts,
};
use super::schema as s;
use super::spec::{Group, Input, Kind, Required, parser};
use crate::time::Date;

/// `organization_id`, required on most tools.
pub const ORGANIZATION: Input<Id, Required> =
    Input::required("organization_id", ORGANIZATION_ID, "");

pub const START_DATE: Input<Day, Required> =
    Input::required("start_date", Day, "First day, inclusive (UTC).");
pub const END_DATE: Input<Day, Required> =
    Input::required("end_date", Day, "Last day, inclusive (UTC).");

/// [`START_DATE`] and [`END_DATE`], end not before start.
pub fn date_range(a: &mut Reader) -> Option<(Date, Date)> {
    let start = START_DATE.read(a);
    let end = END_DATE.read(a);
    let (start, end) = (start?, end?);
    if end < start {
        a.problem(
            END_DATE.name,
            format!("must not be before start_date ({start})"),
            Some(&Value::String(end.to_string())),
        );
        return None;
    }
    Some((start, end))
}

// ---- dimensions and expense filters ---------------------------------------------

pub const STANDARD_DIMENSIONS: &[&str] = &[
    "service_name",
    "service_category",
    "resource_type",
    "resource_id",
    "region_id",
    "network_from",
    "network_to",
    "data_source_id",
    "provider",
    "publisher",
    "charge_category",
    "pricing_category",
    "license_model",
    "sku_name",
    "invoice_id",
    "invoice_issuer",
    "commitment_discount_type",
    "commitment_discount_category",
    "commitment_discount_id",
    "consumed_unit",
    "pool_id",
    "rule_id",
];

/// A standard dimension, by name.
pub const DIMENSION: Choice = Choice(STANDARD_DIMENSIONS);

const VALUE_FILTER_KEYS: &[&str] = &[
    "service_name",
    "service_category",
    "resource_type",
    "resource_id",
    "region_id",
    "network_from",
    "network_to",
    "data_source_id",
    "provider",
    "publisher",
    "pool_id",
    "charge_category",
    "pricing_category",
    "license_model",
    "sku_name",
    "sku_id",
    "invoice_id",
    "invoice_issuer",
    "commitment_discount_type",
    "commitment_discount_category",
    "commitment_discount_id",
    "consumed_unit",
];

const RANGE_FILTER_KEYS: &[&str] = &[
    "billed_cost",
    "effective_cost",
    "list_cost",
    "consumed_quantity",
];
const RANGE_OPS: &[&str] = &["gt", "gte", "lt", "lte"];

pub const FILTER_SUGGESTIONS: &[(&str, &str)] = &[
    ("region", "region_id"),
    ("service", "service_name"),
    ("account_id", "data_source_id"),
    ("cloud_account_id", "data_source_id"),
    ("rule_id", "rule_id is not filterable; group by it instead"),
    ("tag", "tags"),
];

/// Conditions on one amount: a range takes at most one of each operator.
const RANGE_MAX: usize = 4;
const RANGE_OP: Choice = Choice(RANGE_OPS);

/// The `filters` object of an expense query.
#[derive(Debug, Clone, Copy)]
pub struct ExpenseFilters;

impl Kind for ExpenseFilters {
    type Out = Map<String, Value>;

    /// Its own description, built from the reader's tables.
    fn schema(&self, _: &str) -> Value {
        expense_filters_schema()
    }

    fn parse(&self, v: &Value, at: &str, p: &mut Problems) -> Option<Map<String, Value>> {
        expense_filters()(v, at, p)
    }
}

/// The expense filter object, validated and rebuilt without nulls.
fn expense_filters() -> impl args::Parse<Map<String, Value>> {
    object(FILTER_SUGGESTIONS, |r| {
        let mut out = Map::new();
        for key in VALUE_FILTER_KEYS {
            if let Some(v) = r.optional(key, value_filter) {
                out.insert((*key).to_string(), v);
            }
        }
        for key in RANGE_FILTER_KEYS {
            if let Some(v) = r.optional(key, list(1, RANGE_MAX, false, range_condition())) {
                out.insert((*key).to_string(), Value::Array(v));
            }
        }
        if let Some(tags) = r.optional("tags", parser(TAG_FILTERS)) {
            out.insert("tags".into(), Value::Array(tags));
        }
        (!r.failed()).then_some(out)
    })
}

/// `["a", "b"]` or `{"include": [...], "exclude": [...]}`.
fn value_filter(v: &Value, at: &str, p: &mut Problems) -> Option<Value> {
    match v {
        Value::Array(_) => FILTER_VALUES.parser()(v, at, p).map(|l| json!(l)),
        Value::Object(_) => object(&[], |r| {
            let include = r.optional("include", FILTER_VALUES.parser());
            let exclude = r.optional("exclude", FILTER_VALUES.parser());
            if include.is_none() && exclude.is_none() && !r.failed() {
                r.problem("include", "give include, exclude or both", None);
                return None;
            }
            let mut m = Map::new();
            if let Some(i) = include {
                m.insert("include".into(), json!(i));
            }
            if let Some(e) = exclude {
                m.insert("exclude".into(), json!(e));
            }
            Some(Value::Object(m))
        })(v, at, p),
        _ => {
            p.add(
                at,
                "must be a list of values or an object with include/exclude lists",
                Some(v),
            );
            None
        }
    }
}

fn range_condition() -> impl args::Parse<Value> {
    object(&[], |r| {
        let value = r.required("value", |v: &Value, at: &str, p: &mut Problems| {
            let n = v.as_f64();
            if n.is_none() {
                p.add(at, "must be a number", Some(v));
            }
            n.map(|_| v.clone())
        });
        let op = r.required("op", RANGE_OP.parser());
        Some(json!({"value": value?, "op": op?}))
    })
}

/// The filter object, described rather than spelled out: written as properties,
/// its many keys and three value shapes would cost more than the rest of get_expenses. It
/// has no `type`, so it needs no property list; the reader checks every key and
/// value with a message that says what to fix. The keys and operators named are
/// the reader's own tables.
fn expense_filters_schema() -> Value {
    let not_in = |keys: &[&'static str], other: &[&str]| -> Vec<&'static str> {
        keys.iter()
            .copied()
            .filter(|k| !other.contains(k))
            .collect()
    };
    let unfiltered = not_in(STANDARD_DIMENSIONS, VALUE_FILTER_KEYS).join(", ");
    let extra = not_in(VALUE_FILTER_KEYS, STANDARD_DIMENSIONS).join(", ");
    let ranges = RANGE_FILTER_KEYS.join(", ");
    let ops = RANGE_OPS.join("|");
    json!({
        "description": format!(
            "Object of exact values. Keys: group_by dimensions (not {unfiltered}), {extra}: [values] or {{\"include\":[...],\"exclude\":[...]}}; {ranges}: [{{\"op\":\"{ops}\",\"value\":1}}]; tags: [{{\"key\":\"Env\",\"include\":[...],\"exclude\":[...],\"exists\":true}}]."
        ),
    })
}

// ---- group_by, order_by, metrics, granularity -----------------------------------

const METRIC_NAMES: &[&str] = &[
    "billed_cost",
    "effective_cost",
    "list_cost",
    "consumed_quantity",
];
pub const GRANULARITIES: &[&str] = &["day", "week", "month", "year", "total"];
const ORDER_FIELDS: &[&str] = &[
    "date",
    "billed_cost",
    "effective_cost",
    "list_cost",
    "consumed_quantity",
    "resource_count",
];
const DIRECTIONS: &[&str] = &["asc", "desc"];

/// One `group_by` item: a standard dimension by name, or a tag spec.
#[derive(Debug, Clone, Copy)]
pub struct GroupItem;

const TAG_SPEC_TYPE: Input<Choice, Required> = Input::required("type", TAG_TYPE, "");
const TAG_SPEC_KEY: Input<Text> = Input::optional("key", TAG_KEY, "Tag key, for values.");

/// `{"type": "values", "key": …}` or `{"type": "keys"}`.
const TAG_SPEC: Object<Value> = Object {
    inputs: &[&TAG_SPEC_TYPE, &TAG_SPEC_KEY],
    suggestions: &[],
    read: |r| {
        let kind = TAG_SPEC_TYPE.read(r);
        let key_given = TAG_SPEC_KEY.given(r);
        let key = TAG_SPEC_KEY.read(r);
        match kind? {
            "values" if !key_given => {
                r.problem("key", "is required when type is values", None);
                None
            }
            "values" => Some(json!({"type": "values", "key": key?})),
            _ if key_given => {
                r.problem("key", "must be omitted when type is keys", None);
                None
            }
            _ => Some(json!({"type": "keys"})),
        }
    },
};

impl Kind for GroupItem {
    type Out = Value;

    fn schema(&self, _: &str) -> Value {
        json!({"anyOf": [DIMENSION.schema(""), TAG_SPEC.schema("")]})
    }

    fn parse(&self, v: &Value, at: &str, p: &mut Problems) -> Option<Value> {
        match v {
            Value::String(_) => DIMENSION.parser()(v, at, p).map(|d| json!(d)),
            Value::Object(_) => TAG_SPEC.parse(v, at, p),
            _ => {
                p.add(
                    at,
                    "must be a dimension name or a tag spec {\"type\": \"values\", \"key\": …}",
                    Some(v),
                );
                None
            }
        }
    }
}

pub const CURRENCY: Input<Currency> = Input::optional("currency", Currency, "ISO 4217, e.g. EUR.");
pub const GRANULARITY: Input<Choice> = Input::optional(
    "granularity",
    Choice(GRANULARITIES),
    "total: one row per group.",
);
/// Up to three dimensions or tag specs.
pub const GROUP_BY: Input<List<GroupItem>> = Input::optional(
    "group_by",
    List::distinct(GroupItem, 3),
    "A dimension, or a tag: {\"type\":\"values\",\"key\":\"Env\"} or {\"type\":\"keys\"}.",
);
/// The default is the request's, so the schema says it in words.
pub const METRICS: Input<Choices> = Input::optional(
    "metrics",
    Choices(METRIC_NAMES),
    "Default effective_cost, billed_cost.",
);
/// Up to three sort keys; the default is the request's.
pub const ORDER_BY: Input<Records> = Input::optional(
    "order_by",
    Records::new(
        3,
        Record(&[
            ("field", Choice(ORDER_FIELDS), true),
            ("direction", Choice(DIRECTIONS), false),
        ]),
    ),
    "Default billed_cost desc.",
);
pub const FILTERS: Input<ExpenseFilters> = Input::optional("filters", ExpenseFilters, "");
pub const ROW_LIMIT: Input<Int> = Input::optional("limit", Int::new(1, 10_000), "");

/// The inputs of an expense query, in the order its schema shows them.
pub const EXPENSE_QUERY: Group = Group(&[
    &ORGANIZATION,
    &START_DATE,
    &END_DATE,
    &CURRENCY,
    &GRANULARITY,
    &GROUP_BY,
    &FILTERS,
    &METRICS,
    &ORDER_BY,
    &ROW_LIMIT,
]);

pub fn default_order_by() -> Value {
    json!([{"field": "billed_cost", "direction": "desc"}])
}

pub fn default_metrics() -> Value {
    json!(["effective_cost", "billed_cost"])
}

// ---- currency --------------------------------------------------------------------

pub const CURRENCIES: &[&str] = &[
    "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT",
    "BGN", "BHD", "BIF", "BMD", "BND", "BOB", "BOV", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD",
    "CAD", "CDF", "CHE", "CHF", "CHW", "CLF", "CLP", "CNY", "COP", "COU", "CRC", "CUC", "CUP",
    "CVE", "CZK", "DJF", "DKK", "DOP", "DZD", "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP",
    "GEL", "GHS", "GIP", "GMD", "GNF", "GTQ", "GYD", "HKD", "HNL", "HRK", "HTG", "HUF", "IDR",
    "ILS", "INR", "IQD", "IRR", "ISK", "JMD", "JOD", "JPY", "KES", "KGS", "KHR", "KMF", "KPW",
    "KRW", "KWD", "KYD", "KZT", "LAK", "LBP", "LKR", "LRD", "LSL", "LYD", "MAD", "MDL", "MGA",
    "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR", "MWK", "MXN", "MXV", "MYR", "MZN", "NAD",
    "NGN", "NIO", "NOK", "NPR", "NZD", "OMR", "PAB", "PEN", "PGK", "PHP", "PKR", "PLN", "PYG",
    "QAR", "RON", "RSD", "RUB", "RWF", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD", "SHP", "SLE",
    "SLL", "SOS", "SRD", "SSP", "STN", "SVC", "SYP", "SZL", "THB", "TJS", "TMT", "TND", "TOP",
    "TRY", "TTD", "TWD", "TZS", "UAH", "UGX", "USD", "USN", "UYI", "UYU", "UYW", "UZS", "VED",
    "VES", "VND", "VUV", "WST", "XAF", "XAG", "XAU", "XBA", "XBB", "XBC", "XBD", "XCD", "XDR",
    "XOF", "XPD", "XPF", "XPT", "XSU", "XTS", "XUA", "XXX", "YER", "ZAR", "ZMW", "ZWL",
];

/// An ISO 4217 code. Its schema is a pattern, not the list of codes: the list only
/// validates, and the reader checks it with a better message than a schema could give.
#[derive(Debug, Clone, Copy)]
pub struct Currency;

impl Kind for Currency {
    type Out = &'static str;

    fn schema(&self, description: &str) -> Value {
        let mut schema = json!({"type": "string", "pattern": "^[A-Z]{3}$"});
        if !description.is_empty() {
            schema["description"] = json!(description);
        }
        schema
    }

    fn parse(&self, v: &Value, at: &str, p: &mut Problems) -> Option<&'static str> {
        let given = v.as_str().unwrap_or("");
        if let Some(code) = CURRENCIES.iter().copied().find(|c| *c == given) {
            return Some(code);
        }
        let upper = given.to_ascii_uppercase();
        let rule = match CURRENCIES.iter().find(|c| **c == upper) {
            Some(code) => {
                format!("must be an upper-case ISO 4217 code; use upper case, e.g. {code}")
            }
            None => "must be an ISO 4217 currency code such as USD, EUR or GBP".to_string(),
        };
        p.add(at, rule, Some(v));
        None
    }
}

// ---- enums -------------------------------------------------------------------

pub const CLOUD_TYPES: &[&str] = &[
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

pub const CLOUD_TYPE: Choice = Choice(CLOUD_TYPES);

pub const KPI_IDS: &[&str] = &[
    "effective_savings_rate",
    "compute_commitment_coverage",
    "allocation_accuracy_index",
];

// ---- OptScale resource filter set ------------------------------------------------

/// What one input of the resource filter set takes.
#[derive(Debug, Clone, Copy)]
enum Form {
    /// Up to `max` UUIDs; the text names the tool that gives one.
    Ids(usize, &'static str),
    /// Up to `max` pool UUIDs, each with `+` for its sub-pools too.
    Pools(usize),
    /// Up to `max` free texts of 1-256 characters.
    Texts(usize),
    /// Up to `max` `<type>:<identity>` pairs.
    ResourceTypes(usize),
    /// True or false, sent as such.
    Flag,
    /// A `*`/`?` pattern.
    Like,
}

/// An input of the resource filter set: what it takes, and the query key each of
/// its values is sent as. Both the schema and the reader come from this.
#[derive(Debug, Clone, Copy)]
pub struct QueryFilter {
    param: &'static str,
    form: Form,
}

const fn filter(param: &'static str, form: Form) -> QueryFilter {
    QueryFilter { param, form }
}

impl Kind for QueryFilter {
    type Out = Vec<String>;

    fn schema(&self, description: &str) -> Value {
        match self.form {
            Form::Ids(max, hint) => Ids::new(max, hint).schema(description),
            Form::Texts(max) => Texts::new(max, NAME).schema(description),
            // Their forms (`<uuid>[+]`, `<type>:<kind>`) are the reader's.
            Form::Pools(max) | Form::ResourceTypes(max) => {
                s::array(description, s::bare_text(), 1, max, false)
            }
            Form::Flag => s::boolean(description, None),
            Form::Like => s::text(description),
        }
    }

    fn parse(&self, v: &Value, at: &str, p: &mut Problems) -> Option<Vec<String>> {
        match self.form {
            Form::Ids(max, hint) => Ids::new(max, hint).parser()(v, at, p),
            Form::Pools(max) => list(1, max, false, pool_filter())(v, at, p),
            Form::Texts(max) => Texts::new(max, NAME).parser()(v, at, p),
            Form::ResourceTypes(max) => list(1, max, false, resource_type())(v, at, p),
            Form::Flag => args::boolean()(v, at, p).map(|b| vec![b.to_string()]),
            Form::Like => like_pattern()(v, at, p).map(|s| vec![s]),
        }
    }
}

/// The resource filter set, in the order its values are sent. Names that say
/// enough go without a description; the reader's messages explain the forms.
pub const RESOURCE_FILTERS: &[Input<QueryFilter>] = &[
    Input::optional(
        "data_source_ids",
        filter(
            "cloud_account_id",
            Form::Ids(100, "get one from list_data_sources"),
        ),
        "From list_data_sources.",
    ),
    Input::optional(
        "pool_ids",
        filter("pool_id", Form::Pools(100)),
        "From list_pools; <id>+ adds sub-pools.",
    ),
    Input::optional(
        "owner_ids",
        filter(
            "owner_id",
            Form::Ids(100, "an employee id from list_employees"),
        ),
        "From list_employees; nil UUID: no owner.",
    ),
    Input::optional("regions", filter("region", Form::Texts(100)), ""),
    Input::optional(
        "service_names",
        filter("service_name", Form::Texts(100)),
        "",
    ),
    Input::optional(
        "resource_types",
        filter("resource_type", Form::ResourceTypes(100)),
        "<type>:<regular|cluster|environment>, e.g. Instance:regular.",
    ),
    Input::optional(
        "tags",
        filter("tag", Form::Texts(50)),
        "Tag keys it must have.",
    ),
    Input::optional(
        "without_tags",
        filter("without_tag", Form::Texts(50)),
        "Tag keys it lacks.",
    ),
    Input::optional(
        "k8s_namespaces",
        filter("k8s_namespace", Form::Texts(100)),
        "",
    ),
    Input::optional("k8s_nodes", filter("k8s_node", Form::Texts(100)), ""),
    Input::optional("k8s_services", filter("k8s_service", Form::Texts(100)), ""),
    Input::optional("active", filter("active", Form::Flag), ""),
    Input::optional(
        "with_recommendations",
        filter("recommendations", Form::Flag),
        "",
    ),
    Input::optional(
        "constraint_violated",
        filter("constraint_violated", Form::Flag),
        "",
    ),
    Input::optional(
        "name_like",
        filter("name_like", Form::Like),
        "* and ? are wildcards.",
    ),
    Input::optional(
        "cloud_resource_id_like",
        filter("cloud_resource_id_like", Form::Like),
        "As name_like, on the cloud id.",
    ),
];

/// The resource filter set, read into query pairs in table order.
pub fn resource_filters(a: &mut Reader) -> Vec<(&'static str, String)> {
    let mut q: Vec<(&'static str, String)> = Vec::new();
    for f in RESOURCE_FILTERS {
        if let Some(values) = f.read(a) {
            q.extend(values.into_iter().map(|v| (f.kind.param, v)));
        }
    }
    q
}

pub const RESOURCE_FILTER_SUGGESTIONS: &[(&str, &str)] = &[
    ("region", "regions"),
    ("service_name", "service_names"),
    ("pool_id", "pool_ids"),
    ("owner_id", "owner_ids"),
    ("data_source_id", "data_source_ids"),
    ("cloud_account_id", "data_source_ids"),
    ("resource_type", "resource_types"),
    ("tag", "tags"),
    ("name", "name_like"),
];

/// A pool UUID, optionally followed by `+` for the pool and all its sub-pools.
fn pool_filter() -> impl args::Parse<String> {
    |v: &Value, at: &str, p: &mut Problems| {
        let s = v.as_str().unwrap_or("");
        let id = s.strip_suffix('+').unwrap_or(s);
        if args::is_uuid(id) {
            Some(s.to_ascii_lowercase())
        } else {
            p.add(
                at,
                format!(
                    "must be a pool UUID such as {}, optionally followed by + to include sub-pools (get one from list_pools)",
                    args::EXAMPLE_UUID
                ),
                Some(v),
            );
            None
        }
    }
}

fn resource_type() -> impl args::Parse<String> {
    |v: &Value, at: &str, p: &mut Problems| {
        let s = v.as_str().unwrap_or("");
        let ok = s.rsplit_once(':').is_some_and(|(kind, identity)| {
            !kind.trim().is_empty() && matches!(identity, "regular" | "cluster" | "environment")
        });
        if ok {
            Some(s.to_string())
        } else {
            p.add(
                at,
                "must be <type>:<identity> with identity regular, cluster or environment, e.g. Instance:regular",
                Some(v),
            );
            None
        }
    }
}

fn like_pattern() -> impl args::Parse<String> {
    |v: &Value, at: &str, p: &mut Problems| {
        let s = string(1, 256)(v, at, p)?;
        if s.chars().all(|c| c == '*' || c == '?') {
            p.add(at, "must contain more than wildcards", Some(v));
            return None;
        }
        Some(s)
    }
}

#[cfg(test)]
mod filter_tests {
    use serde_json::{Value, json};

    use super::*;

    fn accepts(filters: Value) -> bool {
        let mut p = Problems::default();
        expense_filters()(&filters, "filters", &mut p).is_some() && p.is_empty()
    }

    /// The description is built from the reader's tables; this checks that what it
    /// names is what the reader takes.
    #[test]
    fn the_filter_description_names_what_the_reader_takes() {
        let text = ExpenseFilters.schema("")["description"].to_string();
        assert!(text.contains("(not rule_id), sku_id:"), "{text}");
        assert!(!accepts(json!({"rule_id": ["x"]})));
        assert!(accepts(json!({"sku_id": {"exclude": ["x"]}})));
        for key in RANGE_FILTER_KEYS {
            assert!(text.contains(key), "{key}");
            for op in RANGE_OPS {
                assert!(
                    accepts(json!({*key: [{"op": op, "value": 1.5}]})),
                    "{key} {op}"
                );
            }
            assert!(!accepts(json!({*key: [{"op": "eq", "value": 1}]})));
        }
        assert!(text.contains("gt|gte|lt|lte"), "{text}");
        assert!(accepts(json!({"tags": [{"key": "Env", "exists": true}]})));
    }
}
