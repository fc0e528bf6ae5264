//! The values a prompt's text uses, worked out from its arguments: dates from the
//! calendar, ids from names when the user is signed in.

use std::collections::BTreeMap;

use super::PromptError;
use super::calendar::Month;
use super::catalog::{Kind, PromptDef};
use super::lookup::{List, Lookup, find_named};
use super::template::Vars;
use crate::time::Date;
use crate::tools::args::is_uuid;

/// Default number of months for a trend.
const DEFAULT_MONTHS: u32 = 6;
/// The longest trend: two years of whole months.
const MAX_MONTHS: u32 = 24;

pub async fn resolve(
    prompt: &'static PromptDef,
    given: &BTreeMap<&'static str, String>,
    lookup: &Lookup,
) -> Result<Vars, PromptError> {
    let today = Date::today();
    let mut vars = Vars::default();
    vars.set("today", today.to_string());
    vars.set("this_month_start", Month::of(today).first_day().to_string());
    // In catalog order: the organization comes first, and a pool needs it.
    for argument in prompt.arguments {
        let value = given.get(argument.name).map(String::as_str);
        let invalid = |problem: String| PromptError::Invalid {
            prompt: prompt.name,
            argument: argument.name,
            problem,
        };
        match argument.kind {
            Kind::Organization => organization(&mut vars, value.unwrap_or_default(), lookup).await,
            Kind::Month => month(&mut vars, value.unwrap_or_default()).map_err(invalid)?,
            Kind::Pool => pool(&mut vars, value, lookup).await,
            Kind::Detector => detector(&mut vars, value, lookup).await,
            Kind::Date => day(&mut vars, value, today).map_err(invalid)?,
            Kind::Amount => amount(&mut vars, value).map_err(invalid)?,
            Kind::Months => months(&mut vars, value, today).map_err(invalid)?,
        }
    }
    Ok(vars)
}

async fn organization(vars: &mut Vars, given: &str, lookup: &Lookup) {
    match lookup.organization(given).await {
        Some(found) => {
            vars.set("organization", as_name(&found.name));
            vars.set("organization_id", found.id.to_ascii_lowercase());
            vars.set_or_later("root_pool_id", found.pool_id, "root_pool_id");
        }
        None => {
            vars.set("organization", as_name(given));
            let id = is_uuid(given).then(|| given.to_ascii_lowercase());
            vars.set_or_later("organization_id", id, "organization_id");
            vars.later("root_pool_id", "root_pool_id");
        }
    }
}

fn month(vars: &mut Vars, given: &str) -> Result<(), String> {
    let month = Month::parse(given)
        .ok_or_else(|| format!("must be a month as YYYY-MM, e.g. 2025-05; got {given:?}"))?;
    vars.set("month", month.to_string());
    vars.set("month_start", month.first_day().to_string());
    vars.set("month_end", month.last_day().to_string());
    Ok(())
}

/// A pool by name or id; without one, the organization's root pool.
async fn pool(vars: &mut Vars, given: Option<&str>, lookup: &Lookup) {
    let Some(given) = given else {
        let root = vars.get("root_pool_id").map(String::from);
        vars.set_or_later("pool_id", root, "root_pool_id");
        return;
    };
    let id = named(vars, "pool", given, lookup, List::Pools).await;
    if id.is_none() {
        vars.set("pool_unresolved", "yes");
    }
    vars.set_or_later("pool_id", id, "pool_id");
}

/// A detector or policy by name or id; without one, the model picks the latest.
async fn detector(vars: &mut Vars, given: Option<&str>, lookup: &Lookup) {
    let id = match given {
        Some(given) => named(vars, "detector", given, lookup, List::Detectors).await,
        None => None,
    };
    vars.set_or_later("constraint_id", id, "constraint_id");
}

/// Sets `name` to what the user gave, or to the organization's own spelling when
/// `list` finds it; returns the id when known.
async fn named(
    vars: &mut Vars,
    name: &'static str,
    given: &str,
    lookup: &Lookup,
    which: List,
) -> Option<String> {
    vars.set(name, as_name(given));
    let mut id = is_uuid(given).then(|| given.to_ascii_lowercase());
    let Some(organization_id) = vars.get("organization_id").map(String::from) else {
        return id;
    };
    if let Some(found) = find_named(&lookup.list(which, &organization_id).await, given) {
        vars.set(name, as_name(&found.name));
        id = Some(found.id.to_ascii_lowercase());
    }
    id
}

/// A name as the inside of the prompt's `"…"`: one clean line, quotes escaped,
/// so a name cannot end its quotes and add a step of its own.
fn as_name(name: &str) -> String {
    crate::untrusted::escaped(name, crate::untrusted::NAME_CAP)
}

/// The anomaly day (default yesterday), the start of a two-week window ending on
/// it, and the last day of the baseline before it.
fn day(vars: &mut Vars, given: Option<&str>, today: Date) -> Result<(), String> {
    let day = match given {
        Some(text) => {
            let day = Date::parse(text).ok_or_else(|| {
                format!("must be a date as YYYY-MM-DD, e.g. 2025-05-14; got {text:?}")
            })?;
            if day > today {
                return Err(format!("must not be in the future; got {text:?}"));
            }
            vars.set("date", day.to_string());
            day
        }
        None => today.add_days(-1),
    };
    vars.set("day", day.to_string());
    vars.set("window_start", day.add_days(-13).to_string());
    vars.set("baseline_end", day.add_days(-1).to_string());
    Ok(())
}

fn amount(vars: &mut Vars, given: Option<&str>) -> Result<(), String> {
    let Some(text) = given else {
        return Ok(());
    };
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => {
            vars.set("min_saving", trim_number(v));
            Ok(())
        }
        _ => Err(format!(
            "must be a number of 0 or more, e.g. 50; got {text:?}"
        )),
    }
}

/// `50` rather than `50.0`; cents kept when given.
fn trim_number(v: f64) -> String {
    if v.fract() == 0.0 && v < 1e15 {
        format!("{}", v as u64)
    } else {
        format!("{v}")
    }
}

/// Whole months ending with last month.
fn months(vars: &mut Vars, given: Option<&str>, today: Date) -> Result<(), String> {
    let n = match given {
        None => DEFAULT_MONTHS,
        Some(text) => text
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=MAX_MONTHS).contains(n))
            .ok_or_else(|| {
                format!("must be a whole number of months from 1 to {MAX_MONTHS}; got {text:?}")
            })?,
    };
    let last = Month::of(today).back(1);
    let first = last.back(n - 1);
    vars.set("months", n.to_string());
    vars.set("first_month", first.to_string());
    vars.set("last_month", last.to_string());
    vars.set("first_start", first.first_day().to_string());
    vars.set("first_end", first.last_day().to_string());
    vars.set("last_start", last.first_day().to_string());
    vars.set("last_end", last.last_day().to_string());
    Ok(())
}
