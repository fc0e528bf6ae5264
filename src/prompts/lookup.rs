//! Organization and pool names for completion and for filling ids into prompts.
//!
//! A quiet, token-only lookup: it uses whatever credential is already there
//! (`DIGIUSHER_TOKEN` or a stored sign-in) and never starts a sign-in or opens a
//! browser; without a credential it finds nothing. Answers are cached for the
//! session; failures are not, so names appear once the user has signed in.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use serde_json::{Map, Value};
use tokio::sync::Mutex;

use crate::api::ApiClient;
use crate::tools::{self, CallContext, Progress};

/// Completion runs while the user types: a slow API must not hold the host up.
const LOOKUP_TIMEOUT: Duration = Duration::from_secs(5);
/// Large enough that a list is never cut; the lists here are small.
const MAX_CHARS: usize = 4_000_000;

#[derive(Debug, Clone, Deserialize)]
pub struct Organization {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub pool_id: Option<String>,
    /// Unix seconds; months before it hold no data.
    #[serde(default)]
    pub created_at: Option<i64>,
}

/// What a name given for an organization comes to.
#[derive(Debug)]
pub enum Match {
    One(Organization),
    /// The user's organizations are known, and none fits.
    None,
    /// More than one fits.
    Several,
    /// Nothing to look in: signed out, or the API did not answer.
    Unknown,
}

/// Something of an organization known by id and name: a pool, a detector.
#[derive(Debug, Clone, Deserialize)]
pub struct Named {
    pub id: String,
    pub name: String,
}

/// The named things of an organization that prompts take.
#[derive(Debug, Clone, Copy)]
pub enum List {
    Pools,
    /// Anomaly detectors and policies.
    Detectors,
}

type Cached<T> = Mutex<Option<Arc<Vec<T>>>>;
/// Lists per tool and organization id.
type PerOrganization = Mutex<HashMap<(&'static str, String), Arc<Vec<Named>>>>;

pub struct Lookup {
    /// `None` when the configuration is unusable: nothing can be looked up.
    api: Option<Arc<ApiClient>>,
    organizations: Cached<Organization>,
    /// Pools and detectors, per tool and organization id.
    named: PerOrganization,
}

impl Lookup {
    pub fn new(api: Option<Arc<ApiClient>>) -> Lookup {
        Lookup {
            api,
            organizations: Mutex::new(None),
            named: Mutex::new(HashMap::new()),
        }
    }

    /// The user's organizations, or nothing when signed out or unreachable.
    pub async fn organizations(&self) -> Arc<Vec<Organization>> {
        // Held while fetching, so concurrent completions make one request.
        let mut cached = self.organizations.lock().await;
        if let Some(found) = &*cached {
            return found.clone();
        }
        #[derive(Deserialize)]
        struct Answer {
            organizations: Vec<Organization>,
        }
        match self.fetch::<Answer>("list_organizations", Map::new()).await {
            Some(answer) => {
                let found = Arc::new(answer.organizations);
                *cached = Some(found.clone());
                found
            }
            None => Arc::default(),
        }
    }

    /// The organization `given` names: its id, its name in any case, or a part of
    /// its name that fits no other (slash commands split arguments at spaces).
    pub async fn organization(&self, given: &str) -> Option<Organization> {
        match self.match_organization(given).await {
            Match::One(found) => Some(found),
            _ => None,
        }
    }

    /// Like [`Lookup::organization`], telling apart why nothing was found.
    pub async fn match_organization(&self, given: &str) -> Match {
        let all = self.organizations().await;
        if all.is_empty() {
            return Match::Unknown;
        }
        let lower = given.to_lowercase();
        let exact =
            |o: &&Organization| o.id.eq_ignore_ascii_case(given) || same_name(&o.name, &lower);
        let part = |o: &&Organization| o.name.to_lowercase().contains(&lower);
        let exact: Vec<&Organization> = all.iter().filter(exact).collect();
        let candidates = if exact.is_empty() {
            all.iter().filter(part).collect()
        } else {
            exact
        };
        match candidates[..] {
            [] => Match::None,
            [one] => Match::One(one.clone()),
            _ => Match::Several,
        }
    }

    /// The pools or the detectors of organization `organization_id`, or nothing.
    pub async fn list(&self, which: List, organization_id: &str) -> Arc<Vec<Named>> {
        match which {
            List::Pools => {
                self.named("list_pools", "pools", organization_id, Map::new())
                    .await
            }
            List::Detectors => {
                let mut args = Map::new();
                args.insert(
                    "types".into(),
                    Value::from(crate::tools::CONSTRAINT_TYPE_NAMES.to_vec()),
                );
                args.insert("hit_days".into(), Value::from(0));
                self.named(
                    "list_anomalies",
                    "organization_constraints",
                    organization_id,
                    args,
                )
                .await
            }
        }
    }

    /// The `key` list of `tool`'s answer for one organization, cached per tool.
    async fn named(
        &self,
        tool: &'static str,
        key: &str,
        organization_id: &str,
        mut args: Map<String, Value>,
    ) -> Arc<Vec<Named>> {
        let mut cached = self.named.lock().await;
        let cache_key = (tool, organization_id.to_string());
        if let Some(found) = cached.get(&cache_key) {
            return found.clone();
        }
        args.insert("organization_id".into(), Value::from(organization_id));
        let Some(mut answer) = self.fetch::<Map<String, Value>>(tool, args).await else {
            return Arc::default();
        };
        let items = answer.remove(key).unwrap_or_default();
        let Ok(found) = serde_json::from_value::<Vec<Named>>(items) else {
            tracing::debug!(tool, "name lookup: no {key} list");
            return Arc::default();
        };
        let found = Arc::new(found);
        cached.insert(cache_key, found.clone());
        found
    }

    /// One tool call through the catalog, parsed; `None` on any failure.
    async fn fetch<T: for<'de> Deserialize<'de>>(
        &self,
        tool: &str,
        args: Map<String, Value>,
    ) -> Option<T> {
        let api = self.api.clone()?;
        let tool = tools::find(tool)?;
        let cx = CallContext {
            api,
            progress: Progress::default(),
        };
        let call = tools::call(tool, Some(args), cx, MAX_CHARS);
        let result = match tokio::time::timeout(LOOKUP_TIMEOUT, call).await {
            Ok(result) => result,
            Err(_) => {
                tracing::debug!(tool = tool.name, "name lookup timed out");
                return None;
            }
        };
        if result.is_error {
            tracing::debug!(tool = tool.name, "name lookup failed: {}", result.text);
            return None;
        }
        serde_json::from_str(&result.text)
            .inspect_err(|e| tracing::debug!(tool = tool.name, "name lookup unreadable: {e}"))
            .ok()
    }
}

/// The item `given` names exactly (its id, or its name in any case), when only one does.
pub fn find_named(items: &[Named], given: &str) -> Option<Named> {
    let lower = given.to_lowercase();
    only(
        items
            .iter()
            .filter(|n| n.id.eq_ignore_ascii_case(given) || same_name(&n.name, &lower)),
    )
}

/// The one item, or `None` for none or several (then the model asks the user).
fn only<'a, T: Clone + 'a>(mut items: impl Iterator<Item = &'a T>) -> Option<T> {
    let first = items.next()?;
    items.next().is_none().then(|| first.clone())
}
/// Whether an API name is `lower`, also as completion offered it (cleaned).
fn same_name(name: &str, lower: &str) -> bool {
    name.to_lowercase() == lower
        || crate::untrusted::clean(name, crate::untrusted::NAME_CAP).to_lowercase() == lower
}
