//! The catalog of DigiUsher tools and how a call runs: validate, request, shape.
//!
//! A tool is a mapping from validated input to one API request ([`Run::Single`]),
//! or, for the two composite tools, a short async job ([`Run::Composite`]).

mod allocation;
mod anomalies;
pub mod args;
#[cfg(test)]
mod arguments_proptest;
#[cfg(test)]
mod definitions;
mod discovery;
mod errors;
mod expenses;
mod field;
mod kpis;
mod organizations;
mod peek;
mod people;
mod pools;
mod recommendations;
mod resources;
pub mod result;
pub mod schema;
mod vocab;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use serde_json::{Map, Value};

use crate::api::{ApiClient, ApiError, ApiRequest};
pub use anomalies::CONSTRAINT_TYPE_NAMES;
use args::Reader;
pub use result::{Output, ToolResult};

pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// One MCP tool.
pub struct Tool {
    pub name: &'static str,
    pub title: &'static str,
    /// Teaches the model when to use the tool.
    pub description: &'static str,
    pub input_schema: fn() -> Value,
    pub endpoint: Endpoint,
    /// How to narrow a query whose result is too large, for the cut note.
    pub narrow: &'static str,
    /// Unknown argument names that deserve a suggestion.
    pub suggestions: &'static [(&'static str, &'static str)],
    pub run: Run,
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

/// Every tool, in catalog order.
pub static CATALOG: &[Tool] = &[
    organizations::LIST_ORGANIZATIONS,
    expenses::GET_EXPENSES,
    expenses::GET_DIMENSION_VALUES,
    expenses::GET_DIMENSION_LOOKUPS,
    discovery::DISCOVER_EXPENSE_FILTERS,
    discovery::QUERY_EXPENSES_WITH_DISCOVERY,
    expenses::GET_EXPENSES_BREAKDOWN,
    recommendations::LIST_RECOMMENDATIONS,
    recommendations::LIST_SCENARIOS,
    recommendations::GET_OPTIMIZATIONS_SUMMARY,
    allocation::GET_CHARGEBACK_FOR_MONTH,
    allocation::GET_COST_ALLOCATION_SUMMARY,
    allocation::GET_UNIT_ECONOMICS_FOR_COST_POOLS,
    kpis::LIST_NSM_KEYS,
    kpis::LIST_KPI_DEFINITIONS,
    kpis::LIST_KPIS,
    kpis::GET_KPIS_TIME_SERIES,
    pools::LIST_POOLS,
    pools::GET_POOL,
    resources::LIST_DATA_SOURCES,
    resources::LIST_RESOURCES,
    resources::GET_RESOURCE,
    anomalies::LIST_ANOMALIES,
    anomalies::LIST_ANOMALY_HITS,
    people::LIST_EMPLOYEES,
];

pub fn find(name: &str) -> Option<&'static Tool> {
    CATALOG.iter().find(|t| t.name == name)
}

/// Validate the arguments and, when they are valid, run the tool. Never panics on
/// input; every failure is a result with `is_error` set.
pub async fn call(
    tool: &'static Tool,
    arguments: Option<Map<String, Value>>,
    cx: CallContext,
    max_result_chars: usize,
) -> ToolResult {
    let mut reader = Reader::new(arguments);
    let outcome = match tool.run {
        Run::Single(plan) => {
            let plan = plan(&mut reader);
            match (plan, reader.finish(tool.suggestions)) {
                (Some(plan), problems) if problems.is_empty() => run_single(plan, &cx).await,
                (_, problems) if !problems.is_empty() => {
                    return ToolResult::error(problems.message(tool.name));
                }
                _ => return invalid_without_reason(tool),
            }
        }
        Run::Composite(job) => {
            let job = job(&mut reader);
            match (job, reader.finish(tool.suggestions)) {
                (Some(job), problems) if problems.is_empty() => (job.0)(cx).await,
                (_, problems) if !problems.is_empty() => {
                    return ToolResult::error(problems.message(tool.name));
                }
                _ => return invalid_without_reason(tool),
            }
        }
    };
    match outcome {
        Ok(output) => result::render(output, max_result_chars, tool.narrow),
        Err(ToolError::Api { request, error }) => {
            ToolResult::error(errors::describe(tool, &request, &error))
        }
        Err(ToolError::Message(message)) => ToolResult::error(message),
    }
}

/// A parser declined without naming a problem: a bug, but still an answer.
fn invalid_without_reason(tool: &Tool) -> ToolResult {
    tracing::error!(tool = tool.name, "argument check failed without a reason");
    ToolResult::error(format!(
        "Invalid arguments for {}. Check them against the tool's input schema.",
        tool.name
    ))
}

async fn run_single(plan: Plan, cx: &CallContext) -> Result<Output, ToolError> {
    let response = cx
        .api
        .send(&plan.request)
        .await
        .map_err(|e| ToolError::api(&plan.request, e))?;
    if response.is_empty() {
        return Ok(Output::empty());
    }
    let failed = |e| ToolError::api(&plan.request, e);
    Ok(match plan.answer {
        Answer::AsIs => Output::text(response.into_compact_text().map_err(failed)?),
        Answer::Notes(notes) => {
            let text = response.into_compact_text().map_err(failed)?;
            let notes = notes(&text);
            Output {
                notes,
                ..Output::text(text)
            }
        }
        Answer::Reshape(shape) => shape(response.value().map_err(failed)?),
    })
}
