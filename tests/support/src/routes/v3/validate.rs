//! Pydantic-style checking of `/api/v3` bodies and query strings: every problem
//! becomes a `{"type", "loc", "msg", "input"}` item of a 422 answer, as FastAPI
//! reports them.

use serde_json::{Value, json};

use crate::errors::item;
use crate::routes::{Req, is_uuid};

/// A schema node.
pub enum S {
    Str(usize, usize),
    Date,
    Int(i64, i64),
    Num,
    Bool,
    Enum(&'static [&'static str]),
    Uuid,
    /// Item schema, min and max length, items unique.
    List(Box<S>, usize, usize, bool),
    /// Fields of an object that forbids extra keys.
    Obj(Vec<F>),
    /// Hand-written checks for unions.
    Custom(fn(&Value, &mut Vec<Value>, &mut Vec<Value>)),
}

pub struct F {
    pub name: &'static str,
    pub s: S,
    pub required: bool,
}

pub fn req(name: &'static str, s: S) -> F {
    F {
        name,
        s,
        required: true,
    }
}

pub fn opt(name: &'static str, s: S) -> F {
    F {
        name,
        s,
        required: false,
    }
}

pub fn list(s: S, min: usize, max: usize) -> S {
    S::List(Box::new(s), min, max, false)
}

pub fn unique_list(s: S, min: usize, max: usize) -> S {
    S::List(Box::new(s), min, max, true)
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// `'a', 'b' or 'c'`.
pub fn choices(values: &[&str]) -> String {
    let quoted: Vec<String> = values.iter().map(|v| format!("'{v}'")).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        Some((last, _)) => last.clone(),
        None => String::new(),
    }
}

pub fn push(errs: &mut Vec<Value>, loc: &[Value], msg: &str, kind: &str, input: Option<&Value>) {
    errs.push(item(loc.to_vec(), msg, kind, input));
}

