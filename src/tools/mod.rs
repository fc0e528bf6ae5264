//! The catalog of DigiUsher tools and how a call runs: validate, request, shape.
//!
//! A tool is a mapping from validated input to one API request ([`Run::Single`]),
//! or, for the composite tools, a short async job ([`Run::Composite`]). The folders
//! below hold one layer each: `domain/` the tools, one file per family; `input/`
//! the inputs they read (each defined once: name, schema, bounds, default, reader);
//! `core.rs` the types every tool is made of. Adding a tool: write it in its
//! family's file and give it a line in [`CATALOG`].

mod core;
mod domain;
mod errors;
pub mod input;
mod peek;
pub mod result;
#[cfg(test)]
mod tests;

use serde_json::{Map, Value};

use self::core::{Answer, Plan, Run, Tool, ToolError};
pub use self::core::{CallContext, Progress};
use self::domain::{
    allocation, anomalies, discovery, expenses, kpis, organizations, people, pools,
    recommendations, resources,
};
use self::input::args::Reader;
pub use self::result::{Output, ToolResult};
pub use domain::anomalies::CONSTRAINT_TYPE_NAMES;

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
                (Some(job), problems) if problems.is_empty() => job.start(cx).await,
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
