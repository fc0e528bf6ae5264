//! The settings that are a choice among a few words.

/// Whether `serve` may start a sign-in itself when a tool call finds none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SignInMode {
    /// Open the sign-in page (through the host or the browser) on the first call.
    #[default]
    Auto,
    /// Never: calls answer "not signed in"; for CI, shared machines, strict setups.
    Never,
}

impl SignInMode {
    pub fn parse(text: &str) -> Option<SignInMode> {
        match text.trim() {
            "auto" => Some(SignInMode::Auto),
            "never" => Some(SignInMode::Never),
            _ => None,
        }
    }
}

/// What the user asked for with `DIGIUSHER_TOKEN_STORE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StoreChoice {
    #[default]
    Auto,
    Keychain,
    File,
}

impl StoreChoice {
    pub fn parse(text: &str) -> Option<StoreChoice> {
        match text.trim() {
            "auto" => Some(StoreChoice::Auto),
            "keychain" => Some(StoreChoice::Keychain),
            "file" => Some(StoreChoice::File),
            _ => None,
        }
    }
}
