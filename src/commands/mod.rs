//! One module per command of the command line.

pub mod call;
pub mod login;
pub mod logout;
pub mod serve;
pub mod status;
pub mod token;
pub mod tools;
