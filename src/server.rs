//! The MCP server: lists the catalog and runs tool calls. Start-up does no I/O:
//! no network, no keychain; configuration problems surface in tool results.

mod host;

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, OnceLock};

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, CompleteRequestParams, CompleteResult,
    ContentBlock, GetPromptRequestParams, GetPromptResponse, Implementation, ListPromptsResult,
    ListResourceTemplatesResult, ListResourcesResult, ListToolsResult, PaginatedRequestParams,
    ProgressNotificationParam, ServerCapabilities, ServerConfig, ToolAnnotations,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData as McpError, RoleServer, ServerHandler};
use serde_json::Value;

use crate::api::ApiClient;
use crate::auth::TokenSource;
use crate::auth::signin::{self, Next, SignIn};
use crate::config::{ConfigError, Settings};
use crate::prompts::{self, Lookup};
use crate::tools::{self, CallContext, Progress, ToolResult};
use crate::transport;

const INSTRUCTIONS: &str = "Read-only access to DigiUsher, a FinOps platform: cloud cost and usage, \
recommendations, cost allocation, KPIs, unit economics, budgets (pools), data sources, resources and \
anomalies. Start with list_organizations to get an organization_id. Filter values must match exactly: \
use get_dimension_values or discover_expense_filters before filtering, or query_expenses_with_discovery \
to do it in one step. Dates are YYYY-MM-DD (UTC). No tool changes anything.";

/// Either ready to call the API, or the configuration error every call reports.
enum Backend {
    Ready {
        api: Arc<ApiClient>,
        tokens: Arc<TokenSource>,
        sign_in: Arc<SignIn>,
        max_result_chars: usize,
    },
    /// The settings could not be resolved: every tool call says why.
    Misconfigured(ConfigError),
}

#[derive(Clone)]
pub struct DigiUsherServer {
    backend: Arc<Backend>,
    /// Names for prompt arguments; shares the API client, never signs in.
    lookup: Arc<Lookup>,
}

impl DigiUsherServer {
    pub fn new(settings: Result<Settings, ConfigError>) -> DigiUsherServer {
        let backend = match settings {
            Ok(settings) => {
                let tokens = Arc::new(TokenSource::from_settings(&settings));
                let sign_in = SignIn::new(settings.clone(), signin::login_steps());
                Backend::Ready {
                    api: Arc::new(ApiClient::new(&settings, tokens.clone())),
                    tokens,
                    sign_in: Arc::new(sign_in),
                    max_result_chars: settings.max_result_chars,
                }
            }
            Err(error) => Backend::Misconfigured(error),
        };
        let api = match &backend {
            Backend::Ready { api, .. } => Some(api.clone()),
            Backend::Misconfigured(_) => None,
        };
        DigiUsherServer {
            backend: Arc::new(backend),
            lookup: Arc::new(Lookup::new(api)),
        }
    }
}

/// The catalog as MCP tool definitions, built once.
pub fn tool_definitions() -> &'static [rmcp::model::Tool] {
    static TOOLS: OnceLock<Vec<rmcp::model::Tool>> = OnceLock::new();
    TOOLS.get_or_init(|| {
        tools::CATALOG
            .iter()
            .map(|t| {
                let schema = match tools::input::schema::closed(t.input_schema()) {
                    Value::Object(map) => map,
                    _ => serde_json::Map::new(),
                };
                // The display name goes in `title` only: MCP reads it before
                // `annotations.title`, and each copy costs context in every chat.
                rmcp::model::Tool::new(t.name, t.description, Arc::new(schema))
                    .with_title(t.title)
                    .with_annotations(
                        ToolAnnotations::new()
                            .read_only(true)
                            .destructive(false)
                            .idempotent(true)
                            .open_world(true),
                    )
            })
            .collect()
    })
}

