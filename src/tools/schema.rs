//! JSON Schema builders for tool inputs. Schemas are inline (no `$ref`), objects
//! forbid extra keys, and every property has a description (tools.md 2.4).

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
        "additionalProperties": false,
    });
    if !required.is_empty() {
        schema["required"] = json!(required);
    }
    schema
}

/// Like [`object`] with a description of its own.
pub fn described_object(
    description: &str,
    properties: Vec<(&str, Value)>,
    required: &[&str],
) -> Value {
    let mut schema = object(properties, required);
    schema["description"] = json!(description);
    schema
}

/// A property whose name says enough: bounds only, no description.
pub fn bare_string(min: usize, max: usize) -> Value {
    json!({"type": "string", "minLength": min, "maxLength": max})
}

/// Ids carry no pattern: it only validates, costs bytes in every tool that takes an
/// id, and the reader's message shows a valid example and where to get one.
pub fn bare_uuid() -> Value {
    json!({"type": "string"})
}

pub fn uuid(description: &str) -> Value {
    json!({"type": "string", "description": description})
}

pub fn date(description: &str) -> Value {
    json!({"type": "string", "format": "date", "description": description})
}

pub fn string(description: &str, min: usize, max: usize) -> Value {
    json!({"type": "string", "minLength": min, "maxLength": max, "description": description})
}

pub fn one_of(description: &str, values: &[&str]) -> Value {
    json!({"type": "string", "enum": values, "description": description})
}

pub fn integer(description: &str, min: i64, max: i64, default: Option<i64>) -> Value {
    let mut schema =
        json!({"type": "integer", "minimum": min, "maximum": max, "description": description});
    if let Some(d) = default {
        schema["default"] = json!(d);
    }
    schema
}

pub fn boolean(description: &str, default: Option<bool>) -> Value {
    let mut schema = json!({"type": "boolean", "description": description});
    if let Some(d) = default {
        schema["default"] = json!(d);
    }
    schema
}

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
    let mut schema = json!({
        "type": "array",
        "items": items,
        "minItems": min,
        "maxItems": max,
        "description": description,
    });
    if unique {
        schema["uniqueItems"] = json!(true);
    }
    schema
}

/// Add a `default` to any schema.
pub fn with_default(mut schema: Value, default: Value) -> Value {
    schema["default"] = default;
    schema
}
