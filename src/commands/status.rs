//! `digiusher-mcp status [--json]`: who is signed in, where, until when. Exit 0
//! when a usable credential exists, 1 when sign-in is needed. No network.

use std::io::IsTerminal;

use serde_json::{Value, json};

use super::CommandError;
use crate::auth::account::{self, SignInState};
use crate::auth::session::now;
use crate::auth::store::{StoreKind, keychain_location};
use crate::config::Settings;
use crate::platform::Os;
use crate::terminal::{Clean, json_for_terminal, outln};
use crate::time::rfc3339;

pub async fn run(settings: Settings, as_json: bool) -> Result<(), CommandError> {
    let state = account::state(&settings).await;
    let status = describe(&settings, &state);
    if as_json {
        let text = serde_json::to_string_pretty(&status).unwrap_or_default();
        outln!("{}", json_for_terminal(&text));
    } else {
        print_human(&status);
    }
    if state.usable() {
        Ok(())
    } else {
        Err(CommandError::NotSignedIn)
    }
}

/// The state as `status --json` shows it; the human form is printed from it.
fn describe(settings: &Settings, state: &SignInState) -> Value {
    let mut status = json!({
        "signed_in": false,
        "profile": settings.profile,
        "issuer": settings.issuer,
        "client_id": settings.client_id,
        "api_base": settings.api_base,
        "scopes": Value::Null,
        "expires_at": Value::Null,
        "store": Value::Null,
        "identity": Value::Null,
    });
    match state {
        SignInState::EnvToken => {
            status["signed_in"] = json!(true);
            status["store"] = json!("env");
            status["note"] =
                json!("DIGIUSHER_TOKEN is set and is used as it is (it is never stored)");
        }
        SignInState::Unreadable(e) => status["error"] = json!(e),
        SignInState::NotSignedIn => {
            status["error"] = json!("run `digiusher-mcp login` to sign in");
        }
        SignInState::CredentialMissing(account) => {
            status["issuer"] = json!(account.issuer);
            status["client_id"] = json!(account.client_id);
            status["store"] = json!(account.store.as_str());
            status["error"] = json!("the stored credential is missing; run `digiusher-mcp login`");
        }
        SignInState::Stored {
            account,
            credential: c,
        } => {
            let usable = state.usable();
            status["signed_in"] = json!(usable);
            status["issuer"] = json!(account.issuer);
            status["client_id"] = json!(account.client_id);
            status["scopes"] = json!(c.scopes);
            status["expires_at"] = json!(rfc3339(c.expires_at));
            status["access_token_expired"] = json!(c.expires_at <= now());
            status["refreshable"] = json!(c.refresh_token.is_some());
            status["store"] = json!(account.store.as_str());
            status["store_location"] = json!(match account.store {
                StoreKind::Keychain => {
                    keychain_location(
                        Os::CURRENT,
                        &settings.paths.keychain_service,
                        &account.key(&settings.profile),
                    )
                }
                StoreKind::File => settings.paths.credentials.display().to_string(),
            });
            status["identity"] =
                json!({"sub": c.identity.sub, "email": c.identity.email, "name": c.identity.name});
            if account.store_fallback {
                status["warning"] = json!(format!(
                    "no OS keychain was usable at sign-in; the credential is in {} (mode 0600)",
                    settings.paths.credentials.display()
                ));
            }
            if !usable {
                status["error"] = json!(
                    "the access token expired and cannot be refreshed; run `digiusher-mcp login`"
                );
            }
        }
    }
    status
}

/// Values come from the ID token (name, email) and from the provider (issuer),
/// so each is escaped; the colours are ours.
fn print_human(s: &Value) {
    let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let paint = |code: &str, text: &str| {
        if color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    };
    let text = |v: &Value| Clean(v.as_str().unwrap_or("-").to_string());
    if s["signed_in"] == Value::Bool(true) {
        outln!(
            "{} {}",
            paint("32", "Signed in:"),
            Clean(who(&s["identity"]))
        );
    } else {
        outln!("{} {}", paint("31", "Not signed in:"), text(&s["error"]));
    }
    for (label, key) in [
        ("Profile", "profile"),
        ("API", "api_base"),
        ("Issuer", "issuer"),
        ("Client id", "client_id"),
        ("Stored in", "store"),
        ("Location", "store_location"),
        ("Expires", "expires_at"),
    ] {
        outln!("  {label:<10} {}", text(&s[key]));
    }
    if let Some(scopes) = s["scopes"].as_array() {
        let list: Vec<&str> = scopes.iter().filter_map(Value::as_str).collect();
        outln!("  {:<10} {}", "Scopes", Clean(list.join(" ")));
    }
    for key in ["warning", "note"] {
        if let Some(w) = s[key].as_str() {
            outln!("  {}", paint("33", &Clean(w).to_string()));
        }
    }
}

