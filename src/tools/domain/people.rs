//! People: the organization's employees, who own resources and pools.

use crate::api::ApiRequest;
use crate::tools::core::{Endpoint, Plan, Run, Subject, Tool};
use crate::tools::input::vocab::ORGANIZATION;
use crate::tools::input::{Bool, Input, Or, Reader};

const ROLES: Input<Bool, Or<bool>> =
    Input::optional("include_roles", Bool, "Include email and role assignments.").or(true);
const CURRENT_ONLY: Input<Bool, Or<bool>> = Input::optional(
    "current_user_only",
    Bool,
    "Only the signed-in user's own employee record.",
)
.or(false);

pub const LIST_EMPLOYEES: Tool = Tool {
    name: "list_employees",
    title: "List people in the organization",
    description: "Lists the organization's members: employee id, name and, with roles, email and manager, engineer or member assignments. Use it to turn owner or employee ids into names, or with current_user_only to find the signed-in user's employee id.",
    inputs: &[&ORGANIZATION, &ROLES, &CURRENT_ONLY],
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
    let org = ORGANIZATION.read(a);
    let roles = ROLES.read(a);
    let current = CURRENT_ONLY.read(a);
    Some(Plan::new(
        ApiRequest::get(format!("/restapi/v2/organizations/{}/employees", org?))
            .param("roles", roles.to_string())
            .param("current_only", current.to_string()),
    ))
}
