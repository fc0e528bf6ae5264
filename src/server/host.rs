//! What a sign-in started by a tool call may do with the client: URL-mode
//! elicitation when the client declared it, and progress of the wait.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use rmcp::RoleServer;
use rmcp::model::{
    CustomNotification, ElicitRequest, ElicitRequestParams, ElicitationAction, InputRequest,
    InputRequests, InputRequiredResult, InputResponses, ProtocolVersion, ServerNotification,
};
use rmcp::service::{ElicitationError, Peer, RequestContext};

use crate::auth::signin::{Answer, Ask, Elicited, ShowsLink};
use crate::tools::Progress;

/// How a sign-in reaches the user, by the protocol the host negotiated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Era {
    /// Up to MCP 2025-11-25: the server may send the host an elicitation request
    /// mid-call (the host declares whether it takes URL mode).
    Requests,
    /// MCP 2026-07-28 and later with URL elicitation declared: the call answers
    /// input-required with the link, and the host retries.
    Rounds,
    /// MCP 2026-07-28 and later without URL elicitation: the browser.
    Browser,
}

impl Era {
    pub fn of(context: &RequestContext<RoleServer>) -> Era {
        let version = context.protocol_version();
        let url = context
            .client_capabilities()
            .and_then(|c| c.elicitation)
            .is_some_and(|e| e.url.is_some());
        Era::choose(version.as_ref().map(ProtocolVersion::as_str), url)
    }

    /// Versions are dates, so they compare as text.
    fn choose(version: Option<&str>, url_elicitation: bool) -> Era {
        let rounds = version.is_some_and(|v| v >= ProtocolVersion::V_2026_07_28.as_str());
        match (rounds, url_elicitation) {
            (false, _) => Era::Requests,
            (true, true) => Era::Rounds,
            (true, false) => Era::Browser,
        }
    }
}

/// Our key in `inputRequests` and `inputResponses`.
const SIGN_IN_KEY: &str = "digiusher_sign_in";

/// The input-required result that hands the host the sign-in link.
pub fn input_required(ask: Ask) -> InputRequiredResult {
    let params = ElicitRequestParams::UrlElicitationParams {
        meta: None,
        message: ask.message,
        url: ask.url,
        elicitation_id: ask.elicitation_id,
    };
    let mut requests = InputRequests::new();
    requests.insert(
        SIGN_IN_KEY.to_string(),
        InputRequest::Elicitation(ElicitRequest::new(params)),
    );
    InputRequiredResult::new(Some(requests), Some(ask.state))
}

/// The host's answer to our sign-in request, from a retry's `inputResponses`.
pub fn answer(responses: Option<&InputResponses>) -> Answer {
    let action = responses
        .and_then(|r| r.get(SIGN_IN_KEY))
        .and_then(|r| r.get("action"))
        .and_then(|a| a.as_str());
    match action {
        Some("accept") => Answer::Accepted,
        Some("decline" | "cancel") => Answer::Declined,
        _ => Answer::Missing,
    }
}

/// The sign-in's way to the user through the client of one tool call.
pub struct ThroughCall {
    pub peer: Peer<RoleServer>,
    pub progress: Progress,
    /// The last progress value the sign-in sent; the tool's own progress counts on
    /// from there, as progress must only increase.
    pub floor: Arc<AtomicU32>,
    /// Whether the server may send the host an elicitation request.
    pub elicit: bool,
}

impl ShowsLink for ThroughCall {
    async fn elicit(&self, message: String, url: String, id: String) -> Option<Elicited> {
        if !self.elicit {
            return None;
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_era_follows_the_negotiated_version_and_url_elicitation() {
        assert_eq!(Era::choose(Some("2025-11-25"), true), Era::Requests);
        assert_eq!(Era::choose(Some("2025-06-18"), false), Era::Requests);
        assert_eq!(Era::choose(None, true), Era::Requests);
        assert_eq!(Era::choose(Some("2026-07-28"), true), Era::Rounds);
        assert_eq!(Era::choose(Some("2026-07-28"), false), Era::Browser);
        assert_eq!(Era::choose(Some("2027-01-01"), true), Era::Rounds);
    }

    #[test]
    fn the_answer_is_read_under_our_key_only() {
        let responses = |key: &str, action: &str| {
            let mut r = InputResponses::new();
            r.insert(key.into(), serde_json::json!({ "action": action }));
            r
        };
        let read = |r: &InputResponses| answer(Some(r));
        assert_eq!(read(&responses(SIGN_IN_KEY, "accept")), Answer::Accepted);
        assert_eq!(read(&responses(SIGN_IN_KEY, "decline")), Answer::Declined);
        assert_eq!(read(&responses(SIGN_IN_KEY, "cancel")), Answer::Declined);
        assert_eq!(read(&responses(SIGN_IN_KEY, "maybe")), Answer::Missing);
        assert_eq!(read(&responses("other", "accept")), Answer::Missing);
        assert_eq!(answer(None), Answer::Missing);
    }

    #[test]
    fn the_input_required_result_holds_one_url_elicitation_and_the_state() {
        let ask = Ask {
            message: "Sign in to DigiUsher".into(),
            url: "https://id.example/auth".into(),
            elicitation_id: "e1".into(),
            state: "s1".into(),
        };
        let v = serde_json::to_value(input_required(ask)).unwrap();
        assert_eq!(v["resultType"], "input_required");
        assert_eq!(v["requestState"], "s1");
        let request = &v["inputRequests"][SIGN_IN_KEY];
        assert_eq!(request["method"], "elicitation/create");
        assert_eq!(request["params"]["mode"], "url");
        assert_eq!(request["params"]["url"], "https://id.example/auth");
        assert_eq!(request["params"]["message"], "Sign in to DigiUsher");
    }
}