/// "Name <email>", or whichever of them the ID token had.
fn who(identity: &Value) -> String {
    match (identity["name"].as_str(), identity["email"].as_str()) {
        (Some(n), Some(e)) => format!("{n} <{e}>"),
        (Some(n), None) => n.to_string(),
        (None, Some(e)) => e.to_string(),
        (None, None) => identity["sub"]
            .as_str()
            .unwrap_or("a static token")
            .to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::account::Account;
    use crate::auth::store::tests::real_size;
    use crate::auth::store::{CredentialStore, StoreKind};
    use crate::secret::Secret;

    /// The OS keychain itself (Secret Service under tests/run, the login Keychain
    /// and Credential Manager in the macOS and Windows CI jobs), through the code
    /// the server uses, under a service name of its own: a credential of real
    /// size is stored, read, replaced and deleted, and `status` reads it.
    #[tokio::test]
    async fn the_os_keychain_keeps_a_real_size_credential_and_status_finds_it() {
        if std::env::var("DIGIUSHER_TEST_KEYCHAIN").as_deref() != Ok("required") {
            eprintln!(
                "skipped: set DIGIUSHER_TEST_KEYCHAIN=required to use this system's keychain"
            );
            return;
        }
        let dir = std::env::temp_dir().join(format!(
            "digiusher-mcp-keychain-{}-{}",
            std::process::id(),
            fastrand::u64(..)
        ));
        let config = dir.join("config.toml");
        crate::files::create_private_dir(&dir).unwrap();
        std::fs::write(&config, "").unwrap();
        let args = crate::cli::GlobalArgs {
            config: Some(config),
            ..Default::default()
        };
        let mut settings = Settings::resolve_with(&args, |_| None).unwrap();
        settings.paths = crate::config::AuthPaths::new(&dir, &dir);
        settings.paths.keychain_service = format!("digiusher-mcp-test-{:08x}", fastrand::u32(..));
        let credential = real_size();
        let account = Account {
            issuer: credential.issuer.clone(),
            client_id: credential.client_id.clone(),
            store: StoreKind::Keychain,
            store_fallback: false,
            token_endpoint: format!("{}/token", credential.issuer),
            revocation_endpoint: None,
        };
        let key = account.key(&settings.profile);
        let store = CredentialStore::open(StoreKind::Keychain, &settings.paths).unwrap();

        store.save(&key, &credential).unwrap();
        assert_eq!(store.load(&key).unwrap(), Some(credential.clone()));
        let mut replaced = credential.clone();
        replaced.access_token = Secret::new(format!("eyJ{}", "c".repeat(1400)));
        replaced.expires_at = crate::auth::session::now() + 3600;
        store.save(&key, &replaced).unwrap();
        assert_eq!(store.load(&key).unwrap(), Some(replaced.clone()));

        crate::auth::account::Accounts::of(&settings.paths)
            .set(&settings.profile, Some(&account))
            .unwrap();
        let state = account::state(&settings).await;
        assert!(state.usable());
        let status = describe(&settings, &state);
        assert_eq!(status["signed_in"], true, "{status}");
        assert_eq!(status["store"], "keychain");
        let location = status["store_location"].as_str().unwrap();
        assert!(
            location.starts_with(Os::CURRENT.keychain_name())
                && location.contains(&settings.paths.keychain_service),
            "{location}"
        );

        assert!(store.delete(&key).unwrap());
        assert_eq!(store.load(&key).unwrap(), None);
        assert!(!store.delete(&key).unwrap());
        let state = account::state(&settings).await;
        assert!(matches!(state, SignInState::CredentialMissing(_)));
        let _ = std::fs::remove_dir_all(dir);
    }
}
