//! The one boxed future type, for work that is stored or passed around before it
//! runs (a composite tool's job, a sign-in's steps).

use std::future::Future;
use std::pin::Pin;

/// A boxed future that may move between threads.
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;
