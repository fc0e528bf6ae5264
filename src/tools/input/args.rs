//! Reading tool arguments: every rule checked before any request, every problem
//! reported with its path, the rule it broke and the value given, so the model can
//! fix all of them in one retry.

use serde_json::{Map, Value};

use crate::time::Date;

/// An example UUID for messages.
pub const EXAMPLE_UUID: &str = "3fa85f64-5717-4562-b3fc-2c963f66afa6";
const MAX_REPORTED: usize = 5;
const MAX_GOT_CHARS: usize = 60;

/// One broken rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub path: String,
    pub rule: String,
    pub got: Option<String>,
}

/// The problems found so far, in the order found.
#[derive(Debug, Default)]
pub struct Problems(Vec<Problem>);

impl Problems {
    pub fn add(&mut self, path: &str, rule: impl Into<String>, got: Option<&Value>) {
        self.0.push(Problem {
            path: path.to_string(),
            rule: rule.into(),
            got: got.map(show),
        });
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    #[cfg(test)]
    pub fn list(&self) -> &[Problem] {
        &self.0
    }

    fn extend(&mut self, other: Problems) {
        self.0.extend(other.0);
    }

    /// `Invalid arguments for get_expenses: end_date: …; got "…". group_by: …`
    pub fn message(&self, tool: &str) -> String {
        let mut out = format!("Invalid arguments for {tool}:");
        for p in self.0.iter().take(MAX_REPORTED) {
            out.push(' ');
            out.push_str(&p.path);
            out.push_str(": ");
            out.push_str(&p.rule);
            if let Some(got) = &p.got {
                out.push_str("; got ");
                out.push_str(got);
            }
            out.push('.');
        }
        if self.0.len() > MAX_REPORTED {
            out.push_str(&format!(
                " ({} more problems.)",
                self.0.len() - MAX_REPORTED
            ));
        }
        out
    }
}

/// A value as shown in a message: compact JSON, at most 60 characters.
fn show(v: &Value) -> String {
    let text = v.to_string();
    match text.char_indices().nth(MAX_GOT_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

/// Checks one value at `path`; records what is wrong and yields `None` then.
pub trait Parse<T>: Fn(&Value, &str, &mut Problems) -> Option<T> {}
impl<T, F: Fn(&Value, &str, &mut Problems) -> Option<T>> Parse<T> for F {}

/// Reads the keys of one JSON object (the arguments, or a nested object),
/// remembering which keys are accepted so that unknown ones can be named.
#[derive(Debug)]
pub struct Reader {
    prefix: String,
    map: Map<String, Value>,
    accepted: Vec<&'static str>,
    problems: Problems,
}

impl Reader {
    /// Read the top-level arguments of a tool call (absent arguments = `{}`).
    pub fn new(arguments: Option<Map<String, Value>>) -> Reader {
        Reader::nested(String::new(), arguments.unwrap_or_default())
    }

    fn nested(prefix: String, map: Map<String, Value>) -> Reader {
        Reader {
            prefix,
            map,
            accepted: Vec::new(),
            problems: Problems::default(),
        }
    }

    /// The full path of a key of this object, e.g. `filters.tags[0].key`.
    pub fn path(&self, key: &str) -> String {
        if self.prefix.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.prefix)
        }
    }

    /// Take a key; `null` counts as absent.
    fn take(&mut self, key: &'static str) -> Option<Value> {
        self.accepted.push(key);
        self.map.remove(key).filter(|v| !v.is_null())
    }

    /// The keys asked for so far, in order.
    #[cfg(test)]
    pub fn accepted(&self) -> &[&'static str] {
        &self.accepted
    }

    /// Whether a key was given with a non-null value (without taking it).
    pub fn has(&self, key: &str) -> bool {
        self.map.get(key).is_some_and(|v| !v.is_null())
    }

    pub fn required<T>(&mut self, key: &'static str, parse: impl Parse<T>) -> Option<T> {
        let path = self.path(key);
        match self.take(key) {
            Some(v) => parse(&v, &path, &mut self.problems),
            None => {
                self.problems.add(&path, "is required", None);
                None
            }
        }
    }

    pub fn optional<T>(&mut self, key: &'static str, parse: impl Parse<T>) -> Option<T> {
        let path = self.path(key);
        let v = self.take(key)?;
        parse(&v, &path, &mut self.problems)
    }

    /// Accept a key without checking it: for keys whose rules depend on another key
    /// that was already found invalid, so they are not reported as unknown too.
    pub fn skip(&mut self, key: &'static str) {
        let _ = self.take(key);
    }

    /// Record a rule that spans several keys, reported at `key`.
    pub fn problem(&mut self, key: &str, rule: impl Into<String>, got: Option<&Value>) {
        let path = self.path(key);
        self.problems.add(&path, rule, got);
    }

    /// Whether any rule was broken so far.
    pub fn failed(&self) -> bool {
        !self.problems.is_empty()
    }

    /// Report keys nobody asked for, with a suggestion for common mistakes, and
    /// hand back every problem.
    pub fn finish(mut self, suggestions: &[(&str, &str)]) -> Problems {
        let unknown: Vec<String> = self.map.keys().cloned().collect();
        for key in unknown {
            let path = self.path(&key);
            let hint = suggestions
                .iter()
                .find(|(wrong, _)| wrong.eq_ignore_ascii_case(&key))
                .map(|(_, right)| {
                    if right.contains(' ') {
                        format!(" ({right}).")
                    } else {
                        format!("; did you mean {right}?")
                    }
                })
                .unwrap_or_else(|| ".".to_string());
            let accepted = if self.accepted.is_empty() {
                "none".to_string()
            } else {
                self.accepted.join(", ")
            };
            self.problems.add(
                &path,
                format!("unknown key{hint} Accepted keys: {accepted}"),
                None,
            );
        }
        self.problems
    }
}

// ---- parsers -----------------------------------------------------------------

pub fn string(min: usize, max: usize) -> impl Parse<String> {
    move |v, path, p| {
        let Some(s) = v.as_str() else {
            p.add(path, "must be a string", Some(v));
            return None;
        };
        let n = s.chars().count();
        if s.trim().is_empty() {
            p.add(path, "must not be empty", Some(v));
            None
        } else if n < min || n > max {
            p.add(
                path,
                format!("must be {min}-{max} characters long"),
                Some(v),
            );
            None
        } else {
            Some(s.to_string())
        }
    }
}

/// A canonical hyphenated UUID, sent in lower case. `hint` names the tool that gives
/// valid ids, e.g. "get one from list_organizations".
pub fn uuid(hint: &'static str) -> impl Parse<String> {
    move |v, path, p| {
        let s = v.as_str().filter(|s| is_uuid(s));
        if s.is_none() {
            p.add(
                path,
                format!("must be a UUID such as {EXAMPLE_UUID} ({hint})"),
                Some(v),
            );
        }
        s.map(str::to_ascii_lowercase)
    }
}

pub fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

pub fn date() -> impl Parse<Date> {
    |v, path, p| {
        let d = v.as_str().and_then(Date::parse);
        if d.is_none() {
            p.add(
                path,
                "must be a date in YYYY-MM-DD form, e.g. 2025-05-01",
                Some(v),
            );
        }
        d
    }
}

/// An integer in `min..=max`; `50.0` counts as 50, `"50"` does not.
pub fn integer(min: i64, max: i64) -> impl Parse<i64> {
    move |v, path, p| {
        let n = v.as_i64().or_else(|| {
            v.as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                .map(|f| f as i64)
        });
        match n {
            None => {
                p.add(path, "must be an integer", Some(v));
                None
            }
            Some(n) if n < min || n > max => {
                p.add(path, format!("must be between {min} and {max}"), Some(v));
                None
            }
            Some(n) => Some(n),
        }
    }
}

pub fn boolean() -> impl Parse<bool> {
    |v, path, p| {
        let b = v.as_bool();
        if b.is_none() {
            p.add(path, "must be true or false", Some(v));
        }
        b
    }
}

/// One of a fixed set of strings.
pub fn one_of(allowed: &'static [&'static str]) -> impl Parse<&'static str> {
    move |v, path, p| {
        let found = v
            .as_str()
            .and_then(|s| allowed.iter().copied().find(|a| *a == s));
        if found.is_none() {
            let rule = if allowed.len() <= 12 {
                format!("must be one of {}", allowed.join(", "))
            } else {
                format!(
                    "must be one of {}, … ({} values)",
                    allowed[..8].join(", "),
                    allowed.len()
                )
            };
            p.add(path, rule, Some(v));
        }
        found
    }
}

