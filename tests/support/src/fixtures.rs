//! The fixture world of tools.md 14.3: four organizations, their pools, data sources,
//! employees, the eight cost lines (one resource each), recommendations, scenarios,
//! optimizations, constraints and the NSM key.
//!
//! Identifiers follow the readable scheme of 14.3: first hex digit = organization
//! (`a`..`d`), second = kind, last group = serial. One kind is added to 14.3's list:
//! `b` = the assignment rule that puts a resource in its pool (`ab…01` "Platform
//! resources"). Snapshots of the `obsolete_snapshots` optimization use resource ids
//! `a4…11` and `a4…12`, which are not cost lines (get_resource answers 404 for them).
//!
//! Values that 14.3 does not give are chosen here and listed in each line's comment:
//! service categories, SKUs, publishers, invoice ids, commitment fields and the
//! network dimensions.

/// An id in the 14.3 scheme: `{org}{kind}000000-0000-4000-8000-{serial}`.
pub fn id(org: char, kind: char, serial: &str) -> String {
    format!("{org}{kind}000000-0000-4000-8000-{serial:0>12}")
}

pub const NIL_UUID: &str = "00000000-0000-0000-0000-000000000000";

/// Unix seconds of 2024-01-01, the `created_at` of every fixture object.
pub const CREATED_AT: i64 = 1_704_067_200;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Manager,
    Engineer,
    Member,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::Manager => "Manager",
            Role::Engineer => "Engineer",
            Role::Member => "Member",
        }
    }
    pub fn purpose(self) -> &'static str {
        match self {
            Role::Manager => "optscale_manager",
            Role::Engineer => "optscale_engineer",
            Role::Member => "optscale_member",
        }
    }
}

pub struct Org {
    pub key: char,
    pub id: String,
    pub name: &'static str,
    pub currency: &'static str,
    pub root_pool: String,
}

pub struct Employee {
    pub id: String,
    pub org: char,
    pub name: &'static str,
    /// OIDC subject of the user; `None` for an employee who never signed in.
    pub user: Option<&'static str>,
    pub email: &'static str,
    pub role: Role,
    /// The pool an engineer is assigned to; the organization otherwise.
    pub scope_pool: Option<String>,
    pub assignment_id: String,
    /// Seconds before "now" of the last sign-in; 0 = never.
    pub last_login_ago: i64,
}

pub struct Policy {
    pub id: String,
    pub pool_id: String,
    pub kind: &'static str,
    pub limit: i64,
}

pub struct Pool {
    pub id: String,
    pub org: char,
    pub name: &'static str,
    pub purpose: &'static str,
    pub limit: i64,
    pub parent: Option<String>,
    pub default_owner: String,
    pub policies: Vec<Policy>,
}

pub struct DataSource {
    pub id: String,
    pub org: char,
    pub name: &'static str,
    pub kind: &'static str,
    pub provider: &'static str,
    pub account_id: &'static str,
    pub config: &'static [(&'static str, &'static str)],
    pub import_error: Option<&'static str>,
}

/// The assignment rule that puts a line's resource into its pool.
pub struct Rule {
    pub id: String,
    pub name: &'static str,
    pub pool_id: String,
}

