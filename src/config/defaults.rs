//! What the settings that are not numbers are when nothing sets them (numbers
//! keep their default beside their bounds).

pub const DEFAULT_API_BASE: &str = "https://app.digiusher.com";
pub const DEFAULT_PROFILE: &str = "default";
pub const DEFAULT_SCOPES: &str = "openid profile email";