/// Checks `v` against `s`, appending errors located at `loc`.
pub fn check(v: &Value, s: &S, loc: &mut Vec<Value>, errs: &mut Vec<Value>) {
    match s {
        S::Str(min, max) => match v.as_str() {
            None => push(
                errs,
                loc,
                "Input should be a valid string",
                "string_type",
                Some(v),
            ),
            Some(t) => {
                let n = t.chars().count();
                if n < *min {
                    let msg = format!("String should have at least {}", plural(*min, "character"));
                    push(errs, loc, &msg, "string_too_short", Some(v));
                } else if n > *max {
                    let msg = format!("String should have at most {}", plural(*max, "character"));
                    push(errs, loc, &msg, "string_too_long", Some(v));
                }
            }
        },
        S::Date => match v.as_str() {
            None => push(
                errs,
                loc,
                "Input should be a valid date",
                "date_type",
                Some(v),
            ),
            Some(t) => {
                if crate::dates::parse_day(t).is_none() {
                    push(
                        errs,
                        loc,
                        "Input should be a valid date in the format YYYY-MM-DD",
                        "date_from_datetime_parsing",
                        Some(v),
                    );
                }
            }
        },
        S::Int(min, max) => match int_value(v) {
            Err(kind) => {
                let msg = if kind == "int_from_float" {
                    "Input should be a valid integer, got a number with a fractional part"
                } else {
                    "Input should be a valid integer"
                };
                push(errs, loc, msg, kind, Some(v));
            }
            Ok(n) if n < *min => push(
                errs,
                loc,
                &format!("Input should be greater than or equal to {min}"),
                "greater_than_equal",
                Some(v),
            ),
            Ok(n) if n > *max => push(
                errs,
                loc,
                &format!("Input should be less than or equal to {max}"),
                "less_than_equal",
                Some(v),
            ),
            Ok(_) => {}
        },
        S::Num => {
            if !v.is_number() {
                push(
                    errs,
                    loc,
                    "Input should be a valid number",
                    "float_type",
                    Some(v),
                );
            }
        }
        S::Bool => {
            if !v.is_boolean() {
                push(
                    errs,
                    loc,
                    "Input should be a valid boolean",
                    "bool_type",
                    Some(v),
                );
            }
        }
        S::Enum(values) => {
            if !v.as_str().is_some_and(|t| values.contains(&t)) {
                push(
                    errs,
                    loc,
                    &format!("Input should be {}", choices(values)),
                    "enum",
                    Some(v),
                );
            }
        }
        S::Uuid => match v.as_str() {
            None => push(
                errs,
                loc,
                "UUID input should be a string, bytes or UUID object",
                "uuid_type",
                Some(v),
            ),
            Some(t) if !is_uuid(t) => push(
                errs,
                loc,
                "Input should be a valid UUID",
                "uuid_parsing",
                Some(v),
            ),
            Some(_) => {}
        },
        S::List(inner, min, max, unique) => match v.as_array() {
            None => push(
                errs,
                loc,
                "Input should be a valid list",
                "list_type",
                Some(v),
            ),
            Some(items) => {
                let n = items.len();
                if n < *min {
                    let msg = format!(
                        "List should have at least {} after validation, not {n}",
                        plural(*min, "item")
                    );
                    push(errs, loc, &msg, "too_short", Some(v));
                    return;
                }
                if n > *max {
                    let msg = format!(
                        "List should have at most {} after validation, not {n}",
                        plural(*max, "item")
                    );
                    push(errs, loc, &msg, "too_long", Some(v));
                    return;
                }
                for (i, x) in items.iter().enumerate() {
                    loc.push(json!(i));
                    check(x, inner, loc, errs);
                    loc.pop();
                }
                if *unique && (1..n).any(|i| items[..i].contains(&items[i])) {
                    push(
                        errs,
                        loc,
                        "Value error, items must be unique",
                        "value_error",
                        Some(v),
                    );
                }
            }
        },
        S::Obj(fields) => check_obj(v, fields, loc, errs),
        S::Custom(f) => f(v, loc, errs),
    }
}

/// An object with the given fields and no others; `null` counts as absent for
/// optional fields.
pub fn check_obj(v: &Value, fields: &[F], loc: &mut Vec<Value>, errs: &mut Vec<Value>) {
    let Some(obj) = v.as_object() else {
        push(
            errs,
            loc,
            "Input should be a valid dictionary or object to extract fields from",
            "model_attributes_type",
            Some(v),
        );
        return;
    };
    for f in fields {
        loc.push(json!(f.name));
        match obj.get(f.name) {
            None => {
                if f.required {
                    push(errs, loc, "Field required", "missing", Some(v));
                }
            }
            Some(Value::Null) if !f.required => {}
            Some(x) => check(x, &f.s, loc, errs),
        }
        loc.pop();
    }
    for (k, x) in obj {
        if !fields.iter().any(|f| f.name == k) {
            loc.push(json!(k));
            push(
                errs,
                loc,
                "Extra inputs are not permitted",
                "extra_forbidden",
                Some(x),
            );
            loc.pop();
        }
    }
}

/// An integer, or a number with a zero fraction; else the pydantic error type.
pub fn int_value(v: &Value) -> Result<i64, &'static str> {
    match v {
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Ok(i)
            } else if let Some(f) = n.as_f64() {
                if f.fract() == 0.0 && f.abs() < 9.0e15 {
                    Ok(f as i64)
                } else {
                    Err("int_from_float")
                }
            } else {
                Err("int_type")
            }
        }
        _ => Err("int_type"),
    }
}

