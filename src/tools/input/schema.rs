//! JSON Schema builders for tool inputs. Every conversation carries these schemas,
//! so they say what a model needs and no more: inline (several hosts mishandle
//! `$ref`), the input object closed, and a description only where the property's
//! name and type leave something unsaid (an empty description is left out).

use serde_json::{Map, Value, json};

/// An object schema from `(name, schema)` pairs; `required` names the required ones.
pub fn object(properties: Vec<(&str, Value)>, required: &[&str]) -> Value {
    let props: Map<String, Value> = properties
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    let mut schema = json!({
        "type": "object",
        "properties": props,
    });
    if !required.is_empty() {
        schema["required"] = json!(required);
    }
    schema
}

/// The tool's input object: closed, so a host that checks arguments against the
/// schema refuses an unknown key before the call. Nested objects stay open in the
/// schema; the reader refuses their unknown keys with the same message.
pub fn closed(mut schema: Value) -> Value {
    schema["additionalProperties"] = json!(false);
    schema
}

/// Like [`object`] with a description of its own.
pub fn described_object(
    description: &str,
    properties: Vec<(&str, Value)>,
    required: &[&str],
) -> Value {
    described(object(properties, required), description)
}

/// Sets the description, unless it is empty: then the name says enough.
fn described(mut schema: Value, description: &str) -> Value {
    if !description.is_empty() {
        schema["description"] = json!(description);
    }
    schema
}

/// A property whose name says enough: bounds only, no description.
pub fn bare_string(min: usize, max: usize) -> Value {
    json!({"type": "string", "minLength": min, "maxLength": max})
}

/// A string whose form only the reader checks, with a message that shows it.
pub fn bare_text() -> Value {
    json!({"type": "string"})
}

/// Ids carry no pattern: it only validates, costs bytes in every tool that takes an
/// id, and the reader's message shows a valid example and where to get one.
pub fn bare_uuid() -> Value {
    json!({"type": "string"})
}

pub fn uuid(description: &str) -> Value {
    text(description)
}

/// A string whose form the reader checks, described.
pub fn text(description: &str) -> Value {
    described(json!({"type": "string"}), description)
}

pub fn date(description: &str) -> Value {
    described(json!({"type": "string", "format": "date"}), description)
}

pub fn string(description: &str, min: usize, max: usize) -> Value {
    described(
        json!({"type": "string", "minLength": min, "maxLength": max}),
        description,
    )
}

pub fn one_of(description: &str, values: &[&str]) -> Value {
    described(json!({"type": "string", "enum": values}), description)
}

pub fn integer(description: &str, min: i64, max: i64, default: Option<i64>) -> Value {
    let mut schema = described(
        json!({"type": "integer", "minimum": min, "maximum": max}),
        description,
    );
    if let Some(d) = default {
        schema["default"] = json!(d);
    }
    schema
}

pub fn boolean(description: &str, default: Option<bool>) -> Value {
    let mut schema = described(json!({"type": "boolean"}), description);
    if let Some(d) = default {
        schema["default"] = json!(d);
    }
    schema
}

/// Lists of at least this many items show no maximum.
const BIG_LIST: usize = 50;

/// A list; a scalar item's own description is dropped, as the list's says it all.
pub fn array(description: &str, mut items: Value, min: usize, max: usize, unique: bool) -> Value {
    if items["type"] != "object"
        && let Some(m) = items.as_object_mut()
    {
        m.remove("description");
        // Item lengths only validate; the reader checks them with a clear message.
        m.remove("minLength");
        m.remove("maxLength");
    }
    let choices = items["enum"].as_array().map_or(0, Vec::len);
    let mut schema = described(json!({"type": "array", "items": items}), description);
    // Bounds a model would not reach only validate; the reader checks them with a
    // clear message. A list of distinct choices cannot outgrow its choices.
    if min > 1 {
        schema["minItems"] = json!(min);
    }
    if max < BIG_LIST && !(unique && max == choices) {
        schema["maxItems"] = json!(max);
    }
    if unique {
        schema["uniqueItems"] = json!(true);
    }
    schema
}
