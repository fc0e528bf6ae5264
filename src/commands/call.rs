//! `digiusher-mcp call <tool> [JSON-ARGS]`: one tool call from a terminal.

use std::io::{IsTerminal, Read};
use std::sync::Arc;

use serde_json::{Map, Value};

use super::CommandError;
use crate::api::ApiClient;
use crate::auth::TokenSource;
use crate::config::Settings;
use crate::terminal::{Clean, errln, json_for_terminal, outln};
use crate::tools::{self, CallContext, Progress};

/// Exit 0 on success, 1 when the tool reports an error, 2 for a bad command line.
pub async fn run(settings: Settings, tool: &str, args: Option<&str>) -> Result<(), CommandError> {
    let Some(found) = tools::find(tool) else {
        let similar: Vec<&str> = tools::CATALOG
            .iter()
            .map(|t| t.name)
            .filter(|n| n.contains(tool) || tool.contains(n))
            .collect();
        let hint = if similar.is_empty() {
            String::new()
        } else {
            format!(" Did you mean {}?", similar.join(", "))
        };
        return Err(CommandError::Usage(format!(
            "unknown tool {tool:?}.{hint} Run `digiusher-mcp tools` to list them."
        )));
    };
    let arguments = parse_args(args).map_err(CommandError::Usage)?;
    let tokens = Arc::new(TokenSource::from_settings(&settings));
    let cx = CallContext {
        api: Arc::new(ApiClient::new(&settings, tokens)),
        progress: Progress::default(),
    };
    let result = tools::call(found, Some(arguments), cx, settings.max_result_chars).await;
    // Error messages and notes quote API error bodies: escaped like any server text.
    if result.is_error {
        return Err(CommandError::Failed(result.text));
    }
    print_result(&result.text);
    for note in &result.notes {
        errln!("{}", Clean(note));
    }
    Ok(())
}

/// The tool's JSON, pretty on a terminal. JSON escapes C0 controls itself; the
/// rest (DEL, C1, bidi overrides) are written as `\u` escapes, which keeps the
/// value the same for `jq` and the like.
fn print_result(text: &str) {
    let Ok(value) = serde_json::from_str::<Value>(text) else {
        outln!("{}", Clean(text));
        return;
    };
    if std::io::stdout().is_terminal()
        && let Ok(pretty) = serde_json::to_string_pretty(&value)
    {
        outln!("{}", json_for_terminal(&pretty));
    } else {
        outln!("{}", json_for_terminal(text));
    }
}

fn parse_args(args: Option<&str>) -> Result<Map<String, Value>, String> {
    let text = match args {
        None => return Ok(Map::new()),
        Some("-") => {
            let mut buf = String::new();
            std::io::stdin()
                .read_to_string(&mut buf)
                .map_err(|e| format!("cannot read arguments from stdin: {e}"))?;
            buf
        }
        Some(text) => text.to_string(),
    };
    if text.trim().is_empty() {
        return Ok(Map::new());
    }
    match serde_json::from_str::<Value>(&text) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(
            "arguments must be a JSON object, e.g. '{\"organization_id\": \"3fa85f64-5717-4562-b3fc-2c963f66afa6\"}'"
                .into(),
        ),
        Err(e) => Err(format!(
            "arguments are not valid JSON ({e}); give a JSON object in single quotes, e.g. '{{\"organization_id\": \"…\"}}'"
        )),
    }
}
