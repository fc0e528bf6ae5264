//! `completion/complete` for prompt arguments: organization and pool names from
//! the API (quietly, see [`Lookup`]), recent months from the calendar.

use rmcp::ErrorData as McpError;
use rmcp::model::{CompleteRequestParams, CompleteResult, CompletionInfo};

use super::calendar::Month;
use super::catalog::Kind;
use super::lookup::{List, Lookup};
use crate::time::Date;
use crate::tools::input::args::is_uuid;

/// How many months back `month` offers, besides the current one, when the
/// organization's creation is not known.
const RECENT_MONTHS: u32 = 36;

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
        Kind::Month => {
            let since = organization_in(lookup, &request)
                .await
                .and_then(|o| o.created_at)
                .map(|secs| Month::of(Date::from_days(secs.div_euclid(86_400))));
            months_back(Month::of(Date::today()), since)
        }
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

/// Newest first: `now`, then the months before it back to `since` (the
/// organization's creation) or [`RECENT_MONTHS`] back, at most the 100 the
/// protocol allows.
fn months_back(now: Month, since: Option<Month>) -> Vec<String> {
    let index = |m: Month| i64::from(m.year) * 12 + i64::from(m.month);
    let back = since.map_or(i64::from(RECENT_MONTHS), |s| index(now) - index(s));
    let max = CompletionInfo::MAX_VALUES as i64 - 1;
    (0..=back.clamp(0, max))
        .map(|n| now.back(n as u32).to_string())
        .collect()
}

/// The organization the client's context names, when the lookup finds it.
async fn organization_in(
    lookup: &Lookup,
    request: &CompleteRequestParams,
) -> Option<super::lookup::Organization> {
    let given = request
        .context
        .as_ref()
        .and_then(|c| c.get_argument("organization"))?;
    lookup.organization(given.trim()).await
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

    fn month(text: &str) -> Month {
        Month::parse(text).unwrap()
    }

    #[test]
    fn months_go_back_three_years_newest_first() {
        let months = months_back(month("2026-12"), None);
        assert_eq!(months.len(), 37);
        assert_eq!(months[0], "2026-12");
        assert_eq!(months[36], "2023-12");
        assert!(months.iter().all(|m| Month::parse(m).is_some()));
        let got = matching(months, "2025-0");
        let want: Vec<String> = (1..=9).rev().map(|m| format!("2025-0{m}")).collect();
        assert_eq!(got.values, want);
    }

    #[test]
    fn months_go_back_to_the_organizations_creation_and_at_most_100() {
        let months = months_back(month("2026-12"), Some(month("2026-10")));
        assert_eq!(months, ["2026-12", "2026-11", "2026-10"]);
        let months = months_back(month("2026-12"), Some(month("2010-01")));
        assert_eq!(months.len(), 100);
        assert_eq!(months[99], "2018-09");
        // A creation date in the future still offers this month.
        assert_eq!(
            months_back(month("2026-12"), Some(month("2027-03"))),
            ["2026-12"]
        );
    }
}
