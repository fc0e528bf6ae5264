//! Input kinds: each gives both the JSON Schema a model reads and the check the
//! server makes, from the same fields, so the two cannot drift apart.

use serde_json::{Map, Value};

use super::args::{self, Parse, Problems, Reader};
use super::schema as s;
use super::spec::{Declared, Input, Kind, Properties, Required, parser};
use crate::time::Date;

/// Each kind's own `schema` and `parser`, as a [`Kind`].
macro_rules! kinds {
    ($($kind:ty => $out:ty),* $(,)?) => {$(
        impl Kind for $kind {
            type Out = $out;
            fn schema(&self, description: &str) -> Value {
                <$kind>::schema(*self, description)
            }
            fn parse(&self, v: &Value, at: &str, p: &mut Problems) -> Option<$out> {
                self.parser()(v, at, p)
            }
        }
    )*};
}

kinds!(
    Int => i64,
    Bool => bool,
    Day => Date,
    Choices => Vec<&'static str>,
    Text => String,
    Texts => Vec<String>,
    Ids => Vec<String>,
    Id => String,
    Names => Vec<String>,
    Choice => &'static str,
    Unlisted => &'static str,
    Record => Value,
    Records => Vec<Value>,
);

/// An integer in `min..=max`.
#[derive(Debug, Clone, Copy)]
pub struct Int {
    min: i64,
    max: i64,
}

impl Int {
    pub const fn new(min: i64, max: i64) -> Int {
        Int { min, max }
    }

    pub fn schema(self, description: &str) -> Value {
        s::integer(description, self.min, self.max, None)
    }

    pub fn parser(self) -> impl Parse<i64> {
        args::integer(self.min, self.max)
    }
}

/// True or false.
#[derive(Debug, Clone, Copy)]
pub struct Bool;

impl Bool {
    pub fn schema(self, description: &str) -> Value {
        s::boolean(description, None)
    }

    pub fn parser(self) -> impl Parse<bool> {
        args::boolean()
    }
}

/// A calendar date, `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy)]
pub struct Day;

impl Day {
    pub fn schema(self, description: &str) -> Value {
        s::date(description)
    }

    pub fn parser(self) -> impl Parse<Date> {
        args::date()
    }
}

/// A list of 1..=max items of one kind; `unique` refuses repeats.
#[derive(Debug, Clone, Copy)]
pub struct List<K> {
    item: K,
    max: usize,
    unique: bool,
}

impl<K: Kind> List<K> {
    /// Repeats allowed.
    pub const fn of(item: K, max: usize) -> List<K> {
        List {
            item,
            max,
            unique: false,
        }
    }

    pub const fn distinct(item: K, max: usize) -> List<K> {
        List {
            item,
            max,
            unique: true,
        }
    }
}

impl<K: Kind> Kind for List<K>
where
    K::Out: PartialEq,
{
    type Out = Vec<K::Out>;

    fn schema(&self, description: &str) -> Value {
        s::array(description, self.item.schema(""), 1, self.max, self.unique)
    }

    fn parse(&self, v: &Value, at: &str, p: &mut Problems) -> Option<Vec<K::Out>> {
        args::list(1, self.max, self.unique, parser(self.item))(v, at, p)
    }
}

/// A nested object whose keys are inputs: its schema lists them, `read` reads
/// them through the same inputs (and checks rules across keys), and unknown keys
/// are named with `suggestions`.
pub struct Object<T: 'static> {
    pub inputs: &'static [&'static dyn Declared],
    pub suggestions: &'static [(&'static str, &'static str)],
    pub read: fn(&mut Reader) -> Option<T>,
}

impl<T> Clone for Object<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Object<T> {}

impl<T: 'static> Kind for Object<T> {
    type Out = T;

    fn schema(&self, description: &str) -> Value {
        Properties::of(self.inputs).described(description)
    }

    fn parse(&self, v: &Value, at: &str, p: &mut Problems) -> Option<T> {
        args::object(self.suggestions, self.read)(v, at, p)
    }
}

/// Write the value of an input into `out` under its name, when there is one.
pub fn put(out: &mut Map<String, Value>, name: &str, value: Option<impl Into<Value>>) {
    if let Some(v) = value {
        out.insert(name.into(), v.into());
    }
}

/// A list of distinct values from a fixed set, so at most each value once.
#[derive(Debug, Clone, Copy)]
pub struct Choices(pub &'static [&'static str]);