/// One cost line of 14.3 = one resource with a daily cost.
pub struct Line {
    pub n: u32,
    pub org: char,
    pub ds: String,
    pub service: &'static str,
    pub service_category: &'static str,
    pub region: &'static str,
    pub name: &'static str,
    pub rtype: &'static str,
    pub pool: String,
    pub owner: Option<String>,
    pub tags: &'static [(&'static str, &'static str)],
    /// Daily cost in the organization's currency.
    pub base: i64,
    /// DigiUsher (OptScale) resource id, `a4…0N`.
    pub resource_id: String,
    /// The cloud provider's id; also the v3 `resource_id` dimension (FOCUS ResourceId).
    pub cloud_id: &'static str,
    pub sku_name: &'static str,
    pub sku_id: &'static str,
    pub publisher: &'static str,
    pub invoice_issuer: Option<&'static str>,
    pub invoice_id: Option<&'static str>,
    pub pricing_category: &'static str,
    pub license_model: &'static str,
    pub commitment: Option<(&'static str, &'static str, &'static str)>,
    pub network: Option<(&'static str, &'static str)>,
    pub rule: String,
    pub meta: &'static [(&'static str, &'static str)],
    pub k8s: Option<(&'static str, &'static str, &'static str)>,
    pub console_link: Option<&'static str>,
}

impl Line {
    /// Instances and pods bill hours (24 a day); volumes and buckets a GB-month figure.
    pub fn hourly(&self) -> bool {
        self.rtype.contains("Instance") || self.rtype.contains("Pod")
    }
    pub fn consumed_unit(&self) -> &'static str {
        if self.hourly() { "Hours" } else { "GB-Month" }
    }
    pub fn consumed_quantity(&self) -> f64 {
        if self.hourly() { 24.0 } else { 100.0 }
    }
    pub fn tag(&self, key: &str) -> Option<&'static str> {
        self.tags.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
    }
}

pub struct Recommendation {
    pub id: String,
    pub org: char,
    pub scenario_id: &'static str,
    pub tags: &'static [&'static str],
    pub status: &'static str,
    pub severity: &'static str,
    pub line: u32,
    pub resource_type: &'static str,
    pub current: f64,
    pub target: f64,
    pub evidence: &'static [(&'static str, f64)],
    pub assignee: Option<String>,
    pub created_at: &'static str,
}

pub struct Scenario {
    pub id: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    pub severity: &'static str,
    pub resource_type: &'static str,
    pub cloud_provider: &'static str,
    pub tags: &'static [&'static str],
    /// (threshold_id, name, default, unit)
    pub thresholds: &'static [(&'static str, &'static str, f64, &'static str)],
}

pub struct OptimizationItem {
    pub module: &'static str,
    pub cloud_resource_id: &'static str,
    pub resource_name: &'static str,
    pub resource_id: String,
    pub ds: String,
    pub region: &'static str,
    pub saving: f64,
    /// Pool of the resource, when it is one of the cost lines.
    pub line: Option<u32>,
}

pub struct Constraint {
    pub id: String,
    pub org: char,
    pub name: &'static str,
    pub kind: &'static str,
}

pub struct NsmKey {
    pub id: String,
    pub org: char,
    pub name: &'static str,
    pub pool_id: String,
}

pub struct Fixtures {
    pub orgs: Vec<Org>,
    pub employees: Vec<Employee>,
    pub pools: Vec<Pool>,
    pub data_sources: Vec<DataSource>,
    pub rules: Vec<Rule>,
    pub lines: Vec<Line>,
    pub recommendations: Vec<Recommendation>,
    pub scenarios: Vec<Scenario>,
    pub optimizations: Vec<OptimizationItem>,
    pub constraints: Vec<Constraint>,
    pub nsm_keys: Vec<NsmKey>,
}

fn pool(
    org: char,
    serial: &str,
    name: &'static str,
    purpose: &'static str,
    limit: i64,
    parent: Option<&str>,
    owner: &str,
) -> Pool {
    Pool {
        id: id(org, '1', serial),
        org,
        name,
        purpose,
        limit,
        parent: parent.map(|p| id(org, '1', p)),
        default_owner: id(org, '3', owner),
        policies: Vec::new(),
    }
}

#[allow(clippy::too_many_arguments)]
fn employee(
    org: char,
    serial: &str,
    name: &'static str,
    user: Option<&'static str>,
    email: &'static str,
    role: Role,
    scope_pool: Option<&str>,
    last_login_ago: i64,
) -> Employee {
    Employee {
        id: id(org, '3', serial),
        org,
        name,
        user,
        email,
        role,
        scope_pool: scope_pool.map(|p| id(org, '1', p)),
        assignment_id: id(org, '3', &format!("a{serial}")),
        last_login_ago,
    }
}