/// The JSON body as an object, or the 422 items for a missing or broken body.
pub fn body<'a>(req: &Req<'a>, errs: &mut Vec<Value>) -> Option<&'a Value> {
    if req.body.iter().all(u8::is_ascii_whitespace) {
        push(errs, &[json!("body")], "Field required", "missing", None);
        return None;
    }
    match req.json {
        Some(v) => Some(v),
        None => {
            let col = serde_json::from_slice::<Value>(req.body)
                .err()
                .map(|e| e.column())
                .unwrap_or(0);
            push(
                errs,
                &[json!("body"), json!(col)],
                "JSON decode error",
                "json_invalid",
                None,
            );
            None
        }
    }
}

/// Query parameter kinds.
pub enum Q {
    Date,
    Bool,
    Enum(&'static [&'static str]),
}

pub struct QF {
    pub name: &'static str,
    pub kind: Q,
    pub required: bool,
    pub repeated: bool,
}

/// Pydantic's lenient boolean parsing of query values.
pub fn parse_bool(s: &str) -> Option<bool> {
    match s.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" | "t" | "y" => Some(true),
        "false" | "0" | "no" | "off" | "f" | "n" => Some(false),
        _ => None,
    }
}

/// Checks a query string against its fields (unknown keys are rejected too).
pub fn check_query(req: &Req, fields: &[QF], errs: &mut Vec<Value>) {
    for f in fields {
        let values = req.query.all(f.name);
        if values.is_empty() {
            if f.required {
                push(
                    errs,
                    &[json!("query"), json!(f.name)],
                    "Field required",
                    "missing",
                    None,
                );
            }
            continue;
        }
        let checked: Vec<(Option<usize>, &str)> = if f.repeated {
            values
                .iter()
                .enumerate()
                .map(|(i, v)| (Some(i), *v))
                .collect()
        } else {
            values.last().map(|v| vec![(None, *v)]).unwrap_or_default()
        };
        for (i, v) in checked {
            let mut loc = vec![json!("query"), json!(f.name)];
            if let Some(i) = i {
                loc.push(json!(i));
            }
            let input = json!(v);
            match &f.kind {
                Q::Date => {
                    if crate::dates::parse_day(v).is_none() {
                        push(
                            errs,
                            &loc,
                            "Input should be a valid date in the format YYYY-MM-DD",
                            "date_from_datetime_parsing",
                            Some(&input),
                        );
                    }
                }
                Q::Bool => {
                    if parse_bool(v).is_none() {
                        push(
                            errs,
                            &loc,
                            "Input should be a valid boolean, unable to interpret input",
                            "bool_parsing",
                            Some(&input),
                        );
                    }
                }
                Q::Enum(allowed) => {
                    if !allowed.contains(&v) {
                        push(
                            errs,
                            &loc,
                            &format!("Input should be {}", choices(allowed)),
                            "enum",
                            Some(&input),
                        );
                    }
                }
            }
        }
    }
    for k in req.query.keys() {
        if !fields.iter().any(|f| f.name == k) {
            let input = json!(req.query.last(k));
            push(
                errs,
                &[json!("query"), json!(k)],
                "Extra inputs are not permitted",
                "extra_forbidden",
                Some(&input),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages() {
        assert_eq!(
            choices(&["day", "week", "total"]),
            "'day', 'week' or 'total'"
        );
        let mut errs = Vec::new();
        let s = S::Obj(vec![
            req("a", S::Int(1, 10)),
            opt("b", list(S::Str(1, 5), 1, 2)),
        ]);
        check(
            &json!({"a": 11, "b": [], "c": 1}),
            &s,
            &mut vec![json!("body")],
            &mut errs,
        );
        assert_eq!(errs.len(), 3);
        assert_eq!(errs[0]["msg"], "Input should be less than or equal to 10");
        assert_eq!(errs[0]["loc"], json!(["body", "a"]));
        assert_eq!(errs[1]["type"], "too_short");
        assert_eq!(errs[2]["type"], "extra_forbidden");
        let mut errs = Vec::new();
        check(&json!({"a": 5.0}), &s, &mut vec![json!("body")], &mut errs);
        assert!(errs.is_empty());
    }
}