/// Our result as MCP content: the JSON text first, then one block per note.
pub fn to_call_tool_result(result: ToolResult) -> CallToolResult {
    let mut content = vec![ContentBlock::text(result.text)];
    content.extend(result.notes.into_iter().map(ContentBlock::text));
    let mut out = if result.is_error {
        CallToolResult::error(content)
    } else {
        CallToolResult::success(content)
    };
    if result.structured {
        transport::mark_structured(&mut out);
    }
    out
}

/// Progress notifications, sent in order by one task per call; the task ends when
/// the call drops its [`Progress`], and is awaited before the result is returned.
fn progress_for(
    context: &RequestContext<RoleServer>,
) -> (Progress, Option<tokio::task::JoinHandle<()>>) {
    let Some(token) = context.meta.get_progress_token() else {
        return (Progress::default(), None);
    };
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(u32, u32, String)>();
    let peer = context.peer.clone();
    let task = tokio::spawn(async move {
        while let Some((done, total, message)) = rx.recv().await {
            let mut param = ProgressNotificationParam::new(token.clone(), f64::from(done));
            param.total = Some(f64::from(total));
            param.message = Some(message);
            if let Err(e) = peer.notify_progress(param).await {
                tracing::debug!("could not send progress: {e}");
                break;
            }
        }
    });
    let progress = Progress::new(move |done, total, message| {
        let _ = tx.send((done, total, message));
    });
    (progress, Some(task))
}

