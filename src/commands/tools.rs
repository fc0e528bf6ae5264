//! `digiusher-mcp tools [--json]`: what the server offers.

use super::CommandError;
use crate::server::tool_definitions;
use crate::terminal::outln;
use crate::tools::CATALOG;

pub fn run(json: bool) -> Result<(), CommandError> {
    if json {
        let text = serde_json::to_string_pretty(tool_definitions())
            .map_err(|e| CommandError::Failed(format!("cannot encode the tool list: {e}")))?;
        outln!("{text}");
        return Ok(());
    }
    let width = CATALOG.iter().map(|t| t.name.len()).max().unwrap_or(0);
    for tool in CATALOG {
        outln!("{:width$}  {}", tool.name, tool.title);
    }
    outln!(
        "\n{} tools, all read-only. Details: `digiusher-mcp tools --json`; try one: `digiusher-mcp call list_organizations`.",
        CATALOG.len()
    );
    Ok(())
}
