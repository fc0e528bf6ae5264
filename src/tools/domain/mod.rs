//! The tools, one file per family. Each tool is one definition: its name, words,
//! inputs, route and the request its inputs map to.

pub mod allocation;
pub mod anomalies;
pub mod discovery;
pub mod expenses;
pub mod kpis;
pub mod organizations;
pub mod people;
pub mod pools;
pub mod recommendations;
pub mod resources;
