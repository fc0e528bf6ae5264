//! `digiusher-mcp call <tool> [JSON-ARGS]`: one tool call from a terminal.

use std::io::{IsTerminal, Read};
use std::process::ExitCode;
use std::sync::Arc;

use serde_json::{Map, Value};

use crate::api::ApiClient;
use crate::auth::TokenSource;
use crate::config::Settings;
use crate::tools::{self, CallContext, Progress};

/// Exit 0 on success, 1 when the tool reports an error, 2 for a bad command line.
pub async fn run(settings: Settings, tool: &str, args: Option<&str>) -> ExitCode {
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
        eprintln!("error: unknown tool {tool:?}.{hint} Run `digiusher-mcp tools` to list them.");
        return ExitCode::from(2);
    };
    let arguments = match parse_args(args) {
        Ok(a) => a,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let tokens = Arc::new(TokenSource::from_settings(&settings));
    let cx = CallContext {
        api: Arc::new(ApiClient::new(&settings, tokens)),
        progress: Progress::default(),
    };
    let result = tools::call(found, Some(arguments), cx, settings.max_result_chars).await;
    if result.is_error {
        eprintln!("error: {}", result.text);
        return ExitCode::from(1);
    }
    let pretty = std::io::stdout().is_terminal();
    match serde_json::from_str::<Value>(&result.text) {
        Ok(v) if pretty => println!(
            "{}",
            serde_json::to_string_pretty(&v).unwrap_or(result.text)
        ),
        _ => println!("{}", result.text),
    }
    for note in &result.notes {
        eprintln!("{note}");
    }
    ExitCode::SUCCESS
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
