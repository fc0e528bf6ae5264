//! Vocabularies several tools share: dimensions, expense filters,
//! group-by and order-by items, currencies, enums, and the OptScale resource
//! filter set. Each comes with its parser and its schema, side by side.

use serde_json::{Map, Value, json};

use super::args::{self, Problems, Reader, boolean, list, object, string};
use super::field::{
    Choice, Choices, FILTER_VALUES, Ids, Many, NAME, ORGANIZATION_ID, Record, Records, TAG_FILTERS,
    TAG_KEY, TAG_TYPE, Texts,
};
use super::schema as s;
use crate::time::Date;

/// `organization_id`, required on most tools.
pub fn organization_id(a: &mut Reader) -> Option<String> {
    a.required("organization_id", ORGANIZATION_ID.parse())
}

pub fn organization_id_schema() -> Value {
    ORGANIZATION_ID.schema("")
}

/// `start_date` and `end_date`, both required, end not before start.
pub fn date_range(a: &mut Reader) -> Option<(Date, Date)> {
    let start = a.required("start_date", args::date());
    let end = a.required("end_date", args::date());
    let (start, end) = (start?, end?);
    if end < start {
        a.problem(
            "end_date",
            format!("must not be before start_date ({start})"),
            Some(&Value::String(end.to_string())),
        );
        return None;
    }
    Some((start, end))
}

pub fn start_date_schema() -> Value {
    s::date("First day, inclusive (UTC).")
}

pub fn end_date_schema() -> Value {
    s::date("Last day, inclusive (UTC).")
}

// ---- dimensions and expense filters (3.1, 3.2) --------------------------------

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
const RANGE: Many = Many::new(4, false);
const RANGE_OP: Choice = Choice(RANGE_OPS);

/// The expense filter object, validated and rebuilt without nulls.
pub fn expense_filters() -> impl args::Parse<Map<String, Value>> {
    object(FILTER_SUGGESTIONS, |r| {
        let mut out = Map::new();
        for key in VALUE_FILTER_KEYS {
            if let Some(v) = r.optional(key, value_filter) {
                out.insert((*key).to_string(), v);
            }
        }
        for key in RANGE_FILTER_KEYS {
            if let Some(v) = r.optional(key, RANGE.parse(range_condition())) {
                out.insert((*key).to_string(), Value::Array(v));
            }
        }
        if let Some(tags) = r.optional("tags", TAG_FILTERS.parse()) {
            out.insert("tags".into(), Value::Array(tags));
        }
        (!r.failed()).then_some(out)
    })
}

