//! Turning API JSON into a tool result: compact text (also `structuredContent` for
//! objects), `Note:` blocks, and the size cap that cuts arrays at record boundaries.

use serde_json::Value;

/// A tool's JSON, as a tree or as compact text that was never parsed into one.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    Tree(Value),
    /// Compact, well-formed JSON, e.g. an API answer passed on as it is.
    Text(String),
}

/// What a tool produced before rendering.
#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    pub json: Json,
    /// Each becomes a text block starting with `Note:`.
    pub notes: Vec<String>,
}

impl Output {
    pub fn new(value: Value) -> Output {
        Output {
            json: Json::Tree(value),
            notes: Vec::new(),
        }
    }

    /// `text` must be compact, well-formed JSON.
    pub fn text(text: String) -> Output {
        Output {
            json: Json::Text(text),
            notes: Vec::new(),
        }
    }

    pub fn empty() -> Output {
        Output::new(Value::Null).note("The API returned no content.")
    }

    pub fn note(mut self, note: impl Into<String>) -> Output {
        self.notes.push(note.into());
        self
    }
}

/// A finished tool result, independent of the MCP library.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolResult {
    /// `content[0]`: the JSON text, or the error message.
    pub text: String,
    /// Further text blocks, each starting with `Note:`.
    pub notes: Vec<String>,
    /// `text` is a JSON object, to be given as `structuredContent` too.
    pub structured: bool,
    pub is_error: bool,
}

impl ToolResult {
    pub fn error(message: impl Into<String>) -> ToolResult {
        ToolResult {
            text: message.into(),
            notes: Vec::new(),
            structured: false,
            is_error: true,
        }
    }
}

/// Characters kept free under the cap for the notes.
const NOTE_ROOM: usize = 400;

pub fn render(output: Output, cap: usize, narrow: &str) -> ToolResult {
    let Output { json, mut notes } = output;
    let (text, tree) = match json {
        // The common case: the answer as it came, never parsed into a tree.
        Json::Text(text) => (text, None),
        Json::Tree(value) => (compact(&value), Some(value)),
    };
    let original = char_len(&text);
    let text = if original <= cap {
        text
    } else {
        let parsed = match tree {
            Some(value) => Ok(value),
            None => serde_json::from_str(&text),
        };
        let value = match parsed {
            Ok(value) => value,
            Err(e) => {
                return ToolResult::error(format!(
                    "The result is too large to return ({original} characters, cap {cap}) and could not be read to shorten it ({e}). Narrow the query: {narrow}"
                ));
            }
        };
        match shorten(value, original, cap, narrow, &mut notes) {
            Ok(text) => text,
            Err(error) => return error,
        }
    };
    ToolResult {
        structured: text.starts_with('{'),
        text,
        notes: notes
            .into_iter()
            .map(|n| {
                if n.starts_with("Note:") {
                    n
                } else {
                    format!("Note: {n}")
                }
            })
            .collect(),
        is_error: false,
    }
}

/// `value`, `original` characters long, as compact text under `cap`: its largest
/// arrays cut, each cut noted first in `notes`.
fn shorten(
    mut value: Value,
    original: usize,
    cap: usize,
    narrow: &str,
    notes: &mut Vec<String>,
) -> Result<String, ToolResult> {
    let budget = cap.saturating_sub(NOTE_ROOM).max(cap / 2);
    let cuts = cut_to_fit(&mut value, budget);
    let text = compact(&value);
    if char_len(&text) > budget {
        return Err(ToolResult::error(format!(
            "The result is too large to return ({original} characters, cap {cap}). Narrow the query: {narrow}"
        )));
    }
    for cut in cuts {
        notes.insert(
            0,
            format!(
                "result cut to the first {} of {} items of \"{}\" to stay under {cap} characters. {narrow}",
                cut.kept, cut.total, cut.name
            ),
        );
    }
    Ok(text)
}

