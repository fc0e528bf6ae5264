//! What each setting is when no flag, environment variable or config file sets it.

use std::time::Duration;

pub const DEFAULT_API_BASE: &str = "https://app.digiusher.com";
pub const DEFAULT_PROFILE: &str = "default";
pub const DEFAULT_MAX_RESULT_CHARS: usize = 100_000;
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 32 * 1024 * 1024;
pub const DEFAULT_SCOPES: &str = "openid profile email";
/// Under the 60 s a host commonly waits for a tool call.
pub const DEFAULT_SIGN_IN_WAIT: Duration = Duration::from_secs(45);
