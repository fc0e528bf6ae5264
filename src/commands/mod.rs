//! One module per command of the command line.

pub mod call;
pub mod serve;
pub mod tools;
