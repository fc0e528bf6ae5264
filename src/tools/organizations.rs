//! Organizations (tools.md section 5).

use serde::Deserialize;

use super::args::Reader;
use super::peek::{self, Count};
use super::schema as s;
use super::{Endpoint, Plan, Run, Subject, Tool};
use crate::api::ApiRequest;

pub const LIST_ORGANIZATIONS: Tool = Tool {
    name: "list_organizations",
    title: "List organizations",
    description: "Lists the DigiUsher organizations the signed-in user can access, with each one's id, name, currency and root pool id. Call it first whenever you do not know the organization_id; if there is more than one organization, ask the user which to use. Amounts from the /restapi/v2-based tools are in the organization's currency; pool_id is the organization's root pool for get_pool.",
    input_schema: || s::object(vec![], &[]),
    endpoint: Endpoint::Confirmed {
        subject: Subject::None,
    },
    narrow: "",
    suggestions: &[],
    run: Run::Single(list_organizations),
};

fn list_organizations(_: &mut Reader) -> Option<Plan> {
    Some(
        Plan::new(ApiRequest::get("/restapi/v2/organizations")).notes(|json| {
            #[derive(Deserialize)]
            struct Organizations {
                organizations: Option<Count>,
            }
            match peek::fields::<Organizations>(json) {
                Some(Organizations {
                    organizations: Some(Count(0)),
                }) => vec!["The signed-in user belongs to no DigiUsher organization; ask an administrator for an invitation.".into()],
                _ => Vec::new(),
            }
        }),
    )
}
