//! An input defined once: its name, what it takes (a [`Kind`]: schema and check
//! from the same fields), its description, whether it is required and its default.
//! A tool lists its inputs, its schema is built from that list, and its plan reads
//! each input through the same value, so the two cannot drift apart.

use serde_json::{Value, json};

use super::args::{Parse, Problems, Reader};
use super::schema as s;

/// What an input takes: the schema a model reads and the check the server makes.
pub trait Kind: Copy + Send + Sync + 'static {
    type Out;
    /// The schema, with `description` unless it is empty.
    fn schema(&self, description: &str) -> Value;
    /// Check one value at `at`; record what is wrong and yield `None` then.
    fn parse(&self, v: &Value, at: &str, p: &mut Problems) -> Option<Self::Out>;
}

/// A kind's check as a parser, to nest it in a list or an object.
pub fn parser<K: Kind>(kind: K) -> impl Parse<K::Out> {
    move |v: &Value, at: &str, p: &mut Problems| kind.parse(v, at, p)
}

/// The input must be given.
#[derive(Debug, Clone, Copy)]
pub struct Required;
/// The input may be left out; the plan decides what that means.
#[derive(Debug, Clone, Copy)]
pub struct Optional;
/// The input may be left out; then it is the default, which the schema shows.
#[derive(Debug, Clone, Copy)]
pub struct Or<D>(D);

/// The input may be left out; then the API applies the default the schema shows,
/// and the request leaves the key out.
#[derive(Debug, Clone, Copy)]
pub struct ApiDefault<D>(D);

/// Whether an input is required, and the default its schema shows.
pub trait Presence: Copy + Send + Sync + 'static {
    const REQUIRED: bool;
    fn default(&self) -> Option<Value>;
}

impl Presence for Required {
    const REQUIRED: bool = true;
    fn default(&self) -> Option<Value> {
        None
    }
}

impl Presence for Optional {
    const REQUIRED: bool = false;
    fn default(&self) -> Option<Value> {
        None
    }
}

impl<D: Copy + Send + Sync + 'static> Presence for Or<D>
where
    Value: From<D>,
{
    const REQUIRED: bool = false;
    fn default(&self) -> Option<Value> {
        Some(Value::from(self.0))
    }
}

impl<D: Copy + Send + Sync + 'static> Presence for ApiDefault<D>
where
    Value: From<D>,
{
    const REQUIRED: bool = false;
    fn default(&self) -> Option<Value> {
        Some(Value::from(self.0))
    }
}

/// One input of a tool, or of a nested object.
#[derive(Debug, Clone, Copy)]
pub struct Input<K, P = Optional> {
    pub name: &'static str,
    pub kind: K,
    description: &'static str,
    presence: P,
}

impl<K: Kind> Input<K, Required> {
    pub const fn required(name: &'static str, kind: K, description: &'static str) -> Self {
        Input {
            name,
            kind,
            description,
            presence: Required,
        }
    }

    /// The value given; `None` after a problem, which is recorded.
    pub fn read(&self, a: &mut Reader) -> Option<K::Out> {
        a.required(self.name, parser(self.kind))
    }
}

impl<K: Kind> Input<K, Optional> {
    pub const fn optional(name: &'static str, kind: K, description: &'static str) -> Self {
        Input {
            name,
            kind,
            description,
            presence: Optional,
        }
    }

    /// The same input with a default, which its schema shows and its reader applies.
    pub const fn or<D: Copy>(self, default: D) -> Input<K, Or<D>> {
        Input {
            name: self.name,
            kind: self.kind,
            description: self.description,
            presence: Or(default),
        }
    }

    /// The same input with the default the API applies when it is left out.
    pub const fn api_default<D: Copy>(self, default: D) -> Input<K, ApiDefault<D>> {
        Input {
            name: self.name,
            kind: self.kind,
            description: self.description,
            presence: ApiDefault(default),
        }
    }

    /// The value given, if any; `None` also after a problem, which is recorded.
    pub fn read(&self, a: &mut Reader) -> Option<K::Out> {
        a.optional(self.name, parser(self.kind))
    }
}

