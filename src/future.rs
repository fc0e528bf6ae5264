//! The one boxed future type, for trait methods and stored jobs that must be `Send`.

use std::future::Future;
use std::pin::Pin;

/// A boxed, `Send`, `'static` future.
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;