/// `["a", "b"]` or `{"include": [...], "exclude": [...]}`.
fn value_filter(v: &Value, at: &str, p: &mut Problems) -> Option<Value> {
    match v {
        Value::Array(_) => FILTER_VALUES.parse()(v, at, p).map(|l| json!(l)),
        Value::Object(_) => object(&[], |r| {
            let include = r.optional("include", FILTER_VALUES.parse());
            let exclude = r.optional("exclude", FILTER_VALUES.parse());
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
        let op = r.required("op", RANGE_OP.parse());
        Some(json!({"value": value?, "op": op?}))
    })
}

/// The filter object, described rather than spelled out: written as properties,
/// its 27 keys and three value shapes cost more than the rest of get_expenses. It
/// has no `type`, so it needs no property list; the reader checks every key and
/// value with a message that says what to fix. The keys and operators named are
/// the reader's own tables.
pub fn expense_filters_schema() -> Value {
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

// ---- group_by, order_by, metrics, granularity (3.3) ---------------------------

pub const METRICS: &[&str] = &[
    "billed_cost",
    "effective_cost",
    "list_cost",
    "consumed_quantity",
];
const METRIC_CHOICES: Choices = Choices(METRICS);
pub const GRANULARITIES: &[&str] = &["day", "week", "month", "year", "total"];
pub const GRANULARITY: Choice = Choice(GRANULARITIES);
const ORDER_FIELDS: &[&str] = &[
    "date",
    "billed_cost",
    "effective_cost",
    "list_cost",
    "consumed_quantity",
    "resource_count",
];
const DIRECTIONS: &[&str] = &["asc", "desc"];

/// `group_by`: up to three dimensions or tag specs.
const GROUP_BY: Many = Many::new(3, true);

pub fn group_by() -> impl args::Parse<Vec<Value>> {
    GROUP_BY.parse(|v: &Value, at: &str, p: &mut Problems| match v {
        Value::String(_) => DIMENSION.parse()(v, at, p).map(|d| json!(d)),
        Value::Object(_) => object(&[], |r| {
            let kind = r.required("type", TAG_TYPE.parse());
            let key_given = r.has("key");
            let key = r.optional("key", TAG_KEY.parse());
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
        })(v, at, p),
        _ => {
            p.add(
                at,
                "must be a dimension name or a tag spec {\"type\": \"values\", \"key\": …}",
                Some(v),
            );
            None
        }
    })
}

pub fn group_by_schema() -> Value {
    GROUP_BY.schema(
        "A dimension, or a tag: {\"type\":\"values\",\"key\":\"Env\"} or {\"type\":\"keys\"}.",
        json!({"anyOf": [
            DIMENSION.schema(""),
            s::object(
                vec![
                    ("type", TAG_TYPE.schema("")),
                    ("key", TAG_KEY.schema("Tag key, for values.")),
                ],
                &["type"],
            ),
        ]}),
    )
}

/// `order_by`: up to three sort keys.
const ORDER_BY: Records = Records::new(
    3,
    Record(&[
        ("field", Choice(ORDER_FIELDS), true),
        ("direction", Choice(DIRECTIONS), false),
    ]),
);

pub fn order_by() -> impl args::Parse<Vec<Value>> {
    ORDER_BY.parse()
}

pub fn order_by_schema() -> Value {
    ORDER_BY.schema("Default billed_cost desc.")
}

pub fn default_order_by() -> Value {
    json!([{"field": "billed_cost", "direction": "desc"}])
}

pub fn metrics() -> impl args::Parse<Vec<&'static str>> {
    METRIC_CHOICES.parse()
}

pub fn metrics_schema() -> Value {
    METRIC_CHOICES.schema("Default effective_cost, billed_cost.")
}

pub fn default_metrics() -> Value {
    json!(["effective_cost", "billed_cost"])
}

// ---- currency (3.4) -------------------------------------------------------------

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

pub fn currency() -> impl args::Parse<&'static str> {
    |v: &Value, at: &str, p: &mut Problems| {
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

/// A pattern, not the 180 codes: the list only validates, and the reader checks it
/// with a better message than a schema could give.
pub fn currency_schema() -> Value {
    json!({
        "type": "string",
        "pattern": "^[A-Z]{3}$",
        "description": "ISO 4217, e.g. EUR.",
    })
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

/// What one item of a resource filter list must be.
#[derive(Clone, Copy)]
enum Item {
    /// A UUID; the text names the tool that gives one.
    Id(&'static str),
    /// A pool UUID, `+` for its sub-pools too.
    Pool,
    /// Free text of 1-256 characters.
    Text,
    /// `<type>:<identity>`.
    ResourceType,
}

/// One list input of the resource filter set: its name, the query key each value
/// is sent as, the most values it takes, what each is, and what the model is told.
/// Both the schema and the reader come from this row.
struct ListFilter {
    input: &'static str,
    param: &'static str,
    max: usize,
    item: Item,
    description: &'static str,
}

const fn row(
    input: &'static str,
    param: &'static str,
    max: usize,
    item: Item,
    description: &'static str,
) -> ListFilter {
    ListFilter {
        input,
        param,
        max,
        item,
        description,
    }
}

/// In the order the values are sent.
const LIST_FILTERS: &[ListFilter] = &[
    row(
        "data_source_ids",
        "cloud_account_id",
        100,
        Item::Id("get one from list_data_sources"),
        "From list_data_sources.",
    ),
    row(
        "pool_ids",
        "pool_id",
        100,
        Item::Pool,
        "From list_pools; <id>+ adds sub-pools.",
    ),
    row(
        "owner_ids",
        "owner_id",
        100,
        Item::Id("an employee id from list_employees"),
        "From list_employees; nil UUID: no owner.",
    ),
    row("regions", "region", 100, Item::Text, ""),
    row("service_names", "service_name", 100, Item::Text, ""),
    row(
        "resource_types",
        "resource_type",
        100,
        Item::ResourceType,
        "<type>:<regular|cluster|environment>, e.g. Instance:regular.",
    ),
    row("tags", "tag", 50, Item::Text, "Tag keys it must have."),
    row(
        "without_tags",
        "without_tag",
        50,
        Item::Text,
        "Tag keys it lacks.",
    ),
    row("k8s_namespaces", "k8s_namespace", 100, Item::Text, ""),
    row("k8s_nodes", "k8s_node", 100, Item::Text, ""),
    row("k8s_services", "k8s_service", 100, Item::Text, ""),
];

impl ListFilter {
    fn schema(&self) -> Value {
        let item = match self.item {
            Item::Id(hint) => return Ids::new(self.max, hint).schema(self.description),
            Item::Text => return Texts::new(self.max, NAME).schema(self.description),
            // Their forms (`<uuid>[+]`, `<type>:<kind>`) are the reader's.
            Item::Pool | Item::ResourceType => s::bare_text(),
        };
        s::array(self.description, item, 1, self.max, false)
    }

    fn read(&self, a: &mut Reader) -> Option<Vec<String>> {
        let (key, max) = (self.input, self.max);
        match self.item {
            Item::Id(hint) => a.optional(key, Ids::new(max, hint).parse()),
            Item::Pool => a.optional(key, list(1, max, false, pool_filter())),
            Item::Text => a.optional(key, Texts::new(max, NAME).parse()),
            Item::ResourceType => a.optional(key, list(1, max, false, resource_type())),
        }
    }
}

/// Inputs of the resource filter set, read into query pairs in table order.
pub fn resource_filters(a: &mut Reader) -> Vec<(&'static str, String)> {
    let mut q: Vec<(&'static str, String)> = Vec::new();
    for f in LIST_FILTERS {
        if let Some(values) = f.read(a) {
            q.extend(values.into_iter().map(|v| (f.param, v)));
        }
    }
    for (input, key) in [
        ("active", "active"),
        ("with_recommendations", "recommendations"),
        ("constraint_violated", "constraint_violated"),
    ] {
        if let Some(b) = a.optional(input, boolean()) {
            q.push((key, b.to_string()));
        }
    }
    for key in ["name_like", "cloud_resource_id_like"] {
        if let Some(pattern) = a.optional(key, like_pattern()) {
            q.push((key, pattern));
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

/// The resource filter set, from the same rows as its reader. Names that say
/// enough go without a description; the reader's messages explain the forms.
pub fn resource_filter_schema() -> Vec<(&'static str, Value)> {
    let mut props: Vec<(&'static str, Value)> =
        LIST_FILTERS.iter().map(|f| (f.input, f.schema())).collect();
    props.extend([
        ("active", s::boolean("", None)),
        ("with_recommendations", s::boolean("", None)),
        ("constraint_violated", s::boolean("", None)),
        (
            "name_like",
            json!({"type": "string", "description": "* and ? are wildcards."}),
        ),
        (
            "cloud_resource_id_like",
            json!({"type": "string", "description": "As name_like, on the cloud id."}),
        ),
    ]);
    props
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
        let text = expense_filters_schema()["description"].to_string();
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