/// A list of `min..=max` items, each checked by `item`; `unique` rejects repeats.
pub fn list<T: PartialEq>(
    min: usize,
    max: usize,
    unique: bool,
    item: impl Parse<T>,
) -> impl Parse<Vec<T>> {
    move |v, path, p| {
        let Some(items) = v.as_array() else {
            p.add(path, "must be a list", Some(v));
            return None;
        };
        if items.is_empty() && min > 0 {
            p.add(path, "must not be empty (omit it instead)", Some(v));
            return None;
        }
        if items.len() < min || items.len() > max {
            let rule = if items.len() > max {
                format!("at most {max} items")
            } else {
                format!("at least {min} items")
            };
            p.add(path, rule, Some(&Value::from(items.len())));
            return None;
        }
        let before = p.0.len();
        let mut out: Vec<T> = Vec::with_capacity(items.len());
        for (i, raw) in items.iter().enumerate() {
            let at = format!("{path}[{i}]");
            if let Some(parsed) = item(raw, &at, p) {
                if unique && out.contains(&parsed) {
                    p.add(&at, "duplicates an earlier item", Some(raw));
                } else {
                    out.push(parsed);
                }
            }
        }
        (p.0.len() == before).then_some(out)
    }
}

/// A nested object read with its own [`Reader`]; `read` returns the parsed value.
pub fn object<T>(
    suggestions: &'static [(&'static str, &'static str)],
    read: impl Fn(&mut Reader) -> Option<T>,
) -> impl Parse<T> {
    move |v, path, p| {
        let Some(map) = v.as_object() else {
            p.add(path, "must be an object", Some(v));
            return None;
        };
        let mut reader = Reader::nested(path.to_string(), map.clone());
        let parsed = read(&mut reader);
        let failed = reader.failed();
        let problems = reader.finish(suggestions);
        let ok = problems.is_empty() && !failed;
        p.extend(problems);
        if ok { parsed } else { None }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn args(v: Value) -> Reader {
        Reader::new(v.as_object().cloned())
    }

    #[test]
    fn missing_null_and_wrong_types_are_reported_with_paths() {
        let mut a = args(json!({"organization_id": null, "limit": "50", "flag": 1}));
        assert_eq!(
            a.required("organization_id", uuid("get one from list_organizations")),
            None
        );
        assert_eq!(a.optional("limit", integer(1, 10)), None);
        assert_eq!(a.optional("flag", boolean()), None);
        let msg = a.finish(&[]).message("t");
        assert_eq!(
            msg,
            "Invalid arguments for t: organization_id: is required. limit: must be an integer; got \"50\". flag: must be true or false; got 1."
        );
    }

    #[test]
    fn integers_accept_zero_fractions_only() {
        let mut a = args(json!({"a": 50.0, "b": 50.5, "c": 0}));
        assert_eq!(a.optional("a", integer(1, 100)), Some(50));
        assert_eq!(a.optional("b", integer(1, 100)), None);
        assert_eq!(a.optional("c", integer(1, 100)), None);
        let problems = a.finish(&[]);
        assert_eq!(problems.list()[1].rule, "must be between 1 and 100");
    }

    #[test]
    fn uuids_are_canonical_and_lowercased() {
        let mut a = args(
            json!({"a": "A0000000-0000-4000-8000-00000000000F", "b": "{a0000000-0000-4000-8000-000000000001}", "c": "a00000000000400080000000000000001", "d": "acme"}),
        );
        assert_eq!(
            a.required("a", uuid("x")).as_deref(),
            Some("a0000000-0000-4000-8000-00000000000f")
        );
        assert!(a.required("b", uuid("x")).is_none());
        assert!(a.required("c", uuid("x")).is_none());
        assert!(
            a.required("d", uuid("get one from list_organizations"))
                .is_none()
        );
        let msg = a.finish(&[]).message("t");
        assert!(msg.contains("d: must be a UUID such as 3fa85f64-5717-4562-b3fc-2c963f66afa6 (get one from list_organizations); got \"acme\"."), "{msg}");
    }

    #[test]
    fn unknown_keys_are_named_with_suggestions_and_accepted_keys() {
        let mut a = args(json!({"region": "x", "zzz": 1}));
        let _ = a.optional("region_id", string(1, 10));
        let msg = a.finish(&[("region", "region_id")]).message("t");
        assert!(
            msg.contains("region: unknown key; did you mean region_id? Accepted keys: region_id."),
            "{msg}"
        );
        assert!(
            msg.contains("zzz: unknown key. Accepted keys: region_id."),
            "{msg}"
        );
    }

    #[test]
    fn lists_check_length_uniqueness_and_items() {
        let mut a = args(json!({"a": [], "b": ["x", "x"], "c": [1, "ok"], "d": ["a","b","c","d"]}));
        assert!(a.optional("a", list(1, 3, true, string(1, 5))).is_none());
        assert!(a.optional("b", list(1, 3, true, string(1, 5))).is_none());
        assert!(a.optional("c", list(1, 3, true, string(1, 5))).is_none());
        assert!(a.optional("d", list(1, 3, true, string(1, 5))).is_none());
        let msg = a.finish(&[]).message("t");
        assert!(
            msg.contains("a: must not be empty (omit it instead); got []."),
            "{msg}"
        );
        assert!(
            msg.contains("b[1]: duplicates an earlier item; got \"x\"."),
            "{msg}"
        );
        assert!(msg.contains("c[0]: must be a string; got 1."), "{msg}");
        assert!(msg.contains("d: at most 3 items; got 4."), "{msg}");
    }

    #[test]
    fn nested_objects_report_full_paths() {
        let mut a = args(json!({"filters": {"tags": [{"key": ""}], "regio": 1}}));
        let parsed = a.optional(
            "filters",
            object(&[("regio", "region_id")], |r| {
                r.optional(
                    "tags",
                    list(
                        1,
                        20,
                        false,
                        object(&[], |t| t.required("key", string(1, 256))),
                    ),
                )
            }),
        );
        assert!(parsed.is_none());
        let msg = a.finish(&[]).message("t");
        assert!(
            msg.contains("filters.tags[0].key: must not be empty; got \"\"."),
            "{msg}"
        );
        assert!(
            msg.contains("filters.regio: unknown key; did you mean region_id?"),
            "{msg}"
        );
    }

    #[test]
    fn at_most_five_problems_are_listed_and_values_are_shortened() {
        let mut a = args(json!({"long": "x".repeat(100)}));
        let _ = a.optional("long", integer(0, 1));
        for k in ["a", "b", "c", "d", "e", "f"] {
            a.problem(k, "bad", None);
        }
        let msg = a.finish(&[]).message("t");
        assert!(msg.contains(&format!("got \"{}…", "x".repeat(59))), "{msg}");
        assert!(msg.ends_with("(2 more problems.)"), "{msg}");
    }
}
