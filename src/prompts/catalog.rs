//! The prompts: names, arguments, and which text each one shows.

/// What an argument holds; decides its checks, its completions and the values it
/// gives the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An organization's name (or id).
    Organization,
    /// `YYYY-MM`.
    Month,
    /// A pool's name (or id) in the chosen organization.
    Pool,
    /// An anomaly detector's or policy's name (or id).
    Detector,
    /// `YYYY-MM-DD`.
    Date,
    /// A non-negative amount of money per month.
    Amount,
    /// A number of whole months, 1 to 24.
    Months,
}

pub struct Argument {
    pub name: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    pub required: bool,
    pub kind: Kind,
}

pub struct PromptDef {
    pub name: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    pub arguments: &'static [Argument],
    /// The text, from `prompts/<name>.md`.
    pub text: &'static str,
}

impl PromptDef {
    pub fn argument(&self, name: &str) -> Option<&'static Argument> {
        self.arguments.iter().find(|a| a.name == name)
    }
}

const ORGANIZATION: Argument = Argument {
    name: "organization",
    title: "Organization",
    description: "The DigiUsher organization's name, as in list_organizations (its id works too)",
    required: true,
    kind: Kind::Organization,
};

pub static PROMPTS: &[PromptDef] = &[
    PromptDef {
        name: "monthly_cost_review",
        title: "Monthly cost review",
        description: "Month-end FinOps review: spend against the previous period by service, data source and pool, the top movers, anomalies and policy violations, pool budgets and the three largest savings, ending with a summary and a table.",
        arguments: &[
            ORGANIZATION,
            Argument {
                name: "month",
                title: "Month",
                description: "The month to review, as YYYY-MM, e.g. 2025-05",
                required: true,
                kind: Kind::Month,
            },
        ],
        text: include_str!("../../prompts/monthly_cost_review.md"),
    },
    PromptDef {
        name: "find_savings",
        title: "Find savings",
        description: "Open savings recommendations by monthly saving, grouped by kind, with effort and risk notes and the owners of the resources.",
        arguments: &[
            ORGANIZATION,
            Argument {
                name: "min_monthly_saving",
                title: "Minimum monthly saving",
                description: "Leave out recommendations that save less than this per month, in the organization's currency, e.g. 50",
                required: false,
                kind: Kind::Amount,
            },
        ],
        text: include_str!("../../prompts/find_savings.md"),
    },
    PromptDef {
        name: "explain_anomaly",
        title: "Explain an anomaly",
        description: "What a cost anomaly detector or policy caught and when, and which services, pools and resources drove it against the baseline.",
        arguments: &[
            ORGANIZATION,
            Argument {
                name: "detector",
                title: "Detector or policy",
                description: "The anomaly detector's or policy's name (or id); without it, the latest violation",
                required: false,
                kind: Kind::Detector,
            },
            Argument {
                name: "date",
                title: "Date",
                description: "The day of the anomaly, as YYYY-MM-DD (UTC); default yesterday",
                required: false,
                kind: Kind::Date,
            },
        ],
        text: include_str!("../../prompts/explain_anomaly.md"),
    },
    PromptDef {
        name: "budget_health",
        title: "Budget health",
        description: "Pools over their monthly limit or forecast to go over it, with spend, forecast, owners and where the money goes.",
        arguments: &[
            ORGANIZATION,
            Argument {
                name: "pool",
                title: "Pool",
                description: "Only this pool and the pools below it (its name or id); default the whole organization",
                required: false,
                kind: Kind::Pool,
            },
        ],
        text: include_str!("../../prompts/budget_health.md"),
    },
    PromptDef {
        name: "unit_economics_trend",
        title: "Unit economics trend",
        description: "Cost per North Star Metric unit month by month, and whether cost or usage moved it.",
        arguments: &[
            ORGANIZATION,
            Argument {
                name: "months",
                title: "Months",
                description: "How many whole months to cover, ending last month: 1 to 24, default 6",
                required: false,
                kind: Kind::Months,
            },
        ],
        text: include_str!("../../prompts/unit_economics_trend.md"),
    },
];

pub fn find(name: &str) -> Option<&'static PromptDef> {
    PROMPTS.iter().find(|p| p.name == name)
}
