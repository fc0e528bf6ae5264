//! Tests across the whole catalog: every tool's schema agrees with its reader, and
//! every reader answers any JSON.

mod agreement;
mod arguments_proptest;
mod catalog;
