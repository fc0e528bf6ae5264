//! What a tool reads from its arguments: the reader and its parsers (`args`), the
//! JSON Schema builders (`schema`), input kinds that give both (`field`), and the
//! inputs several tools share (`vocab`).

pub mod args;
pub mod field;
pub mod schema;
pub mod vocab;
