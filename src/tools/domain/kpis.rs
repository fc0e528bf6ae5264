//! KPIs and North Star Metrics: the organization's own measures of cloud use.

use crate::api::ApiRequest;
use crate::tools::core::{Endpoint, Plan, Run, Subject, Tool};
use crate::tools::input::vocab::{self, END_DATE, KPI_IDS, ORGANIZATION, START_DATE};
use crate::tools::input::{Choices, Day, Input, Reader};

const CONFIRMED: Endpoint = Endpoint::Confirmed {
    subject: Subject::Organization,
};

const KPIS: Input<Choices> = Input::optional(
    "kpi_ids",
    Choices(KPI_IDS),
    "KPIs to return (all when omitted).",
);
const DATE: Input<Day> = Input::optional(
    "date",
    Day,
    "Date of the values, YYYY-MM-DD; the latest when omitted.",
);

pub const LIST_NSM_KEYS: Tool = Tool {
    name: "list_nsm_keys",
    title: "List North Star Metric keys",
    description: "Lists the organization's North Star Metric keys (id, name, granularity, allowed dimensions): the business metrics unit economics divide cost by. Call it before get_unit_economics_for_cost_pools or the unit-economics options of get_cost_allocation_summary.",
    inputs: &[&ORGANIZATION],
    endpoint: CONFIRMED,
    narrow: "",
    suggestions: &[],
    run: Run::Single(list_nsm_keys),
};

fn list_nsm_keys(a: &mut Reader) -> Option<Plan> {
    let org = ORGANIZATION.read(a)?;
    Some(Plan::new(ApiRequest::get(format!(
        "/api/v3/organizations/{org}/metrics/nsm-keys"
    ))))
}

pub const LIST_KPI_DEFINITIONS: Tool = Tool {
    name: "list_kpi_definitions",
    title: "List KPI definitions",
    description: "Lists the FinOps KPIs DigiUsher tracks: id, name, description, unit (percent or currency), category, favourable direction and formula. Call it before list_kpis or get_kpis_time_series to know what a KPI means.",
    inputs: &[&ORGANIZATION],
    endpoint: CONFIRMED,
    narrow: "",
    suggestions: &[],
    run: Run::Single(list_kpi_definitions),
};

fn list_kpi_definitions(a: &mut Reader) -> Option<Plan> {
    let org = ORGANIZATION.read(a)?;
    Some(Plan::new(ApiRequest::get(format!(
        "/api/v3/organizations/{org}/kpis/definitions"
    ))))
}

pub const LIST_KPIS: Tool = Tool {
    name: "list_kpis",
    title: "KPI values on one date",
    description: "Returns KPI values (effective savings rate, compute commitment coverage, allocation accuracy index) for one date, or the latest available values when no date is given. For trends over time use get_kpis_time_series.",
    inputs: &[&ORGANIZATION, &DATE, &KPIS],
    endpoint: CONFIRMED,
    narrow: "",
    suggestions: &[("kpi_id", "kpi_ids"), ("kpis", "kpi_ids")],
    run: Run::Single(list_kpis),
};

fn list_kpis(a: &mut Reader) -> Option<Plan> {
    let org = ORGANIZATION.read(a);
    let date = DATE.read(a);
    let ids = KPIS.read(a);
    Some(Plan::new(
        ApiRequest::get(format!("/api/v3/organizations/{}/kpis/snapshots", org?))
            .opt_param("date", date.map(|d| d.to_string()))
            .params("kpi_ids", ids.unwrap_or_default()),
    ))
}

pub const GET_KPIS_TIME_SERIES: Tool = Tool {
    name: "get_kpis_time_series",
    title: "KPI time series",
    description: "Returns the values of one or more KPIs over a date range, one series per KPI, for trend questions such as \"has our commitment coverage improved this quarter?\". Call list_kpi_definitions first if you need to explain what a KPI measures.",
    inputs: &[&ORGANIZATION, &START_DATE, &END_DATE, &KPIS],
    endpoint: CONFIRMED,
    narrow: "Shorten the date range or ask for fewer kpi_ids.",
    suggestions: &[("kpi_id", "kpi_ids"), ("kpis", "kpi_ids")],
    run: Run::Single(get_kpis_time_series),
};

fn get_kpis_time_series(a: &mut Reader) -> Option<Plan> {
    let org = ORGANIZATION.read(a);
    let range = vocab::date_range(a);
    let ids = KPIS.read(a);
    let (start, end) = range?;
    Some(Plan::new(
        ApiRequest::get(format!("/api/v3/organizations/{}/kpis/time-series", org?))
            .param("start_date", start.to_string())
            .param("end_date", end.to_string())
            .params("kpi_ids", ids.unwrap_or_default()),
    ))
}
