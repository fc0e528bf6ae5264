//! API failures in words that tell the model and the user what to do next: sign in
//! again, pick another organization, try a neighbouring tool, or wait.

use serde_json::Value;

use super::core::{Endpoint, Subject, Tool};
use crate::api::{ApiError, ApiRequest, ErrorBody, Method};
use crate::auth::TokenOrigin;

pub fn describe(tool: &Tool, request: &ApiRequest, error: &ApiError) -> String {
    match error {
        ApiError::Auth(e) => e.to_string(),
        ApiError::Unauthorized { origin, body } => {
            let mut msg = match origin {
                TokenOrigin::Env => format!(
                    "DigiUsher did not accept the token in DIGIUSHER_TOKEN. Set a valid token, or unset DIGIUSHER_TOKEN and run `digiusher-mcp login` in a terminal. {}",
                    body.http_detail(401)
                ),
                TokenOrigin::SignIn => format!(
                    "DigiUsher did not accept the sign-in. Run `digiusher-mcp login` again in a terminal, then retry. {}",
                    body.http_detail(401)
                ),
            };
            if matches!(tool.endpoint, Endpoint::Inferred { .. }) {
                msg.push_str(" If other DigiUsher tools work, this deployment may not accept your sign-in on this endpoint.");
            }
            msg
        }
        ApiError::Status {
            status,
            body,
            retry_after,
        } => describe_status(tool, request, *status, body, *retry_after),
        ApiError::Timeout {
            secs,
            host,
            receiving,
        } => timeout_words(tool, *secs, host, *receiving),
        ApiError::Connect { base, cause } => format!(
            "Cannot reach DigiUsher at {base}: {cause}. Check the network or proxy, or DIGIUSHER_API_BASE_URL."
        ),
        ApiError::NotJson {
            status,
            content_type,
            snippet,
        } => format!(
            "DigiUsher returned a response that is not valid JSON (HTTP {status}, {content_type}): {snippet}. Retry later; if it persists, check DIGIUSHER_API_BASE_URL points at the DigiUsher API."
        ),
        ApiError::TooLarge { limit } => format!(
            "DigiUsher returned more than {}; narrow the query. {}",
            human_bytes(*limit),
            tool.narrow
        ),
        ApiError::Client(message) => format!("{message}."),
    }
}