impl Fixtures {
    pub fn build() -> Fixtures {
        let orgs = vec![
            Org {
                key: 'a',
                id: id('a', '0', "1"),
                name: "Acme Corp",
                currency: "USD",
                root_pool: id('a', '1', "1"),
            },
            Org {
                key: 'b',
                id: id('b', '0', "1"),
                name: "Beta Labs",
                currency: "EUR",
                root_pool: id('b', '1', "1"),
            },
            Org {
                key: 'c',
                id: id('c', '0', "1"),
                name: "Gamma Private",
                currency: "USD",
                root_pool: id('c', '1', "1"),
            },
            Org {
                key: 'd',
                id: id('d', '0', "1"),
                name: "Delta Empty",
                currency: "GBP",
                root_pool: id('d', '1', "1"),
            },
        ];
        let employees = vec![
            employee(
                'a',
                "1",
                "Alice Adams",
                Some("alice"),
                "alice@example.com",
                Role::Manager,
                None,
                88_800,
            ),
            employee(
                'a',
                "2",
                "Dave Davis",
                None,
                "dave@example.com",
                Role::Member,
                None,
                0,
            ),
            employee(
                'b',
                "1",
                "Alice Adams",
                Some("alice"),
                "alice@example.com",
                Role::Member,
                None,
                88_800,
            ),
            employee(
                'b',
                "2",
                "Bob Brown",
                Some("bob"),
                "bob@example.com",
                Role::Engineer,
                Some("2"),
                90_000,
            ),
            employee(
                'c',
                "1",
                "Carol Clark",
                Some("carol"),
                "carol@example.com",
                Role::Manager,
                None,
                100_000,
            ),
            employee(
                'd',
                "1",
                "Bob Brown",
                Some("bob"),
                "bob@example.com",
                Role::Manager,
                None,
                90_000,
            ),
        ];
        let mut pools = vec![
            pool('a', "1", "Acme Corp", "business_unit", 50_000, None, "1"),
            pool('a', "2", "Engineering", "team", 30_000, Some("1"), "1"),
            pool('a', "3", "Platform", "project", 12_000, Some("2"), "1"),
            pool(
                'a',
                "4",
                "Marketing",
                "business_unit",
                8_000,
                Some("1"),
                "2",
            ),
            pool('b', "1", "Beta Labs", "business_unit", 20_000, None, "2"),
            pool('b', "2", "Data Science", "project", 15_000, Some("1"), "2"),
            pool(
                'c',
                "1",
                "Gamma Private",
                "business_unit",
                10_000,
                None,
                "1",
            ),
            pool('d', "1", "Delta Empty", "business_unit", 5_000, None, "1"),
        ];
        pools[1].policies.push(Policy {
            id: id('a', '1', "f1"),
            pool_id: id('a', '1', "2"),
            kind: "total_expense_limit",
            limit: 400,
        });
        let data_sources = vec![
            DataSource {
                id: id('a', '2', "1"),
                org: 'a',
                name: "AWS Production",
                kind: "aws_cnr",
                provider: "AWS",
                account_id: "123456789012",
                config: &[("bucket_name", "acme-cur"), ("report_name", "acme")],
                import_error: None,
            },
            DataSource {
                id: id('a', '2', "2"),
                org: 'a',
                name: "Azure Sandbox",
                kind: "azure_cnr",
                provider: "Microsoft",
                account_id: "5b7c2a1e-3f4d-4e5a-9b8c-1d2e3f4a5b6c",
                config: &[
                    ("subscription_id", "5b7c2a1e-3f4d-4e5a-9b8c-1d2e3f4a5b6c"),
                    ("tenant", "acme.onmicrosoft.com"),
                ],
                import_error: Some("Storage account acmebilling: access denied"),
            },
            DataSource {
                id: id('a', '2', "3"),
                org: 'a',
                name: "GKE Cluster",
                kind: "kubernetes_cnr",
                provider: "Kubernetes",
                account_id: "gke-acme-prod",
                config: &[
                    ("url", "https://k8s.acme.example.com"),
                    ("user", "optscale"),
                ],
                import_error: None,
            },
            DataSource {
                id: id('b', '2', "1"),
                org: 'b',
                name: "GCP Main",
                kind: "gcp_cnr",
                provider: "Google Cloud",
                account_id: "beta-main",
                config: &[
                    ("billing_data_dataset", "billing"),
                    ("billing_data_table", "gcp_billing_export"),
                ],
                import_error: None,
            },
            DataSource {
                id: id('c', '2', "1"),
                org: 'c',
                name: "Gamma AWS",
                kind: "aws_cnr",
                provider: "AWS",
                account_id: "210987654321",
                config: &[("bucket_name", "gamma-cur"), ("report_name", "gamma")],
                import_error: None,
            },
        ];
        let rules = vec![
            Rule {
                id: id('a', 'b', "1"),
                name: "Platform resources",
                pool_id: id('a', '1', "3"),
            },
            Rule {
                id: id('a', 'b', "2"),
                name: "Engineering resources",
                pool_id: id('a', '1', "2"),
            },
            Rule {
                id: id('a', 'b', "3"),
                name: "Marketing resources",
                pool_id: id('a', '1', "4"),
            },
            Rule {
                id: id('b', 'b', "1"),
                name: "Data Science resources",
                pool_id: id('b', '1', "2"),
            },
        ];
        let lines = build_lines();
        let recommendations = build_recommendations();
        let optimizations = vec![
            OptimizationItem {
                module: "rightsizing_instances",
                cloud_resource_id: "i-0a1b2c3d4e5f60001",
                resource_name: "web-1",
                resource_id: id('a', '4', "1"),
                ds: id('a', '2', "1"),
                region: "us-east-1",
                saving: 420.5,
                line: Some(1),
            },
            OptimizationItem {
                module: "obsolete_snapshots",
                cloud_resource_id: "snap-0a1b2c3d4e5f60011",
                resource_name: "web-1-nightly",
                resource_id: id('a', '4', "11"),
                ds: id('a', '2', "1"),
                region: "us-east-1",
                saving: 50.0,
                line: None,
            },
            OptimizationItem {
                module: "obsolete_snapshots",
                cloud_resource_id: "snap-0a1b2c3d4e5f60012",
                resource_name: "orders-db-weekly",
                resource_id: id('a', '4', "12"),
                ds: id('a', '2', "1"),
                region: "us-east-1",
                saving: 50.0,
                line: None,
            },
        ];
        let constraints = vec![
            Constraint {
                id: id('a', '5', "1"),
                org: 'a',
                name: "Daily cost anomaly",
                kind: "expense_anomaly",
            },
            Constraint {
                id: id('a', '5', "2"),
                org: 'a',
                name: "Resource count anomaly",
                kind: "resource_count_anomaly",
            },
            Constraint {
                id: id('a', '5', "3"),
                org: 'a',
                name: "Engineering monthly budget",
                kind: "recurring_budget",
            },
            Constraint {
                id: id('a', '5', "4"),
                org: 'a',
                name: "Require Environment tag",
                kind: "tagging_policy",
            },
            Constraint {
                id: id('b', '5', "1"),
                org: 'b',
                name: "Daily cost anomaly",
                kind: "expense_anomaly",
            },
        ];
        let nsm_keys = vec![NsmKey {
            id: id('a', '7', "1"),
            org: 'a',
            name: "API requests",
            pool_id: id('a', '1', "3"),
        }];
        Fixtures {
            orgs,
            employees,
            pools,
            data_sources,
            rules,
            lines,
            recommendations,
            scenarios: build_scenarios(),
            optimizations,
            constraints,
            nsm_keys,
        }
    }