impl Choices {
    pub fn schema(self, description: &str) -> Value {
        s::array(description, s::one_of("", self.0), 1, self.0.len(), true)
    }

    pub fn parser(self) -> impl Parse<Vec<&'static str>> {
        args::list(1, self.0.len(), true, args::one_of(self.0))
    }
}

/// A string input of `min..=max` characters, not blank.
#[derive(Debug, Clone, Copy)]
pub struct Text {
    min: usize,
    max: usize,
}

impl Text {
    pub const fn new(min: usize, max: usize) -> Text {
        Text { min, max }
    }

    pub fn schema(self, description: &str) -> Value {
        s::string(description, self.min, self.max)
    }

    pub fn parser(self) -> impl Parse<String> {
        args::string(self.min, self.max)
    }
}

/// A partial-match search string.
pub const SEARCH: Text = Text::new(1, 100);
/// A tag key.
pub const TAG_KEY: Text = Text::new(1, 256);
/// A dimension of a North Star Metric key.
pub const NSM_DIMENSION: Text = Text::new(1, 64);

/// A value the API matches as given: a region, a service, a scenario id.
pub const NAME: Text = Text::new(1, 256);
/// A tag value.
pub const TAG_VALUE: Text = Text::new(1, 1024);

/// A list of 1..=max texts; repeats allowed, as the API ignores them.
#[derive(Debug, Clone, Copy)]
pub struct Texts {
    max: usize,
    item: Text,
}

impl Texts {
    pub const fn new(max: usize, item: Text) -> Texts {
        Texts { max, item }
    }

    pub fn schema(self, description: &str) -> Value {
        s::array(description, self.item.schema(""), 1, self.max, false)
    }

    pub fn parser(self) -> impl Parse<Vec<String>> {
        args::list(1, self.max, false, self.item.parser())
    }
}

/// A list of 1..=max UUIDs; `hint` says where valid ones come from, for the
/// reader's message.
#[derive(Debug, Clone, Copy)]
pub struct Ids {
    max: usize,
    hint: &'static str,
}

impl Ids {
    pub const fn new(max: usize, hint: &'static str) -> Ids {
        Ids { max, hint }
    }

    pub fn schema(self, description: &str) -> Value {
        s::array(description, s::bare_uuid(), 1, self.max, false)
    }

    pub fn parser(self) -> impl Parse<Vec<String>> {
        args::list(1, self.max, false, args::uuid(self.hint))
    }
}

/// Data source ids, as list_data_sources gives them.
pub const DATA_SOURCE_IDS: Ids = Ids::new(100, "get one from list_data_sources");

/// One UUID. The reader's message names where valid ones come from: `hint` in
/// the usual message, or a whole `rule` where the usual one would mislead.
#[derive(Debug, Clone, Copy)]
pub struct Id {
    hint: &'static str,
    rule: Option<&'static str>,
}

impl Id {
    pub const fn new(hint: &'static str) -> Id {
        Id { hint, rule: None }
    }

    /// An id whose message is `rule` as given.
    pub const fn ruled(rule: &'static str) -> Id {
        Id {
            hint: "",
            rule: Some(rule),
        }
    }

    pub fn schema(self, description: &str) -> Value {
        s::uuid(description)
    }

    pub fn parser(self) -> impl Parse<String> {
        let usual = args::uuid(self.hint);
        move |v: &Value, at: &str, p: &mut args::Problems| match self.rule {
            None => usual(v, at, p),
            Some(rule) => {
                let id = v.as_str().filter(|s| args::is_uuid(s));
                if id.is_none() {
                    p.add(at, rule, Some(v));
                }
                id.map(str::to_ascii_lowercase)
            }
        }
    }
}

/// A pool, as list_pools gives it.
pub const POOL_ID: Id = Id::new("get one from list_pools");
/// An organization, as list_organizations gives it.
pub const ORGANIZATION_ID: Id = Id::new("get one from list_organizations");
/// A resource: DigiUsher's id, which models confuse with the cloud's own.
pub const RESOURCE_ID: Id = Id::ruled(
    "must be the DigiUsher resource id (a UUID) from list_resources, not the cloud provider's id; to find it, call list_resources with cloud_resource_id_like",
);

