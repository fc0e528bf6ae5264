//! `completion/complete` for prompt arguments: organization and pool names from
//! the API (quietly, see [`Lookup`]), recent months from the calendar.

use rmcp::ErrorData as McpError;
use rmcp::model::{CompleteRequestParams, CompleteResult, CompletionInfo};

use super::calendar::Month;
use super::catalog::Kind;
use super::lookup::{List, Lookup};
use crate::time::Date;
use crate::tools::args::is_uuid;

/// How many months back `month` offers, besides the current one.
const RECENT_MONTHS: u32 = 12;

pub async fn complete(
    lookup: &Lookup,
    request: CompleteRequestParams,
) -> Result<CompleteResult, McpError> {
    let Some(name) = request.r#ref.as_prompt_name() else {
        return Ok(CompleteResult::default());
    };
    let prompt = super::find(name)?;
    let Some(argument) = prompt.argument(&request.argument.name) else {
        return Ok(CompleteResult::default());
    };
    let candidates = match argument.kind {
        Kind::Organization => lookup
            .organizations()
            .await
            .iter()
            .map(|o| o.name.as_str())
            .map(as_value)
            .collect(),
        Kind::Month => recent_months(),
        Kind::Pool => names_in(lookup, &request, List::Pools).await,
        Kind::Detector => names_in(lookup, &request, List::Detectors).await,
        Kind::Months => ["3", "6", "12", "24"].map(String::from).to_vec(),
        Kind::Date | Kind::Amount => Vec::new(),
    };
    Ok(CompleteResult::new(matching(
        candidates,
        &request.argument.value,
    )))
}

/// Newest first: this month, then the twelve before it.
fn recent_months() -> Vec<String> {
    let now = Month::of(Date::today());
    (0..=RECENT_MONTHS)
        .map(|n| now.back(n).to_string())
        .collect()
}

/// Pool or detector names of the organization the client's context names.
async fn names_in(lookup: &Lookup, request: &CompleteRequestParams, which: List) -> Vec<String> {
    let Some(organization) = request
        .context
        .as_ref()
        .and_then(|c| c.get_argument("organization"))
        .map(|o| o.trim())
    else {
        return Vec::new();
    };
    let id = match lookup.organization(organization).await {
        Some(o) => o.id,
        None if is_uuid(organization) => organization.to_ascii_lowercase(),
        None => return Vec::new(),
    };
    let names = lookup.list(which, &id).await;
    names.iter().map(|n| as_value(&n.name)).collect()
}

/// A name from the API as a completion value: one clean line of bounded length.
fn as_value(name: &str) -> String {
    crate::untrusted::clean(name, crate::untrusted::NAME_CAP)
}

/// The candidates that contain what was typed (any case), those starting with it
/// first; at most the 100 the protocol allows.
fn matching(candidates: Vec<String>, typed: &str) -> CompletionInfo {
    let typed = typed.trim().to_lowercase();
    let mut starts = Vec::new();
    let mut contains = Vec::new();
    for c in candidates {
        let lower = c.to_lowercase();
        if starts.contains(&c) || contains.contains(&c) {
            continue;
        } else if lower.starts_with(&typed) {
            starts.push(c);
        } else if lower.contains(&typed) {
            contains.push(c);
        }
    }
    starts.append(&mut contains);
    let total = starts.len();
    starts.truncate(CompletionInfo::MAX_VALUES);
    let has_more = total > starts.len();
    let total = u32::try_from(total).unwrap_or(u32::MAX);
    CompletionInfo::with_pagination(starts, Some(total), has_more).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_matches_come_first_in_any_case() {
        let names = ["Beta Labs", "Acme Corp", "Labs of Acme", "acme corp"]
            .map(String::from)
            .to_vec();
        let got = matching(names, "ACME");
        assert_eq!(got.values, ["Acme Corp", "acme corp", "Labs of Acme"]);
        assert_eq!(got.has_more, Some(false));
    }

    #[test]
    fn at_most_one_hundred() {
        let many = (0..150).map(|i| format!("pool {i}")).collect();
        let got = matching(many, "");
        assert_eq!(got.values.len(), 100);
        assert_eq!(got.total, Some(150));
        assert_eq!(got.has_more, Some(true));
    }

    #[test]
    fn months_are_recent_and_well_formed() {
        let months = recent_months();
        assert_eq!(months.len(), 13);
        assert!(
            months.iter().all(|m| Month::parse(m).is_some()),
            "{months:?}"
        );
        assert_eq!(months[0], Month::of(Date::today()).to_string());
    }
}