    pub fn org(&self, id: &str) -> Option<&Org> {
        self.orgs.iter().find(|o| o.id.eq_ignore_ascii_case(id))
    }
    pub fn org_by_key(&self, key: char) -> &Org {
        self.orgs
            .iter()
            .find(|o| o.key == key)
            .unwrap_or(&self.orgs[0])
    }
    /// The caller's employee record in an organization, if they are a member.
    pub fn membership(&self, org: char, user: &str) -> Option<&Employee> {
        self.employees
            .iter()
            .find(|e| e.org == org && e.user == Some(user))
    }
    pub fn employee(&self, id: &str) -> Option<&Employee> {
        self.employees
            .iter()
            .find(|e| e.id.eq_ignore_ascii_case(id))
    }
    pub fn pool(&self, id: &str) -> Option<&Pool> {
        self.pools.iter().find(|p| p.id.eq_ignore_ascii_case(id))
    }
    pub fn data_source(&self, id: &str) -> Option<&DataSource> {
        self.data_sources
            .iter()
            .find(|d| d.id.eq_ignore_ascii_case(id))
    }
    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }
    pub fn line(&self, n: u32) -> Option<&Line> {
        self.lines.iter().find(|l| l.n == n)
    }
    pub fn org_pools(&self, org: char) -> impl Iterator<Item = &Pool> {
        self.pools.iter().filter(move |p| p.org == org)
    }
    pub fn org_lines(&self, org: char) -> impl Iterator<Item = &Line> {
        self.lines.iter().filter(move |l| l.org == org)
    }
    pub fn org_data_sources(&self, org: char) -> impl Iterator<Item = &DataSource> {
        self.data_sources.iter().filter(move |d| d.org == org)
    }
    /// The pool and every pool below it.
    pub fn subtree(&self, pool_id: &str) -> Vec<&Pool> {
        let mut out: Vec<&Pool> = Vec::new();
        if let Some(p) = self.pool(pool_id) {
            out.push(p);
            let mut i = 0;
            while i < out.len() {
                let cur = out[i].id.clone();
                for c in self
                    .pools
                    .iter()
                    .filter(|c| c.parent.as_deref() == Some(cur.as_str()))
                {
                    out.push(c);
                }
                i += 1;
            }
        }
        out
    }
    /// "Root->Team->Project".
    pub fn full_name(&self, pool: &Pool) -> String {
        let mut names = vec![pool.name];
        let mut cur = pool.parent.as_deref();
        while let Some(pid) = cur {
            match self.pool(pid) {
                Some(p) => {
                    names.push(p.name);
                    cur = p.parent.as_deref();
                }
                None => break,
            }
        }
        names.reverse();
        names.join("->")
    }
}

