//! The integration tests, one binary with a module per area (as ripgrep's
//! tests/tests.rs): it links once instead of once per file. Each module drives the
//! real `digiusher-mcp` binary; `common` holds the shared harness.

mod common;

mod api_faults;
mod auth_flow;
mod cli_setup;
mod composite_tools;
mod doctor;
mod external_clients;
mod host_sign_in;
mod hostile_provider;
mod layers;
mod loopback_hardening;
mod mcp_server;
mod prompts;
mod protocol_hardening;
mod real_hosts;
mod self_update;
mod store_hardening;
mod terminal_output;
mod tool_requests;
mod tool_validation;