/// A name of ASCII letters, digits and `_`, at most `max_len` bytes: one word, or
/// dotted words. The reader's check and the schema's pattern (when `shown`) come
/// from the same fields.
#[derive(Debug, Clone, Copy)]
pub struct Word {
    max_len: usize,
    lower: bool,
    dotted: bool,
    shown: bool,
    rule: &'static str,
}

impl Word {
    fn allows(self, b: u8) -> bool {
        b == b'_'
            || b.is_ascii_digit()
            || b.is_ascii_lowercase()
            || (!self.lower && b.is_ascii_uppercase())
    }

    fn is_valid(self, s: &str) -> bool {
        let word = |w: &str| !w.is_empty() && w.bytes().all(|b| self.allows(b));
        s.len() <= self.max_len
            && if self.dotted {
                s.split('.').all(word)
            } else {
                word(s)
            }
    }

    fn schema(self) -> Value {
        if !self.shown || self.dotted {
            return s::bare_string(1, self.max_len);
        }
        let letters = if self.lower { "a-z" } else { "A-Za-z" };
        serde_json::json!({"type": "string", "pattern": format!("^[{letters}0-9_]{{1,{}}}$", self.max_len)})
    }

    fn parser(self) -> impl Parse<String> {
        move |v: &Value, at: &str, p: &mut args::Problems| {
            let s = v.as_str().filter(|s| self.is_valid(s));
            if s.is_none() {
                p.add(at, self.rule, Some(v));
            }
            s.map(str::to_string)
        }
    }
}

/// An optimization module, e.g. rightsizing_instances; the pattern is shown, as
/// the model makes these names up from the description.
pub const MODULE: Word = Word {
    max_len: 64,
    lower: true,
    dotted: false,
    shown: true,
    rule: "must be a module name of lower-case letters, digits and _, e.g. rightsizing_instances",
};

/// A resource field or dotted path such as owner.name.
pub const FIELD_PATH: Word = Word {
    max_len: 128,
    lower: false,
    dotted: true,
    shown: false,
    rule: "must be a field name or dotted path such as owner.name",
};

/// A list of 1..=max distinct names.
#[derive(Debug, Clone, Copy)]
pub struct Names {
    max: usize,
    item: Word,
}

impl Names {
    pub const fn new(max: usize, item: Word) -> Names {
        Names { max, item }
    }

    pub fn schema(self, description: &str) -> Value {
        s::array(description, self.item.schema(), 1, self.max, true)
    }

    pub fn parser(self) -> impl Parse<Vec<String>> {
        args::list(1, self.max, true, self.item.parser())
    }
}

/// One value from a fixed set.
#[derive(Debug, Clone, Copy)]
pub struct Choice(pub &'static [&'static str]);

impl Choice {
    pub fn schema(self, description: &str) -> Value {
        s::one_of(description, self.0)
    }

    pub fn parser(self) -> impl Parse<&'static str> {
        args::one_of(self.0)
    }
}

/// One value from a fixed set the schema does not list (the set is long, or
/// another input decides whether it applies); the reader names the choices.
#[derive(Debug, Clone, Copy)]
pub struct Unlisted(pub Choice);

impl Unlisted {
    pub fn schema(self, description: &str) -> Value {
        s::text(description)
    }

    pub fn parser(self) -> impl Parse<&'static str> {
        self.0.parser()
    }
}