impl ServerHandler for DigiUsherServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_prompts()
                .enable_completions()
                .build(),
        )
        .with_server_info(
            Implementation::new("digiusher-mcp", env!("CARGO_PKG_VERSION"))
                .with_title("DigiUsher")
                .with_description(
                    "Read-only DigiUsher FinOps tools: cloud cost, budgets, recommendations, KPIs",
                )
                .with_website_url("https://app.digiusher.com"),
        )
        .with_instructions(INSTRUCTIONS)
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, McpError> {
        Ok(ListToolsResult::with_all_items(tool_definitions().to_vec()))
    }

    async fn list_prompts(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListPromptsResult, McpError> {
        Ok(ListPromptsResult::with_all_items(prompts::list()))
    }

    async fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, McpError> {
        Ok(prompts::get(&self.lookup, request).await?.into())
    }

    async fn complete(
        &self,
        request: CompleteRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CompleteResult, McpError> {
        prompts::complete(&self.lookup, request).await
    }

    // Hosts such as Codex ask for resources whether or not they are declared; an
    // error would be logged as a warning at every start.
    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, McpError> {
        Ok(ListResourcesResult::default())
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, McpError> {
        Ok(ListResourceTemplatesResult::default())
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        let Some(tool) = tools::find(&request.name) else {
            return Err(McpError::invalid_params(
                format!(
                    "Unknown tool {:?}. Call tools/list for the {} DigiUsher tools.",
                    request.name,
                    tools::CATALOG.len()
                ),
                None,
            ));
        };
        let (api, tokens, sign_in, max_result_chars) = match &*self.backend {
            Backend::Ready {
                api,
                tokens,
                sign_in,
                max_result_chars,
            } => (
                api.clone(),
                tokens.clone(),
                sign_in.clone(),
                *max_result_chars,
            ),
            Backend::Misconfigured(error) => {
                return Ok(to_call_tool_result(ToolResult::error(error.to_string())).into());
            }
        };
        let (progress, progress_task) = progress_for(&context);
        // A sign-in's progress comes first; the tool's counts on from where it ended.
        let floor = Arc::new(AtomicU32::new(0));
        // On MCP 2026-07-28 a server may not ask the host mid-call: a host with
        // URL elicitation gets the link in an input-required result instead.
        let era = host::Era::of(&context);
        let host = host::ThroughCall {
            peer: context.peer.clone(),
            progress: progress.clone(),
            floor: floor.clone(),
            elicit: era == host::Era::Requests,
        };
        let retry = request
            .request_state
            .as_deref()
            .map(|state| (state, host::answer(request.input_responses.as_ref())));
        let sign_in_now = async |retry| match era {
            host::Era::Rounds => sign_in.ensure_in_rounds(&tokens, &host, retry).await,
            host::Era::Requests | host::Era::Browser => {
                sign_in.ensure(&tokens, &host).await.map(|()| Next::Run)
            }
        };
        let progress = Progress::new(move |done, total, message| {
            let base = floor.load(Ordering::SeqCst);
            progress.report(base + done, base + total, message);
        });
        let cx = CallContext { api, progress };
        tracing::info!(tool = tool.name, "tool call");
        let started = std::time::Instant::now();
        let run = async {
            // Only a tool call signs in: it is the user asking something.
            match sign_in_now(retry).await {
                Ok(Next::Run) => {}
                Ok(Next::Ask(ask)) => return Err(ask),
                Err(e) => return Ok(ToolResult::error(e.to_string())),
            }
            let result = tools::call(
                tool,
                request.arguments.clone(),
                cx.clone(),
                max_result_chars,
            )
            .await;
            if !result.is_error || !sign_in.lost(&tokens).await {
                return Ok(result);
            }
            // The sign-in was revoked during the call: sign in again, run it once more.
            match sign_in_now(None).await {
                Ok(Next::Run) => {}
                Ok(Next::Ask(ask)) => return Err(ask),
                Err(e) => return Ok(ToolResult::error(e.to_string())),
            }
            Ok(tools::call(tool, request.arguments, cx, max_result_chars).await)
        };
        let result = tokio::select! {
            result = run => result,
            () = context.ct.cancelled() => {
                tracing::info!(tool = tool.name, "tool call cancelled by the client");
                Ok(ToolResult::error("The call was cancelled."))
            }
        };
        // The progress task ends once every sender is gone.
        drop(host);
        // Progress notifications go out before the result.
        if let Some(task) = progress_task {
            let _ = tokio::time::timeout(std::time::Duration::from_secs(1), task).await;
        }
        let result = match result {
            Ok(result) => result,
            Err(ask) => {
                tracing::info!(tool = tool.name, "tool call waits for the host's sign-in");
                return Ok(host::input_required(ask).into());
            }
        };
        tracing::info!(
            tool = tool.name,
            is_error = result.is_error,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "tool call done"
        );
        Ok(to_call_tool_result(result).into())
    }
}

#[cfg(test)]
mod tests {
    use super::tool_definitions;
    use serde_json::Value;

    /// Every conversation carries the whole tool list before the user types a word,
    /// so each tool pays its way: the list may grow by this much per tool on
    /// average (a new tool fits if it is as lean as the others), and no one
    /// definition may be much larger than that.
    const MAX_AVERAGE_TOOL_BYTES: usize = 1_300;
    const MAX_TOOL_BYTES: usize = 3_000;

    fn sizes() -> Vec<(String, usize)> {
        tool_definitions()
            .iter()
            .map(|t| {
                let text = serde_json::to_string(t).unwrap_or_default();
                (t.name.to_string(), text.len())
            })
            .collect()
    }

    #[test]
    fn tool_list_fits_the_context_budget() {
        let tools = tool_definitions();
        let total = serde_json::to_string(&serde_json::json!({ "tools": tools }))
            .unwrap()
            .len();
        let sizes = sizes();
        for (name, n) in &sizes {
            eprintln!("{n:>6} {name}");
        }
        eprintln!("{total:>6} total");
        let budget = MAX_AVERAGE_TOOL_BYTES * tools.len();
        assert!(
            total <= budget,
            "tools/list is {total} bytes, over {budget} ({MAX_AVERAGE_TOOL_BYTES} per tool)"
        );
        for (name, n) in sizes {
            assert!(n <= MAX_TOOL_BYTES, "{name} is {n} bytes");
        }
    }

    #[test]
    fn schemas_have_no_references() {
        for t in tool_definitions() {
            let text = Value::Object((*t.input_schema).clone()).to_string();
            assert!(
                !text.contains("$ref") && !text.contains("$defs"),
                "{}",
                t.name
            );
        }
    }
}
