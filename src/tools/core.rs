//! The types every tool is made of: its definition ([`Tool`]), the request it
//! plans or the job it runs, and what a running tool may use. Everything above
//! (the domain files, the catalog) builds on these; they use nothing above them.

use std::future::Future;
use std::sync::Arc;

use serde_json::Value;

use super::input::args::Reader;
use super::input::spec::{Declared, Properties};
use super::result::Output;
use crate::api::{ApiClient, ApiError, ApiRequest};
use crate::future::BoxFuture;

/// One MCP tool.
pub struct Tool {
    pub name: &'static str,
    pub title: &'static str,
    /// Teaches the model when to use the tool.
    pub description: &'static str,
    /// What it reads, in the order its input schema shows them.
    pub inputs: &'static [&'static dyn Declared],
    pub endpoint: Endpoint,
    /// How to narrow a query whose result is too large, for the cut note.
    pub narrow: &'static str,
    /// Unknown argument names that deserve a suggestion.
    pub suggestions: &'static [(&'static str, &'static str)],
    pub run: Run,
}

impl Tool {
    /// The input schema, built from [`Tool::inputs`].
    pub fn input_schema(&self) -> Value {
        Properties::of(self.inputs).schema()
    }
}

/// The API route a tool depends on; decides how a 404 is read: a missing item on a
/// known route, or a route this DigiUsher may not serve.
#[derive(Debug, Clone, Copy)]
pub enum Endpoint {
    /// Known to exist on DigiUsher.
    Confirmed { subject: Subject },
    /// An OptScale route DigiUsher probably serves; degrade gracefully when not.
    Inferred {
        route: &'static str,
        alternative: &'static str,
        subject: Subject,
    },
}

impl Endpoint {
    pub fn subject(self) -> Subject {
        match self {
            Endpoint::Confirmed { subject } | Endpoint::Inferred { subject, .. } => subject,
        }
    }
}

/// What the tool's path identifies, for 403 and 404 messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    None,
    Organization,
    Pool,
    Resource,
}

pub enum Run {
    Single(fn(&mut Reader) -> Option<Plan>),
    Composite(fn(&mut Reader) -> Option<Job>),
}

/// The one request of a simple tool, and what to do with the answer.
pub struct Plan {
    pub request: ApiRequest,
    pub answer: Answer,
}

/// Notes from a look at an answer's JSON text.
type NotesFn = dyn FnOnce(&str) -> Vec<String> + Send;

/// What a simple tool does with a successful answer.
pub enum Answer {
    /// Pass it on as it is.
    AsIs,
    /// Pass it on as it is, with notes from a look at its JSON text; no tree is
    /// built, so large answers stay cheap.
    Notes(Box<NotesFn>),
    /// Parse it and reshape it.
    Reshape(Box<dyn FnOnce(Value) -> Output + Send>),
}

impl Plan {
    pub fn new(request: ApiRequest) -> Plan {
        Plan {
            request,
            answer: Answer::AsIs,
        }
    }

    pub fn notes(mut self, f: impl FnOnce(&str) -> Vec<String> + Send + 'static) -> Plan {
        self.answer = Answer::Notes(Box::new(f));
        self
    }

    pub fn shape(mut self, f: impl FnOnce(Value) -> Output + Send + 'static) -> Plan {
        self.answer = Answer::Reshape(Box::new(f));
        self
    }
}

/// A composite tool's work, started with a [`CallContext`].
pub struct Job(Box<dyn FnOnce(CallContext) -> BoxFuture<Result<Output, ToolError>> + Send>);

impl Job {
    pub fn new<F, Fut>(f: F) -> Job
    where
        F: FnOnce(CallContext) -> Fut + Send + 'static,
        Fut: Future<Output = Result<Output, ToolError>> + Send + 'static,
    {
        Job(Box::new(move |cx| Box::pin(f(cx))))
    }

    /// Run the work.
    pub fn start(self, cx: CallContext) -> BoxFuture<Result<Output, ToolError>> {
        (self.0)(cx)
    }
}

/// Why a call failed, before it is put in words for the model.
#[derive(Debug)]
pub enum ToolError {
    /// The request `request` failed.
    Api {
        request: Box<ApiRequest>,
        error: ApiError,
    },
    /// A message that is complete as it is.
    Message(String),
}

impl ToolError {
    pub fn api(request: &ApiRequest, error: ApiError) -> ToolError {
        ToolError::Api {
            request: Box::new(request.clone()),
            error,
        }
    }
}

/// Receives `(done, total, message)` as a composite tool advances.
type ProgressFn = dyn Fn(u32, u32, String) + Send + Sync;

/// Reports progress of composite tools; a no-op when the caller gave no progress token.
#[derive(Clone, Default)]
pub struct Progress(Option<Arc<ProgressFn>>);

impl Progress {
    pub fn new(report: impl Fn(u32, u32, String) + Send + Sync + 'static) -> Progress {
        Progress(Some(Arc::new(report)))
    }

    pub fn report(&self, done: u32, total: u32, message: impl Into<String>) {
        if let Some(f) = &self.0 {
            f(done, total, message.into());
        }
    }
}

/// What a running tool may use.
#[derive(Clone)]
pub struct CallContext {
    pub api: Arc<ApiClient>,
    pub progress: Progress,
}

impl CallContext {
    /// Send one request, keeping it for the error message if it fails.
    pub async fn send(&self, request: &ApiRequest) -> Result<Value, ToolError> {
        self.api
            .send(request)
            .await
            .and_then(|r| r.value())
            .map_err(|e| ToolError::api(request, e))
    }
}
