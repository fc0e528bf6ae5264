//! The values a prompt's text uses, worked out from its arguments: dates from the
//! calendar, ids from names when the user is signed in.

use std::collections::BTreeMap;

use super::calendar::Month;
use super::catalog::{Kind, PromptDef};
use super::lookup::{List, Lookup, Match, find_named};
use super::template::Vars;
use crate::time::Date;
use crate::tools::input::args::is_uuid;

/// Default number of months for a trend.
const DEFAULT_MONTHS: u32 = 6;
/// The longest trend: two years of whole months.
const MAX_MONTHS: u32 = 24;

/// A prompt's values, and notes for the model on arguments it has to check.
pub struct Resolved {
    pub vars: Vars,
    pub notes: Vec<String>,
}

/// Values never fail: a host may send placeholders (`$1`) it fills in later, or
/// the words of a slash command split at spaces. An argument that does not read
/// goes into the text as given, quoted, with a note saying what was expected.
pub async fn resolve(
    prompt: &'static PromptDef,
    given: &BTreeMap<&'static str, String>,
    lookup: &Lookup,
) -> Resolved {
    let today = Date::today();
    let mut vars = Vars::default();
    let mut notes = Vec::new();
    vars.set("today", today.to_string());
    vars.set("this_month_start", Month::of(today).first_day().to_string());
    // In catalog order: the organization comes first, and a pool needs it.
    for argument in prompt.arguments {
        let value = given.get(argument.name).map(String::as_str);
        let checked = match argument.kind {
            Kind::Organization => {
                let given = value.unwrap_or_default();
                if let Some(note) = organization(&mut vars, given, lookup).await {
                    notes.push(note);
                }
                Ok(())
            }
            Kind::Month => month(&mut vars, value.unwrap_or_default()),
            Kind::Pool => {
                pool(&mut vars, value, lookup).await;
                Ok(())
            }
            Kind::Detector => {
                detector(&mut vars, value, lookup).await;
                Ok(())
            }
            Kind::Date => day(&mut vars, value, today),
            Kind::Amount => amount(&mut vars, value),
            Kind::Months => months(&mut vars, value, today),
        };
        if let (Err(unread), Some(value)) = (checked, value) {
            notes.push(unread.note(argument.name, value));
            unread.mark(&mut vars, value);
        }
    }
    Resolved { vars, notes }
}

/// An argument that does not read as its kind.
struct Unread {
    /// The value the text shows it in.
    var: &'static str,
    /// What was expected, e.g. "a month as YYYY-MM, e.g. 2025-05".
    expected: String,
    /// What the model works out from the value the user meant, as placeholders.
    derived: &'static [&'static str],
    /// How the derived values follow from it.
    how: &'static str,
}

impl Unread {
    /// The line for the model. The value is quoted as data; a host placeholder
    /// such as `$2` stays as it is, for the host to replace.
    fn note(&self, argument: &str, value: &str) -> String {
        let given = crate::untrusted::quoted(value, super::MAX_VALUE_CHARS);
        let derived = if self.derived.is_empty() {
            String::new()
        } else {
            let names: Vec<String> = self.derived.iter().map(|d| format!("<{d}>")).collect();
            format!(" Fill in {} from it ({}).", names.join(", "), self.how)
        };
        format!(
            "Check the argument {argument} first: it was given as {given}; expected {}. Use the value the user meant.{derived} If you cannot tell what the user meant, ask them before you call any tool.",
            self.expected
        )
    }

    /// The value as given (quoted) in the text; what derives from it left to the model.
    fn mark(&self, vars: &mut Vars, value: &str) {
        let given = crate::untrusted::quoted(value, super::MAX_VALUE_CHARS);
        vars.set(self.var, given);
        for derived in self.derived {
            vars.later(derived, derived);
        }
    }
}

/// Sets the organization's values; a note when the user's organizations are
/// known and the name fits none of them, or several.
async fn organization(vars: &mut Vars, given: &str, lookup: &Lookup) -> Option<String> {
    let matched = lookup.match_organization(given).await;
    if let Match::One(found) = matched {
        vars.set("organization", as_name(&found.name));
        vars.set("organization_id", found.id.to_ascii_lowercase());
        vars.set_or_later("root_pool_id", found.pool_id, "root_pool_id");
        return None;
    }
    vars.set("organization", as_name(given));
    let id = is_uuid(given).then(|| given.to_ascii_lowercase());
    let known = id.is_some();
    vars.set_or_later("organization_id", id, "organization_id");
    vars.later("root_pool_id", "root_pool_id");
    if known || is_placeholder(given) {
        return None;
    }
    let given = crate::untrusted::quoted(given, super::MAX_VALUE_CHARS);
    let how = "Step 1 lists them (list_organizations): show the user their names and ask which one they mean before you go on.";
    match matched {
        Match::None => Some(format!(
            "No organization of this user is named {given}. {how}"
        )),
        Match::Several => Some(format!(
            "Several organizations of this user match {given}. {how}"
        )),
        _ => None,
    }
}

/// A host's stand-in for words the user types later: `$1`, `$ARGUMENTS`.
fn is_placeholder(text: &str) -> bool {
    text.strip_prefix('$').is_some_and(|rest| {
        !rest.is_empty()
            && rest
                .chars()
                .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase() || c == '_')
    })
}

fn month(vars: &mut Vars, given: &str) -> Result<(), Unread> {
    let month = Month::parse(given).ok_or(Unread {
        var: "month",
        expected: "a month as YYYY-MM, e.g. 2025-05".into(),
        derived: &["month_start", "month_end"],
        how: "its first and last day, as YYYY-MM-DD",
    })?;
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
fn day(vars: &mut Vars, given: Option<&str>, today: Date) -> Result<(), Unread> {
    let day = match given {
        Some(text) => {
            let day = Date::parse(text)
                .filter(|day| *day <= today)
                .ok_or_else(|| Unread {
                    var: "date",
                    expected: format!(
                        "a day as YYYY-MM-DD, not after today ({today}), e.g. 2025-05-14"
                    ),
                    derived: &["day", "window_start", "baseline_end"],
                    how: "the day itself, 13 days before it, and the day before it",
                })?;
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

fn amount(vars: &mut Vars, given: Option<&str>) -> Result<(), Unread> {
    let Some(text) = given else {
        return Ok(());
    };
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => {
            vars.set("min_saving", trim_number(v));
            Ok(())
        }
        _ => Err(Unread {
            var: "min_saving",
            expected: "a number of 0 or more, e.g. 50".into(),
            derived: &[],
            how: "",
        }),
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
fn months(vars: &mut Vars, given: Option<&str>, today: Date) -> Result<(), Unread> {
    let last = Month::of(today).back(1);
    vars.set("last_month", last.to_string());
    vars.set("last_start", last.first_day().to_string());
    vars.set("last_end", last.last_day().to_string());
    let n = match given {
        None => DEFAULT_MONTHS,
        Some(text) => text
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=MAX_MONTHS).contains(n))
            .ok_or_else(|| Unread {
                var: "months",
                expected: format!("a whole number of months from 1 to {MAX_MONTHS}"),
                derived: &["first_month", "first_start", "first_end"],
                how: "the first of that many whole months that end with last month, as YYYY-MM, and its first and last day",
            })?,
    };
    let first = last.back(n - 1);
    vars.set("months", n.to_string());
    vars.set("first_month", first.to_string());
    vars.set("first_start", first.first_day().to_string());
    vars.set("first_end", first.last_day().to_string());
    Ok(())
}
