//! What a tool reads from its arguments. From the bottom: the reader and its
//! parsers (`args`) and the JSON Schema builders (`schema`); an input defined once
//! and the schema built from a list of them (`spec`); input kinds that give both
//! schema and check (`field`); the inputs several tools share (`vocab`).

pub mod args;
pub mod field;
pub mod schema;
pub mod spec;
pub mod vocab;

pub use args::Reader;
pub use field::{Bool, Choice, Choices, Day, Id, Ids, Int, List, Names, Object, Text, Texts, put};
pub use spec::{ApiDefault, Brief, Input, Or, Required};