impl<K: Kind, D> Input<K, ApiDefault<D>> {
    /// The value given, if any: the API applies the default.
    pub fn read(&self, a: &mut Reader) -> Option<K::Out> {
        a.optional(self.name, parser(self.kind))
    }
}

impl<K: Kind, D: Copy + Into<K::Out>> Input<K, Or<D>> {
    /// The value given, else the default (also after a problem, which is recorded
    /// and fails the call anyway).
    pub fn read(&self, a: &mut Reader) -> K::Out {
        a.optional(self.name, parser(self.kind))
            .unwrap_or_else(|| self.presence.0.into())
    }
}

impl<K: Kind, P: Presence> Input<K, P> {
    /// Whether it was given, not null (without reading it).
    pub fn given(&self, a: &Reader) -> bool {
        a.has(self.name)
    }

    /// Read it as required, for an input another input makes necessary.
    pub fn read_needed(&self, a: &mut Reader) -> Option<K::Out> {
        a.required(self.name, parser(self.kind))
    }

    /// Read it with another kind, for an input whose form another input decides;
    /// the schema shows the declared kind.
    pub fn read_as<L: Kind>(&self, a: &mut Reader, kind: L) -> Option<L::Out> {
        if P::REQUIRED {
            a.required(self.name, parser(kind))
        } else {
            a.optional(self.name, parser(kind))
        }
    }
}

/// The properties of an object schema, and which of them are required, in the
/// order declared.
#[derive(Debug, Default)]
pub struct Properties {
    props: Vec<(&'static str, Value)>,
    required: Vec<&'static str>,
}

impl Properties {
    pub fn of(inputs: &[&dyn Declared]) -> Properties {
        let mut out = Properties::default();
        for input in inputs {
            input.declare(&mut out);
        }
        out
    }

    fn add(&mut self, name: &'static str, schema: Value, required: bool) {
        self.props.push((name, schema));
        if required {
            self.required.push(name);
        }
    }

    /// The names, in order.
    #[cfg(test)]
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.props.iter().map(|(name, _)| *name)
    }

    pub fn schema(self) -> Value {
        s::object(self.props, &self.required)
    }

    pub fn described(self, description: &str) -> Value {
        s::described_object(description, self.props, &self.required)
    }
}

/// Something that adds properties to an object schema: one input, or several.
pub trait Declared: Sync {
    fn declare(&self, to: &mut Properties);
}

impl<K: Kind, P: Presence> Declared for Input<K, P> {
    fn declare(&self, to: &mut Properties) {
        let mut schema = self.kind.schema(self.description);
        if let Some(default) = self.presence.default() {
            schema["default"] = default;
        }
        to.add(self.name, schema, P::REQUIRED);
    }
}

/// A table of inputs of one kind, e.g. a filter set read in a loop.
impl<K: Kind, P: Presence> Declared for &'static [Input<K, P>] {
    fn declare(&self, to: &mut Properties) {
        for input in self.iter() {
            input.declare(to);
        }
    }
}

/// Inputs several tools take together.
pub struct Group(pub &'static [&'static dyn Declared]);

impl Declared for Group {
    fn declare(&self, to: &mut Properties) {
        for input in self.0 {
            input.declare(to);
        }
    }
}

/// Inputs shown by their type only, with `description` (when not empty), where
/// another tool listed beside this one spells them out: the reader is the same,
/// and the long shapes are not paid for twice in every conversation.
pub struct Brief {
    pub of: &'static dyn Declared,
    pub description: &'static str,
}

impl Declared for Brief {
    fn declare(&self, to: &mut Properties) {
        let mut full = Properties::default();
        self.of.declare(&mut full);
        for (name, schema) in full.props {
            let mut brief = json!({});
            if let Some(kind) = schema.get("type") {
                brief["type"] = kind.clone();
            }
            if !self.description.is_empty() {
                brief["description"] = json!(self.description);
            }
            to.add(name, brief, full.required.contains(&name));
        }
    }
}
