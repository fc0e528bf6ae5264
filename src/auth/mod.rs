//! Where bearer tokens come from. The tools see only [`TokenSource`]; sign-in,
//! storage and refresh live behind it. This file only declares the parts and
//! names what the layers above use.

pub mod account;
pub mod browser;
pub mod discovery;
pub mod error;
pub mod http;
pub mod lock;
pub mod login;
pub mod loopback;
pub mod registration;
pub mod session;
pub mod signin;
pub mod split;
pub mod store;
pub mod token;

pub use error::AuthError;
pub use token::{AccessToken, TokenOrigin, TokenSource};
