//! What a sign-in started by a tool call may do with the client: URL-mode
//! elicitation when the client declared it, and progress of the wait.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use rmcp::RoleServer;
use rmcp::model::{CustomNotification, ElicitationAction, ServerNotification};
use rmcp::service::{ElicitationError, Peer};

use crate::auth::signin::{Elicited, Host};
use crate::tools::Progress;

/// The client of one tool call.
pub struct CallHost {
    pub peer: Peer<RoleServer>,
    pub progress: Progress,
    /// The last progress value the sign-in sent; the tool's own progress counts on
    /// from there, as progress must only increase.
    pub floor: Arc<AtomicU32>,
}

impl Host for CallHost {
    async fn elicit(&self, message: String, url: String, id: String) -> Option<Elicited> {
        let url = url::Url::parse(&url).ok()?;
        match self.peer.elicit_url(message, url, id).await {
            Ok(ElicitationAction::Accept) => Some(Elicited::Accepted),
            Ok(ElicitationAction::Decline) => Some(Elicited::Declined),
            Ok(ElicitationAction::Cancel) => Some(Elicited::Cancelled),
            Ok(other) => {
                tracing::info!("unexpected elicitation answer {other:?}; opening the browser");
                None
            }
            Err(ElicitationError::CapabilityNotSupported) => None,
            Err(e) => {
                tracing::info!("URL elicitation failed ({e}); opening the browser instead");
                None
            }
        }
    }

    async fn completed(&self, id: String) {
        let notification = CustomNotification::new(
            "notifications/elicitation/complete",
            Some(serde_json::json!({ "elicitationId": id })),
        );
        if let Err(e) = self
            .peer
            .send_notification(ServerNotification::CustomNotification(notification))
            .await
        {
            tracing::debug!("could not send elicitation/complete: {e}");
        }
    }

    fn progress(&self, done: u32, total: u32, message: String) {
        let done = done.max(self.floor.load(Ordering::SeqCst));
        self.floor.store(done + 1, Ordering::SeqCst);
        self.progress.report(done, total.max(done), message);
    }
}
