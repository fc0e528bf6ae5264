//! The API routes of tools.md section 1: path matching and dispatch.

mod v2;
mod v3;

use serde_json::Value;

use crate::control::Options;
use crate::errors::Reply;
use crate::generator::World;
use crate::query::Query;

/// What a handler sees of an authenticated request.
pub struct Req<'a> {
    pub world: &'a World,
    /// The caller's subject (`alice`, `bob`, …).
    pub user: &'a str,
    pub query: &'a Query,
    /// The raw body (v3 reports JSON errors from it).
    pub body: &'a [u8],
    pub json: Option<&'a Value>,
    pub opts: Options,
}

/// A matched route with its path parameter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    Organizations,
    Breakdown(String),
    Optimizations(String),
    Pools(String),
    Pool(String),
    CloudAccounts(String),
    CleanExpenses(String),
    CloudResource(String),
    Constraints(String),
    LimitHits(String),
    Employees(String),
    Expenses(String),
    DimensionsQuery(String),
    Lookups(String),
    Recommendations(String),
    Scenarios(String),
    AllocationMonth(String),
    AllocationSummary(String),
    UnitEconomics(String),
    NsmKeys(String),
    KpiDefinitions(String),
    KpiSnapshots(String),
    KpiTimeSeries(String),
}

/// Matches a method and path against the route table.
pub fn resolve(method: &str, path: &str) -> Option<Route> {
    let segs: Vec<&str> = path.strip_prefix('/')?.split('/').collect();
    let id = |s: &str| s.to_string();
    let r = match (method, segs.as_slice()) {
        ("GET", ["restapi", "v2", "organizations"]) => Route::Organizations,
        ("GET", ["restapi", "v2", "organizations", o, "breakdown_expenses"]) => {
            Route::Breakdown(id(o))
        }
        ("GET", ["restapi", "v2", "organizations", o, "optimizations"]) => {
            Route::Optimizations(id(o))
        }
        ("GET", ["restapi", "v2", "organizations", o, "pools"]) => Route::Pools(id(o)),
        ("GET", ["restapi", "v2", "pools", p]) => Route::Pool(id(p)),
        ("GET", ["restapi", "v2", "organizations", o, "cloud_accounts"]) => {
            Route::CloudAccounts(id(o))
        }
        ("GET", ["restapi", "v2", "organizations", o, "clean_expenses"]) => {
            Route::CleanExpenses(id(o))
        }
        ("GET", ["restapi", "v2", "cloud_resources", r]) => Route::CloudResource(id(r)),
        (
            "GET",
            [
                "restapi",
                "v2",
                "organizations",
                o,
                "organization_constraints",
            ],
        ) => Route::Constraints(id(o)),
        (
            "GET",
            [
                "restapi",
                "v2",
                "organizations",
                o,
                "organization_limit_hits",
            ],
        ) => Route::LimitHits(id(o)),
        ("GET", ["restapi", "v2", "organizations", o, "employees"]) => Route::Employees(id(o)),
        ("POST", ["api", "v3", "organizations", o, "expenses"]) => Route::Expenses(id(o)),
        (
            "POST",
            [
                "api",
                "v3",
                "organizations",
                o,
                "expenses",
                "dimensions",
                "query",
            ],
        ) => Route::DimensionsQuery(id(o)),
        (
            "GET",
            [
                "api",
                "v3",
                "organizations",
                o,
                "expenses",
                "dimensions",
                "lookups",
            ],
        ) => Route::Lookups(id(o)),
        ("POST", ["api", "v3", "organizations", o, "recommendations"]) => {
            Route::Recommendations(id(o))
        }
        (
            "GET",
            [
                "api",
                "v3",
                "organizations",
                o,
                "recommendations",
                "scenarios",
            ],
        ) => Route::Scenarios(id(o)),
        ("GET", ["api", "v3", "organizations", o, "cost-allocation", "month"]) => {
            Route::AllocationMonth(id(o))
        }
        (
            "POST",
            [
                "api",
                "v3",
                "organizations",
                o,
                "cost-allocation",
                "summary",
            ],
        ) => Route::AllocationSummary(id(o)),
        ("POST", ["api", "v3", "organizations", o, "kpis", "unit-economics"]) => {
            Route::UnitEconomics(id(o))
        }
        ("GET", ["api", "v3", "organizations", o, "metrics", "nsm-keys"]) => Route::NsmKeys(id(o)),
        ("GET", ["api", "v3", "organizations", o, "kpis", "definitions"]) => {
            Route::KpiDefinitions(id(o))
        }
        ("GET", ["api", "v3", "organizations", o, "kpis", "snapshots"]) => {
            Route::KpiSnapshots(id(o))
        }
        ("GET", ["api", "v3", "organizations", o, "kpis", "time-series"]) => {
            Route::KpiTimeSeries(id(o))
        }
        _ => return None,
    };
    Some(r)
}

pub fn handle(route: &Route, req: &Req) -> Reply {
    match route {
        Route::Organizations => v2::organizations(req),
        Route::Breakdown(o) => v2::expenses::breakdown(req, o),
        Route::Optimizations(o) => v2::optimizations::summary(req, o),
        Route::Pools(o) => v2::pools::list(req, o),
        Route::Pool(p) => v2::pools::get(req, p),
        Route::CloudAccounts(o) => v2::accounts::cloud_accounts(req, o),
        Route::CleanExpenses(o) => v2::expenses::clean(req, o),
        Route::CloudResource(r) => v2::accounts::cloud_resource(req, r),
        Route::Constraints(o) => v2::constraints::list(req, o),
        Route::LimitHits(o) => v2::constraints::hits(req, o),
        Route::Employees(o) => v2::employees(req, o),
        Route::Expenses(o) => v3::expenses::expenses(req, o),
        Route::DimensionsQuery(o) => v3::expenses::dimensions_query(req, o),
        Route::Lookups(o) => v3::expenses::lookups(req, o),
        Route::Recommendations(o) => v3::recommendations::list_recommendations(req, o),
        Route::Scenarios(o) => v3::recommendations::scenarios(req, o),
        Route::AllocationMonth(o) => v3::allocation::month(req, o),
        Route::AllocationSummary(o) => v3::allocation::summary(req, o),
        Route::UnitEconomics(o) => v3::allocation::unit_economics(req, o),
        Route::NsmKeys(o) => v3::kpis::nsm_keys(req, o),
        Route::KpiDefinitions(o) => v3::kpis::definitions(req, o),
        Route::KpiSnapshots(o) => v3::kpis::snapshots(req, o),
        Route::KpiTimeSeries(o) => v3::kpis::time_series(req, o),
    }
}

/// Canonical hyphenated UUID (8-4-4-4-12 hex digits, either case).
pub fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}