fn build_lines() -> Vec<Line> {
    let a = |k: char, s: &str| id('a', k, s);
    let b = |k: char, s: &str| id('b', k, s);
    vec![
        // 1: covered by a savings plan (pricing "Committed", effective = 0.9 x billed).
        Line {
            n: 1,
            org: 'a',
            ds: a('2', "1"),
            service: "AmazonEC2",
            service_category: "Compute",
            region: "us-east-1",
            name: "web-1",
            rtype: "Instance",
            pool: a('1', "3"),
            owner: Some(a('3', "1")),
            tags: &[("Environment", "prod"), ("Team", "platform")],
            base: 95,
            resource_id: a('4', "1"),
            cloud_id: "i-0a1b2c3d4e5f60001",
            sku_name: "m5.2xlarge",
            sku_id: "SKU-EC2-M5-2XL",
            publisher: "Amazon Web Services, Inc.",
            invoice_issuer: Some("Amazon Web Services, Inc."),
            invoice_id: Some("INV-AWS-123456789012"),
            pricing_category: "Committed",
            license_model: "No License Required",
            commitment: Some((
                "Savings Plan",
                "Spend",
                "arn:aws:savingsplans::123456789012:savingsplan/sp-0a1b2c3d0001",
            )),
            network: None,
            rule: a('b', "1"),
            meta: &[("flavor", "m5.2xlarge")],
            k8s: None,
            console_link: Some(
                "https://console.aws.amazon.com/ec2/v2/home?region=us-east-1#InstanceDetails:instanceId=i-0a1b2c3d4e5f60001",
            ),
        },
        Line {
            n: 2,
            org: 'a',
            ds: a('2', "1"),
            service: "AmazonEC2",
            service_category: "Compute",
            region: "us-east-1",
            name: "data-vol",
            rtype: "Volume",
            pool: a('1', "3"),
            owner: Some(a('3', "1")),
            tags: &[("Environment", "prod")],
            base: 12,
            resource_id: a('4', "2"),
            cloud_id: "vol-0a1b2c3d4e5f60002",
            sku_name: "gp3",
            sku_id: "SKU-EBS-GP3",
            publisher: "Amazon Web Services, Inc.",
            invoice_issuer: Some("Amazon Web Services, Inc."),
            invoice_id: Some("INV-AWS-123456789012"),
            pricing_category: "On-Demand",
            license_model: "No License Required",
            commitment: None,
            network: None,
            rule: a('b', "1"),
            meta: &[
                ("size", "100"),
                ("volume_type", "gp3"),
                ("attached", "false"),
            ],
            k8s: None,
            console_link: None,
        },
        Line {
            n: 3,
            org: 'a',
            ds: a('2', "1"),
            service: "AmazonRDS",
            service_category: "Databases",
            region: "us-east-1",
            name: "orders-db",
            rtype: "RDS Instance",
            pool: a('1', "2"),
            owner: Some(a('3', "2")),
            tags: &[("Environment", "prod")],
            base: 60,
            resource_id: a('4', "3"),
            cloud_id: "arn:aws:rds:us-east-1:123456789012:db:orders-db",
            sku_name: "db.r4.large",
            sku_id: "SKU-RDS-R4-L",
            publisher: "Amazon Web Services, Inc.",
            invoice_issuer: Some("Amazon Web Services, Inc."),
            invoice_id: Some("INV-AWS-123456789012"),
            pricing_category: "On-Demand",
            license_model: "No License Required",
            commitment: None,
            network: None,
            rule: a('b', "2"),
            meta: &[("flavor", "db.r4.large"), ("engine", "postgres")],
            k8s: None,
            console_link: None,
        },
        // 4: no owner, no tags (violates the tagging policy); the one line with
        // network dimensions (egress to the internet).
        Line {
            n: 4,
            org: 'a',
            ds: a('2', "1"),
            service: "AmazonS3",
            service_category: "Storage",
            region: "eu-west-1",
            name: "acme-logs",
            rtype: "Bucket",
            pool: a('1', "2"),
            owner: None,
            tags: &[],
            base: 8,
            resource_id: a('4', "4"),
            cloud_id: "acme-logs",
            sku_name: "Standard",
            sku_id: "SKU-S3-STD",
            publisher: "Amazon Web Services, Inc.",
            invoice_issuer: Some("Amazon Web Services, Inc."),
            invoice_id: Some("INV-AWS-123456789012"),
            pricing_category: "On-Demand",
            license_model: "No License Required",
            commitment: None,
            network: Some(("eu-west-1", "Internet")),
            rule: a('b', "2"),
            meta: &[("is_public_policy", "false")],
            k8s: None,
            console_link: None,
        },
        Line {
            n: 5,
            org: 'a',
            ds: a('2', "2"),
            service: "Virtual Machines",
            service_category: "Compute",
            region: "westeurope",
            name: "mkt-vm-1",
            rtype: "Instance",
            pool: a('1', "4"),
            owner: Some(a('3', "2")),
            tags: &[("Environment", "dev")],
            base: 22,
            resource_id: a('4', "5"),
            cloud_id: "/subscriptions/5b7c2a1e-3f4d-4e5a-9b8c-1d2e3f4a5b6c/resourceGroups/marketing/providers/Microsoft.Compute/virtualMachines/mkt-vm-1",
            sku_name: "Standard_D4s_v3",
            sku_id: "SKU-AZ-D4SV3",
            publisher: "Microsoft",
            invoice_issuer: Some("Microsoft"),
            invoice_id: Some("INV-AZ-5B7C2A1E"),
            pricing_category: "On-Demand",
            license_model: "License Included",
            commitment: None,
            network: None,
            rule: a('b', "3"),
            meta: &[("flavor", "Standard_D4s_v3"), ("os", "Windows")],
            k8s: None,
            console_link: None,
        },
        // 6: a Kubernetes pod; Kubernetes issues no invoice.
        Line {
            n: 6,
            org: 'a',
            ds: a('2', "3"),
            service: "kubernetes",
            service_category: "Compute",
            region: "us-central1",
            name: "api",
            rtype: "K8s Pod",
            pool: a('1', "3"),
            owner: Some(a('3', "1")),
            tags: &[("Environment", "prod")],
            base: 30,
            resource_id: a('4', "6"),
            cloud_id: "gke-acme-prod/api/api-7d9f8c",
            sku_name: "Pod",
            sku_id: "SKU-K8S-POD",
            publisher: "Kubernetes",
            invoice_issuer: None,
            invoice_id: None,
            pricing_category: "On-Demand",
            license_model: "No License Required",
            commitment: None,
            network: None,
            rule: a('b', "1"),
            meta: &[("pod_ip", "10.4.0.12")],
            k8s: Some(("api", "node-1", "api")),
            console_link: None,
        },
        Line {
            n: 7,
            org: 'b',
            ds: b('2', "1"),
            service: "Compute Engine",
            service_category: "Compute",
            region: "europe-west1",
            name: "trainer-1",
            rtype: "Instance",
            pool: b('1', "2"),
            owner: Some(b('3', "2")),
            tags: &[("Environment", "lab")],
            base: 40,
            resource_id: b('4', "7"),
            cloud_id: "projects/beta-main/zones/europe-west1-b/instances/trainer-1",
            sku_name: "n1-standard-8",
            sku_id: "SKU-GCE-N1-S8",
            publisher: "Google",
            invoice_issuer: Some("Google Cloud EMEA Limited"),
            invoice_id: Some("INV-GCP-BETA-MAIN"),
            pricing_category: "On-Demand",
            license_model: "No License Required",
            commitment: None,
            network: None,
            rule: b('b', "1"),
            meta: &[("flavor", "n1-standard-8")],
            k8s: None,
            console_link: None,
        },
        Line {
            n: 8,
            org: 'b',
            ds: b('2', "1"),
            service: "Cloud Storage",
            service_category: "Storage",
            region: "europe-west1",
            name: "datasets",
            rtype: "Bucket",
            pool: b('1', "2"),
            owner: Some(b('3', "2")),
            tags: &[],
            base: 5,
            resource_id: b('4', "8"),
            cloud_id: "projects/beta-main/buckets/datasets",
            sku_name: "Standard Storage",
            sku_id: "SKU-GCS-STD",
            publisher: "Google",
            invoice_issuer: Some("Google Cloud EMEA Limited"),
            invoice_id: Some("INV-GCP-BETA-MAIN"),
            pricing_category: "On-Demand",
            license_model: "No License Required",
            commitment: None,
            network: None,
            rule: b('b', "1"),
            meta: &[],
            k8s: None,
            console_link: None,
        },
    ]
}

