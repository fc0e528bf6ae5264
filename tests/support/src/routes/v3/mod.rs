//! DigiUsher `/api/v3` routes (FastAPI-style errors). Envelopes are the assumed
//! ones of tools.md sections 6–9.

pub mod allocation;
pub mod expenses;
pub mod kpis;
pub mod recommendations;
pub mod validate;

use serde_json::{Value, json};

use super::{Req, is_uuid};
use crate::errors::Reply;
use crate::fixtures::{Line, Org};

/// A non-UUID organization id is a 422 path error (FastAPI parses it as a UUID).
pub fn check_path_uuid(name: &str, value: &str, errs: &mut Vec<Value>) {
    if !is_uuid(value) {
        validate::push(
            errs,
            &[json!("path"), json!(name)],
            "Input should be a valid UUID",
            "uuid_parsing",
            Some(&json!(value)),
        );
    }
}

/// The organization, if it exists and the caller is a member.
pub fn org_access<'a>(req: &Req<'a>, org_id: &str) -> Result<&'a Org, Reply> {
    let fx = &req.world.fx;
    let Some(org) = fx.org(org_id) else {
        return Err(Reply::detail(404, "Organization not found"));
    };
    if fx.membership(org.key, req.user).is_none() {
        return Err(Reply::detail(403, "Not a member of this organization"));
    }
    Ok(org)
}

/// The standard dimensions of tools.md 3.1.
pub const STANDARD_DIMENSIONS: [&str; 22] = [
    "service_name",
    "service_category",
    "resource_type",
    "resource_id",
    "region_id",
    "network_from",
    "network_to",
    "data_source_id",
    "provider",
    "publisher",
    "charge_category",
    "pricing_category",
    "license_model",
    "sku_name",
    "invoice_id",
    "invoice_issuer",
    "commitment_discount_type",
    "commitment_discount_category",
    "commitment_discount_id",
    "consumed_unit",
    "pool_id",
    "rule_id",
];

/// The value filters of tools.md 3.2 (no `rule_id`, plus `sku_id`).
pub const VALUE_FILTERS: [&str; 22] = [
    "service_name",
    "service_category",
    "resource_type",
    "resource_id",
    "region_id",
    "network_from",
    "network_to",
    "data_source_id",
    "provider",
    "publisher",
    "pool_id",
    "charge_category",
    "pricing_category",
    "license_model",
    "sku_name",
    "sku_id",
    "invoice_id",
    "invoice_issuer",
    "commitment_discount_type",
    "commitment_discount_category",
    "commitment_discount_id",
    "consumed_unit",
];

pub const METRICS: [&str; 4] = [
    "billed_cost",
    "effective_cost",
    "list_cost",
    "consumed_quantity",
];

/// A line's value of a dimension (or of the `sku_id` filter key). `resource_id` is
/// the cloud provider's id (FOCUS ResourceId); Kubernetes has no invoice.
pub fn dim_value(w: &crate::generator::World, l: &Line, dim: &str) -> Option<String> {
    let provider = w.fx.data_source(&l.ds).map(|d| d.provider);
    let s: Option<&str> = match dim {
        "service_name" => Some(l.service),
        "service_category" => Some(l.service_category),
        "resource_type" => Some(l.rtype),
        "resource_id" => Some(l.cloud_id),
        "region_id" => Some(l.region),
        "network_from" => l.network.map(|n| n.0),
        "network_to" => l.network.map(|n| n.1),
        "data_source_id" => Some(&l.ds),
        "provider" => provider,
        "publisher" => Some(l.publisher),
        "charge_category" => Some("Usage"),
        "pricing_category" => Some(l.pricing_category),
        "license_model" => Some(l.license_model),
        "sku_name" => Some(l.sku_name),
        "sku_id" => Some(l.sku_id),
        "invoice_id" => l.invoice_id,
        "invoice_issuer" => l.invoice_issuer,
        "commitment_discount_type" => l.commitment.map(|c| c.0),
        "commitment_discount_category" => l.commitment.map(|c| c.1),
        "commitment_discount_id" => l.commitment.map(|c| c.2),
        "consumed_unit" => Some(l.consumed_unit()),
        "pool_id" => Some(&l.pool),
        "rule_id" => Some(&l.rule),
        _ => None,
    };
    s.map(String::from)
}

/// Distinct values of a dimension in an organization's cost data, sorted.
pub fn dim_values(w: &crate::generator::World, org: char, dim: &str) -> Vec<String> {
    if w.last_day < w.first_day {
        return Vec::new();
    }
    let mut v: Vec<String> =
        w.fx.org_lines(org)
            .filter_map(|l| dim_value(w, l, dim))
            .collect();
    v.sort();
    v.dedup();
    v
}

/// The 181 ISO 4217 codes of tools.md 3.4.
pub const CURRENCIES: [&str; 181] = [
    "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT",
    "BGN", "BHD", "BIF", "BMD", "BND", "BOB", "BOV", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD",
    "CAD", "CDF", "CHE", "CHF", "CHW", "CLF", "CLP", "CNY", "COP", "COU", "CRC", "CUC", "CUP",
    "CVE", "CZK", "DJF", "DKK", "DOP", "DZD", "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP",
    "GEL", "GHS", "GIP", "GMD", "GNF", "GTQ", "GYD", "HKD", "HNL", "HRK", "HTG", "HUF", "IDR",
    "ILS", "INR", "IQD", "IRR", "ISK", "JMD", "JOD", "JPY", "KES", "KGS", "KHR", "KMF", "KPW",
    "KRW", "KWD", "KYD", "KZT", "LAK", "LBP", "LKR", "LRD", "LSL", "LYD", "MAD", "MDL", "MGA",
    "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR", "MWK", "MXN", "MXV", "MYR", "MZN", "NAD",
    "NGN", "NIO", "NOK", "NPR", "NZD", "OMR", "PAB", "PEN", "PGK", "PHP", "PKR", "PLN", "PYG",
    "QAR", "RON", "RSD", "RUB", "RWF", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD", "SHP", "SLE",
    "SLL", "SOS", "SRD", "SSP", "STN", "SVC", "SYP", "SZL", "THB", "TJS", "TMT", "TND", "TOP",
    "TRY", "TTD", "TWD", "TZS", "UAH", "UGX", "USD", "USN", "UYI", "UYU", "UYW", "UZS", "VED",
    "VES", "VND", "VUV", "WST", "XAF", "XAG", "XAU", "XBA", "XBB", "XBC", "XBD", "XCD", "XDR",
    "XOF", "XPD", "XPF", "XPT", "XSU", "XTS", "XUA", "XXX", "YER", "ZAR", "ZMW", "ZWL",
];

/// Units of a currency per US dollar (tools.md 14.3, assumed): USD 1, EUR 0.9,
/// GBP 0.8, JPY 150, anything else 1.
pub fn rate(code: &str) -> f64 {
    match code {
        "EUR" => 0.9,
        "GBP" => 0.8,
        "JPY" => 150.0,
        _ => 1.0,
    }
}