fn describe_status(
    tool: &Tool,
    request: &ApiRequest,
    status: u16,
    body: &ErrorBody,
    retry_after: Option<u64>,
) -> String {
    let detail = body.http_detail(status);
    let code = body.code.as_deref();
    if let Endpoint::Inferred {
        route, alternative, ..
    } = tool.endpoint
        && matches!(status, 404 | 405)
        && body.looks_like_unknown_route
    {
        return format!(
            "This DigiUsher deployment does not offer `{route}`, which {} needs, so this tool is unavailable here. {alternative} {detail}",
            tool.name
        );
    }
    match status {
        403 => match (tool.endpoint.subject(), organization_in(&request.path)) {
            (Subject::Organization, Some(org)) => format!(
                "Your DigiUsher user cannot access organization {org}. Call list_organizations to see the organizations you can use. {detail}"
            ),
            (subject, _) => format!(
                "Your DigiUsher user is not allowed to read this {}. {detail}",
                subject_noun(subject)
            ),
        },
        404 if code == Some("OE0470") => format!(
            "A filter value matches nothing in this organization: {}. Use ids from list_data_sources, list_pools or list_employees. {detail}",
            said(&body.reason)
        ),
        404 => match tool.endpoint.subject() {
            Subject::Pool => format!(
                "Not found: check pool_id; list_pools or list_organizations (pool_id of the organization) give valid ids. {detail}"
            ),
            Subject::Resource => {
                format!("Not found: check resource_id; list_resources gives valid ids. {detail}")
            }
            Subject::Organization | Subject::None => format!(
                "Not found: check organization_id; list_organizations gives valid ids. {detail}"
            ),
        },
        400 | 422
            if is_expense_query(request) && body.reason.to_lowercase().contains("invalid") =>
        {
            filter_hint(request, body, status)
        }
        400 if code == Some("OE0212") => format!(
            "digiusher-mcp sent a parameter this DigiUsher version does not accept ({}). This is a bug in digiusher-mcp; please report it. {detail}",
            if body.params.is_empty() {
                said(&body.reason)
            } else {
                body.params
                    .iter()
                    .map(|p| said(p))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        ),
        400 | 422 => format!(
            "DigiUsher rejected the request: {}. Correct the arguments and retry. {detail}",
            said(&body.reason)
        ),
        424 if code == Some("OE0445") => format!(
            "This organization has no data sources connected yet, so there is no cost data. Connect a cloud account in DigiUsher first. {detail}"
        ),
        429 => match retry_after {
            Some(secs) => format!(
                "DigiUsher is rate-limiting requests. Wait {secs} seconds and retry. {detail}"
            ),
            None => {
                format!("DigiUsher is rate-limiting requests. Wait a minute and retry. {detail}")
            }
        },
        500 | 502 | 503 | 504 => format!(
            "The DigiUsher API is failing or unavailable (HTTP {status}). Retry in a minute. {detail}"
        ),
        _ => format!("DigiUsher could not answer this request. {detail}"),
    }
}

fn is_expense_query(request: &ApiRequest) -> bool {
    request.method == Method::Post && request.path.ends_with("/expenses")
}

/// "Filter values must match exactly; list them with get_dimension_values."
fn filter_hint(request: &ApiRequest, body: &ErrorBody, status: u16) -> String {
    let org = organization_in(&request.path).unwrap_or("<org>");
    let filters = request
        .body
        .as_ref()
        .and_then(|b| b.get("filters"))
        .and_then(Value::as_object);
    let reason = &body.reason;
    let mut dimension = serde_json::json!({"dimension_type": "standard", "name": "service_name"});
    if let Some(filters) = filters {
        let tag_key = filters
            .get("tags")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|t| t.get("key").and_then(Value::as_str))
            .find(|k| reason.contains(*k));
        let standard = filters
            .keys()
            .filter(|k| *k != "tags")
            .find(|k| reason.contains(k.as_str()));
        if let Some(name) = standard {
            dimension = serde_json::json!({"dimension_type": "standard", "name": name});
        } else if let Some(key) = tag_key {
            dimension =
                serde_json::json!({"dimension_type": "tag", "tag_type": "values", "key": key});
        }
    }
    format!(
        "DigiUsher rejected a filter value. Filter values must match existing values exactly; call get_dimension_values with {} to list them, then retry. {}",
        serde_json::json!({"organization_id": org, "dimension": dimension}),
        body.http_detail(status)
    )
}

/// The organization id in `/…/organizations/{id}/…`, if the path has one.
fn organization_in(path: &str) -> Option<&str> {
    let mut parts = path.split('/');
    parts.find(|p| *p == "organizations")?;
    parts.next().filter(|id| !id.is_empty())
}

/// The API's own words, quoted as data for the model.
fn said(text: &str) -> String {
    crate::untrusted::quoted(text, crate::untrusted::PROVIDER_TEXT_CAP)
}

/// A timeout: silence says nothing about the query, so narrowing is offered only
/// when the answer was arriving and the tool has something to narrow.
fn timeout_words(tool: &Tool, secs: u64, host: &str, receiving: bool) -> String {
    match (receiving, tool.narrow) {
        (false, _) => format!(
            "DigiUsher ({host}) did not answer within {secs} s. It may be down or unreachable from here: retry in a minute, and check the network or proxy if it keeps happening."
        ),
        (true, "") => format!(
            "DigiUsher ({host}) was still sending its answer after {secs} s. Retry in a minute."
        ),
        (true, narrow) => format!(
            "DigiUsher ({host}) was still sending its answer after {secs} s: the result may be too large. Narrow the query ({narrow}) or retry."
        ),
    }
}

fn subject_noun(subject: Subject) -> &'static str {
    match subject {
        Subject::Pool => "pool",
        Subject::Resource => "resource",
        Subject::Organization | Subject::None => "data",
    }
}

fn human_bytes(n: usize) -> String {
    if n >= 1024 * 1024 && n.is_multiple_of(1024 * 1024) {
        format!("{} MiB", n / (1024 * 1024))
    } else {
        format!("{n} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn organization_ids_are_found_in_paths() {
        assert_eq!(
            organization_in("/api/v3/organizations/abc/expenses"),
            Some("abc")
        );
        assert_eq!(organization_in("/restapi/v2/organizations"), None);
        assert_eq!(organization_in("/restapi/v2/pools/x"), None);
    }

    #[test]
    fn sizes_read_well() {
        assert_eq!(human_bytes(32 * 1024 * 1024), "32 MiB");
        assert_eq!(human_bytes(1000), "1000 bytes");
    }
}