fn build_recommendations() -> Vec<Recommendation> {
    vec![
        Recommendation {
            id: id('a', '8', "1"),
            org: 'a',
            scenario_id: "aws_ec2_oversized",
            tags: &["resize", "oversized"],
            status: "open",
            severity: "high",
            line: 1,
            resource_type: "EC2",
            current: 2850.0,
            target: 1425.0,
            evidence: &[("cpu_p95_percent", 11.2), ("lookback_days", 14.0)],
            assignee: None,
            created_at: "2025-05-02T08:00:00Z",
        },
        Recommendation {
            id: id('a', '8', "2"),
            org: 'a',
            scenario_id: "aws_ebs_unattached",
            tags: &["delete", "orphaned", "quick_win"],
            status: "open",
            severity: "medium",
            line: 2,
            resource_type: "EBS",
            current: 360.0,
            target: 0.0,
            evidence: &[("days_unattached", 21.0)],
            assignee: Some(id('a', '3', "1")),
            created_at: "2025-05-20T08:00:00Z",
        },
        Recommendation {
            id: id('a', '8', "3"),
            org: 'a',
            scenario_id: "aws_rds_outdated_generation",
            tags: &["upgrade", "outdated"],
            status: "snoozed",
            severity: "low",
            line: 3,
            resource_type: "RDS",
            current: 1800.0,
            target: 1620.0,
            evidence: &[("generation", 4.0), ("suggested_generation", 5.0)],
            assignee: Some(id('a', '3', "2")),
            created_at: "2025-03-11T08:00:00Z",
        },
        Recommendation {
            id: id('a', '8', "4"),
            org: 'a',
            scenario_id: "azure_vm_idle",
            tags: &["idle", "delete"],
            status: "dismissed",
            severity: "critical",
            line: 5,
            resource_type: "VM",
            current: 660.0,
            target: 0.0,
            evidence: &[("cpu_p95_percent", 1.3), ("lookback_days", 14.0)],
            assignee: None,
            created_at: "2025-04-07T08:00:00Z",
        },
        Recommendation {
            id: id('b', '8', "1"),
            org: 'b',
            scenario_id: "gcp_vm_idle",
            tags: &["idle", "delete"],
            status: "open",
            severity: "high",
            line: 7,
            resource_type: "VM",
            current: 1200.0,
            target: 0.0,
            evidence: &[("cpu_p95_percent", 2.4), ("lookback_days", 14.0)],
            assignee: None,
            created_at: "2025-06-01T08:00:00Z",
        },
    ]
}

