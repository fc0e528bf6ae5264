//! People: the organization's employees, who own resources and pools.

use crate::api::ApiRequest;
use crate::tools::core::{Endpoint, Plan, Run, Subject, Tool};
use crate::tools::input::args::{Reader, boolean};
use crate::tools::input::schema as s;
use crate::tools::input::vocab::{organization_id, organization_id_schema};

pub const LIST_EMPLOYEES: Tool = Tool {
    name: "list_employees",
    title: "List people in the organization",
    description: "Lists the organization's members: employee id, name and, with roles, email and manager, engineer or member assignments. Use it to turn owner or employee ids into names, or with current_user_only to find the signed-in user's employee id.",
    input_schema: || {
        s::object(
            vec![
                ("organization_id", organization_id_schema()),
                (
                    "include_roles",
                    s::boolean("Include email and role assignments.", Some(true)),
                ),
                (
                    "current_user_only",
                    s::boolean(
                        "Only the signed-in user's own employee record.",
                        Some(false),
                    ),
                ),
            ],
            &["organization_id"],
        )
    },
    endpoint: Endpoint::Inferred {
        route: "GET /restapi/v2/organizations/{organization_id}/employees",
        alternative: "People are not available on this deployment.",
        subject: Subject::Organization,
    },
    narrow: "Set include_roles to false.",
    suggestions: &[
        ("roles", "include_roles"),
        ("current_only", "current_user_only"),
    ],
    run: Run::Single(list_employees),
};

fn list_employees(a: &mut Reader) -> Option<Plan> {
    let org = organization_id(a);
    let roles = a.optional("include_roles", boolean()).unwrap_or(true);
    let current = a.optional("current_user_only", boolean()).unwrap_or(false);
    Some(Plan::new(
        ApiRequest::get(format!("/restapi/v2/organizations/{}/employees", org?))
            .param("roles", roles.to_string())
            .param("current_only", current.to_string()),
    ))
}