/// A key of a [`Record`]: its name, its choices, and whether it is required.
pub type Key = (&'static str, Choice, bool);

/// A small object of choices, its schema and its reader walking the same keys.
/// The reader gives the keys given, in the table's order.
#[derive(Debug, Clone, Copy)]
pub struct Record(pub &'static [Key]);

impl Record {
    pub fn schema(self, description: &str) -> Value {
        let props = self.0.iter().map(|(k, c, _)| (*k, c.schema(""))).collect();
        let required: Vec<&str> = self.0.iter().filter(|k| k.2).map(|k| k.0).collect();
        s::described_object(description, props, &required)
    }

    pub fn parser(self) -> impl Parse<Value> {
        args::object(&[], move |r| {
            let mut out = serde_json::Map::new();
            let mut complete = true;
            for &(key, choice, required) in self.0 {
                let value = if required {
                    r.required(key, choice.parser())
                } else {
                    r.optional(key, choice.parser())
                };
                match value {
                    Some(v) => {
                        out.insert(key.into(), Value::from(v));
                    }
                    None => complete &= !required,
                }
            }
            complete.then_some(Value::Object(out))
        })
    }
}

/// A list of 1..=max records; repeats allowed.
#[derive(Debug, Clone, Copy)]
pub struct Records {
    max: usize,
    item: Record,
}

impl Records {
    pub const fn new(max: usize, item: Record) -> Records {
        Records { max, item }
    }

    pub fn schema(self, description: &str) -> Value {
        s::array(description, self.item.schema(""), 1, self.max, false)
    }

    pub fn parser(self) -> impl Parse<Vec<Value>> {
        args::list(1, self.max, false, self.item.parser())
    }
}

/// Standard dimension or tag, in a dimension object.
pub const DIMENSION_TYPE: Choice = Choice(&["standard", "tag"]);
/// The keys of the tags, or one key's values.
pub const TAG_TYPE: Choice = Choice(&["keys", "values"]);

/// Values an expense or a tag filter matches exactly.
pub const FILTER_VALUES: Texts = Texts::new(1000, TAG_VALUE);

const TAG: Input<Text, Required> = Input::required("key", TAG_KEY, "");
const INCLUDE: Input<Texts> = Input::optional("include", FILTER_VALUES, "");
const EXCLUDE: Input<Texts> = Input::optional("exclude", FILTER_VALUES, "");
const EXISTS: Input<Bool> = Input::optional("exists", Bool, "Set (true) or not.");

/// Up to twenty tag filters `{key, include, exclude, exists}`: the resource tags
/// of list_recommendations and the tags of an expense filter, one spec for both.
pub const TAG_FILTERS: List<Object<Value>> = List::of(
    Object {
        inputs: &[&TAG, &INCLUDE, &EXCLUDE, &EXISTS],
        suggestions: &[],
        read: |r| {
            let key = TAG.read(r);
            let include = INCLUDE.read(r);
            let exclude = EXCLUDE.read(r);
            let exists = EXISTS.read(r);
            let mut m = Map::new();
            put(&mut m, TAG.name, key);
            put(&mut m, INCLUDE.name, include);
            put(&mut m, EXCLUDE.name, exclude);
            put(&mut m, EXISTS.name, exists);
            m.contains_key(TAG.name).then_some(Value::Object(m))
        },
    },
    20,
);

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn reads(word: Word, v: &str) -> bool {
        let mut p = args::Problems::default();
        word.parser()(&json!(v), "x", &mut p).is_some() && p.is_empty()
    }

    #[test]
    fn a_module_pattern_and_its_check_agree_at_the_bounds() {
        let long = "a".repeat(64);
        assert!(reads(MODULE, &long) && reads(MODULE, "rightsizing_instances"));
        for bad in ["", "Rightsizing", "a-b", &format!("{long}a")] {
            assert!(!reads(MODULE, bad), "{bad}");
        }
        assert_eq!(MODULE.schema()["pattern"], "^[a-z0-9_]{1,64}$");
    }

    #[test]
    fn a_field_path_is_dotted_words() {
        assert!(reads(FIELD_PATH, "owner.name") && reads(FIELD_PATH, "Pool_1"));
        for bad in [
            "",
            ".name",
            "owner..name",
            "owner.",
            "a b",
            &"a".repeat(129),
        ] {
            assert!(!reads(FIELD_PATH, bad), "{bad}");
        }
    }

    const SORT: Record = Record(&[
        ("field", Choice(&["cost", "name"]), true),
        ("direction", Choice(&["asc", "desc"]), false),
    ]);

    #[test]
    fn a_record_reads_what_its_schema_describes() {
        let schema = SORT.schema("");
        assert_eq!(schema["required"], json!(["field"]));
        assert_eq!(
            schema["properties"]["direction"]["enum"],
            json!(["asc", "desc"])
        );
        let read = |v: Value| {
            let mut p = args::Problems::default();
            SORT.parser()(&v, "x", &mut p).filter(|_| p.is_empty())
        };
        assert_eq!(
            read(json!({"field": "cost"})),
            Some(json!({"field": "cost"}))
        );
        assert_eq!(
            read(json!({"direction": "asc", "field": "name"})),
            Some(json!({"field": "name", "direction": "asc"}))
        );
        for bad in [
            json!({"direction": "asc"}),
            json!({"field": "size"}),
            json!({"field": "cost", "direction": "up"}),
            json!({"field": "cost", "by": 1}),
        ] {
            assert_eq!(read(bad.clone()), None, "{bad}");
        }
    }
}