fn build_scenarios() -> Vec<Scenario> {
    vec![
        Scenario {
            id: "aws_ec2_oversized",
            name: "Oversized EC2 instance",
            description: "CPU stays low for the look-back period.",
            severity: "high",
            resource_type: "EC2",
            cloud_provider: "aws_cnr",
            tags: &["resize", "oversized"],
            thresholds: &[
                ("cpu_p95_percent", "CPU p95 below", 20.0, "percent"),
                ("lookback_days", "Look-back period", 14.0, "days"),
            ],
        },
        Scenario {
            id: "aws_ebs_unattached",
            name: "Unattached EBS volume",
            description: "The volume has not been attached to an instance for a while.",
            severity: "medium",
            resource_type: "EBS",
            cloud_provider: "aws_cnr",
            tags: &["delete", "orphaned", "quick_win"],
            thresholds: &[("days_unattached", "Unattached for at least", 7.0, "days")],
        },
        Scenario {
            id: "aws_rds_outdated_generation",
            name: "Outdated RDS instance generation",
            description: "A newer instance generation costs less for the same capacity.",
            severity: "low",
            resource_type: "RDS",
            cloud_provider: "aws_cnr",
            tags: &["upgrade", "outdated"],
            thresholds: &[],
        },
        Scenario {
            id: "azure_vm_idle",
            name: "Idle Azure virtual machine",
            description: "CPU and network stay near zero for the look-back period.",
            severity: "critical",
            resource_type: "VM",
            cloud_provider: "azure_cnr",
            tags: &["idle", "delete"],
            thresholds: &[
                ("cpu_p95_percent", "CPU p95 below", 5.0, "percent"),
                ("lookback_days", "Look-back period", 14.0, "days"),
            ],
        },
        Scenario {
            id: "gcp_vm_idle",
            name: "Idle Compute Engine instance",
            description: "CPU and network stay near zero for the look-back period.",
            severity: "high",
            resource_type: "VM",
            cloud_provider: "gcp_cnr",
            tags: &["idle", "delete"],
            thresholds: &[
                ("cpu_p95_percent", "CPU p95 below", 5.0, "percent"),
                ("lookback_days", "Look-back period", 14.0, "days"),
            ],
        },
        Scenario {
            id: "k8s_pod_overprovisioned",
            name: "Over-provisioned Kubernetes pod",
            description: "Requested CPU is far above what the pod uses.",
            severity: "medium",
            resource_type: "K8s Pod",
            cloud_provider: "kubernetes_cnr",
            tags: &["resize", "oversized"],
            thresholds: &[(
                "cpu_request_usage_percent",
                "CPU usage of request below",
                30.0,
                "percent",
            )],
        },
    ]
}
