//! The small template language of the prompt texts (see prompts/README.md):
//! `{{name}}` values, `[if name]` / `[if !name]` lines, `<!--` editor notes.

use std::collections::BTreeMap;

/// The values a text may use. A name that is absent, or known only by its
/// placeholder, renders as `<placeholder>` so the model knows to fill it in.
#[derive(Debug, Default)]
pub struct Vars(BTreeMap<&'static str, Value>);

#[derive(Debug, Clone)]
enum Value {
    Known(String),
    /// Not known yet; an earlier step of the prompt yields it.
    Later(&'static str),
}

impl Vars {
    pub fn set(&mut self, name: &'static str, value: impl Into<String>) {
        self.0.insert(name, Value::Known(value.into()));
    }

    /// `name` is not known yet and renders as `<placeholder>`.
    pub fn later(&mut self, name: &'static str, placeholder: &'static str) {
        self.0.insert(name, Value::Later(placeholder));
    }

    /// `name` when known, or `fallback` rendered as its own placeholder.
    pub fn set_or_later(
        &mut self,
        name: &'static str,
        value: Option<String>,
        placeholder: &'static str,
    ) {
        match value {
            Some(v) => self.set(name, v),
            None => self.later(name, placeholder),
        }
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        match self.0.get(name) {
            Some(Value::Known(v)) => Some(v),
            _ => None,
        }
    }

    fn render_value(&self, name: &str) -> String {
        match self.0.get(name) {
            Some(Value::Known(v)) => v.clone(),
            Some(Value::Later(p)) => format!("<{p}>"),
            None => format!("<{name}>"),
        }
    }
}

/// The text with its conditions applied and its values filled in. Values are
/// inserted once and never read as template text again.
pub fn render(text: &str, vars: &Vars) -> String {
    let mut out = String::with_capacity(text.len() + 256);
    for line in text.lines() {
        if line.trim_start().starts_with("<!--") {
            continue;
        }
        let Some(line) = keep(line, vars) else {
            continue;
        };
        fill(&line, vars, &mut out);
        out.push('\n');
    }
    out.trim_end().to_string()
}

/// The line without its `[if …]` marker, or `None` when its condition fails.
fn keep(line: &str, vars: &Vars) -> Option<String> {
    let Some(rest) = line.strip_prefix("[if ") else {
        return Some(line.to_string());
    };
    let Some((cond, tail)) = rest.split_once(']') else {
        return Some(line.to_string());
    };
    let wanted = match cond.strip_prefix('!') {
        Some(name) => vars.get(name.trim()).is_none(),
        None => vars.get(cond.trim()).is_some(),
    };
    wanted.then(|| tail.to_string())
}

fn fill(line: &str, vars: &Vars, out: &mut String) {
    let mut rest = line;
    while let Some(start) = rest.find("{{") {
        let Some(len) = rest[start + 2..].find("}}") else {
            break;
        };
        out.push_str(&rest[..start]);
        out.push_str(&vars.render_value(rest[start + 2..start + 2 + len].trim()));
        rest = &rest[start + 2 + len + 2..];
    }
    out.push_str(rest);
}

/// The `Call <tool> <json>` steps of a rendered text, in order.
#[cfg(test)]
pub fn steps(rendered: &str) -> Vec<(String, String)> {
    rendered
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("Call "))
        .map(|l| {
            let (tool, json) = l.split_once(' ').unwrap_or((l, ""));
            (tool.to_string(), json.trim().to_string())
        })
        .collect()
}
