//! `digiusher-mcp logout`: revoke at the provider (RFC 7009), then forget locally,
//! whatever the revocation's outcome.

use super::CommandError;
use crate::auth::account::{self, SignOut};
use crate::config::Settings;
use crate::terminal::{Clean, errln, outln};

pub async fn run(settings: Settings, local_only: bool) -> Result<(), CommandError> {
    if settings.env_token.is_some() {
        errln!("Note: DIGIUSHER_TOKEN is set; logout does not affect it. Unset it yourself.");
    }
    let signed_out = account::sign_out(&settings.paths, &settings.profile, local_only)
        .await
        .map_err(|e| CommandError::Failed(e.to_string()))?;
    for note in &signed_out.notes {
        errln!("Note: {note}");
    }
    let profile = &settings.profile;
    match signed_out.outcome {
        SignOut::NothingStored => {
            outln!("Not signed in (profile {profile}); nothing to do.")
        }
        SignOut::DamagedRecordRemoved => outln!(
            "Signed out of DigiUsher (profile {profile}): its damaged record was removed locally; nothing was revoked at the identity provider."
        ),
        SignOut::Done(revocation) => outln!(
            "Signed out of DigiUsher (profile {profile}): token {}; local credential deleted.",
            Clean(revocation)
        ),
    }
    Ok(())
}
