//! `digiusher-mcp token`: a valid access token on stdout, like `gh auth token`.

use super::CommandError;
use crate::auth::TokenSource;
use crate::config::Settings;
use crate::terminal::outln;

pub async fn run(settings: Settings) -> Result<(), CommandError> {
    let token = TokenSource::from_settings(&settings)
        .access_token()
        .await
        .map_err(|e| CommandError::Failed(e.to_string()))?;
    outln!("{}", token.secret.expose());
    Ok(())
}