/// Compact JSON text. `serde_json::to_writer` into a buffer is several times
/// faster than `Value::to_string`, which goes through `fmt::Write`.
fn compact(value: &Value) -> String {
    let mut buf = Vec::with_capacity(256);
    if serde_json::to_writer(&mut buf, value).is_err() {
        return value.to_string();
    }
    // serde_json writes valid UTF-8.
    String::from_utf8(buf).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

fn char_len(s: &str) -> usize {
    // Byte length bounds the character count; count only when it matters.
    if s.is_ascii() {
        s.len()
    } else {
        s.chars().count()
    }
}

/// One array shortened to fit.
#[derive(Debug, Clone, PartialEq)]
pub struct Cut {
    pub name: String,
    pub kept: usize,
    pub total: usize,
}

/// Shorten the largest arrays from the end until `value` serializes to at most
/// `budget` characters. Objects are never cut apart.
pub fn cut_to_fit(value: &mut Value, budget: usize) -> Vec<Cut> {
    let mut cuts: Vec<Cut> = Vec::new();
    loop {
        let mut arrays = Vec::new();
        let total = measure(value, &mut Vec::new(), &mut arrays);
        if total <= budget {
            return cuts;
        }
        let Some(target) = arrays
            .into_iter()
            .filter(|a| a.len > 0)
            .max_by_key(|a| a.size)
        else {
            return cuts;
        };
        let Some(Value::Array(items)) = pointer_mut(value, &target.path) else {
            return cuts;
        };
        let original_len = items.len();
        let mut excess = total - budget;
        let mut keep = items.len();
        while keep > 0 && excess > 0 {
            keep -= 1;
            // The item and its separating comma.
            let size =
                measure(&items[keep], &mut Vec::new(), &mut Vec::new()) + usize::from(keep > 0);
            excess = excess.saturating_sub(size);
        }
        items.truncate(keep);
        let name = display_path(&target.path);
        match cuts.iter_mut().find(|c| c.name == name) {
            Some(c) => c.kept = keep,
            None => cuts.push(Cut {
                name,
                kept: keep,
                total: original_len,
            }),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Step {
    Key(String),
    Index(usize),
}

struct ArrayInfo {
    path: Vec<Step>,
    size: usize,
    len: usize,
}

/// Serialized size in characters of `v`, recording every array found on the way.
fn measure(v: &Value, path: &mut Vec<Step>, arrays: &mut Vec<ArrayInfo>) -> usize {
    match v {
        Value::Null => 4,
        Value::Bool(b) => {
            if *b {
                4
            } else {
                5
            }
        }
        Value::Number(n) => n.to_string().len(),
        Value::String(s) => escaped_len(s),
        Value::Array(items) => {
            let mut size = 2 + items.len().saturating_sub(1);
            for (i, item) in items.iter().enumerate() {
                path.push(Step::Index(i));
                size += measure(item, path, arrays);
                path.pop();
            }
            arrays.push(ArrayInfo {
                path: path.clone(),
                size,
                len: items.len(),
            });
            size
        }
        Value::Object(map) => {
            let mut size = 2 + map.len().saturating_sub(1);
            for (k, item) in map {
                size += escaped_len(k) + 1;
                path.push(Step::Key(k.clone()));
                size += measure(item, path, arrays);
                path.pop();
            }
            size
        }
    }
}

/// Characters of a string once written as a JSON string literal, quotes included.
fn escaped_len(s: &str) -> usize {
    2 + s
        .chars()
        .map(|c| match c {
            '"' | '\\' | '\n' | '\r' | '\t' | '\u{08}' | '\u{0c}' => 2,
            c if (c as u32) < 0x20 => 6,
            _ => 1,
        })
        .sum::<usize>()
}

fn pointer_mut<'a>(mut v: &'a mut Value, path: &[Step]) -> Option<&'a mut Value> {
    for step in path {
        v = match (step, v) {
            (Step::Key(k), Value::Object(map)) => map.get_mut(k)?,
            (Step::Index(i), Value::Array(items)) => items.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(v)
}

/// `expenses.rows`, `items[0].children`, or `the result` for the top level.
fn display_path(path: &[Step]) -> String {
    if path.is_empty() {
        return "the result".to_string();
    }
    let mut out = String::new();
    for step in path {
        match step {
            Step::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Step::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn objects_are_structured_and_arrays_stay_arrays() {
        let r = render(Output::new(json!({"a": [1, 2]})), 1000, "");
        assert_eq!(r.text, r#"{"a":[1,2]}"#);
        assert!(r.structured);
        let r = render(Output::new(json!([{"id": 1}])), 1000, "");
        assert_eq!(r.text, r#"[{"id":1}]"#);
        assert!(!r.structured);
        assert!(!r.is_error);
        let r = render(Output::text(r#"{"b":"x"}"#.into()), 1000, "");
        assert_eq!(r.text, r#"{"b":"x"}"#);
        assert!(r.structured);
    }

    #[test]
    fn notes_get_their_prefix() {
        let r = render(Output::empty(), 1000, "");
        assert_eq!(r.text, "null");
        assert_eq!(r.notes, vec!["Note: The API returned no content."]);
    }

    #[test]
    fn measure_matches_serde() {
        let v =
            json!({"a": [1, "two", null, true, false, {"b": "é\"x"}], "c": {}, "d": [], "e": 1.5});
        assert_eq!(
            measure(&v, &mut Vec::new(), &mut Vec::new()),
            v.to_string().chars().count()
        );
    }

    #[test]
    fn the_largest_array_is_cut_from_the_end() {
        let rows: Vec<Value> = (0..1000)
            .map(|i| json!({"id": i, "name": format!("resource-{i}")}))
            .collect();
        let value = json!({"clean_expenses": rows, "total_count": 1000, "tags": ["a", "b"]});
        let r = render(Output::new(value), 5000, "Narrow the date range.");
        assert!(!r.is_error);
        assert!(r.text.chars().count() <= 5000);
        let v: Value = serde_json::from_str(&r.text).unwrap();
        let kept = v["clean_expenses"].as_array().unwrap();
        assert!(!kept.is_empty());
        assert_eq!(kept[0]["id"], 0);
        assert_eq!(v["tags"], json!(["a", "b"]));
        assert_eq!(v["total_count"], 1000);
        assert_eq!(
            r.notes[0],
            format!(
                "Note: result cut to the first {} of 1000 items of \"clean_expenses\" to stay under 5000 characters. Narrow the date range.",
                kept.len()
            )
        );
        // The longest prefix: one more item would not fit.
        assert!(r.text.len() + 40 > 5000 - NOTE_ROOM);
    }

    #[test]
    fn text_over_the_cap_is_cut_like_a_tree() {
        let rows: Vec<Value> = (0..300).map(|i| json!({"n": i})).collect();
        let value = json!({"rows": rows});
        let from_text = render(Output::text(value.to_string()), 2000, "x");
        let from_tree = render(Output::new(value), 2000, "x");
        assert_eq!(from_text, from_tree);
        assert!(from_text.notes[0].contains("\"rows\""));
    }

    #[test]
    fn nested_arrays_are_named_by_path() {
        let rows: Vec<Value> = (0..500).map(|i| json!({"n": i})).collect();
        let value = json!({"expenses": {"rows": rows}});
        let r = render(Output::new(value), 2000, "x");
        assert!(r.notes[0].contains("\"expenses.rows\""), "{:?}", r.notes);
    }

    #[test]
    fn a_result_that_cannot_be_cut_is_an_error() {
        let value = json!({"blob": "y".repeat(10_000)});
        let r = render(Output::new(value), 2000, "Add filters.");
        assert!(r.is_error);
        assert!(r.text.starts_with("The result is too large to return (10011 characters, cap 2000). Narrow the query: Add filters."), "{}", r.text);
    }
}
