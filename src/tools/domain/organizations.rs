//! Organizations: the first call, since every other tool needs an organization id.

use serde::Deserialize;

use crate::api::ApiRequest;
use crate::tools::core::{Endpoint, Plan, Run, Subject, Tool};
use crate::tools::input::Reader;
use crate::tools::peek::{self, Count};

pub const LIST_ORGANIZATIONS: Tool = Tool {
    name: "list_organizations",
    title: "List organizations",
    description: "Lists the DigiUsher organizations the user can access, with id, name, currency and root pool id. Call it first when you do not know the organization_id; if there are several, ask the user which. Amounts of the /restapi/v2 tools are in the organization's currency; pool_id is the root pool for get_pool.",
    inputs: &[],
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
