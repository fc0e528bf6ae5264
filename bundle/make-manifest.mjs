// Prints the MCP Bundle manifest for the digiusher-mcp binary given as argv[2]:
// version and tool list come from the binary itself, so they never drift.
import { execFileSync } from "node:child_process";

const binary = process.argv[2];
if (!binary) {
  console.error("usage: node make-manifest.mjs path/to/digiusher-mcp");
  process.exit(2);
}
const version = execFileSync(binary, ["--version"], { encoding: "utf8" }).trim().split(/\s+/).pop();
const tools = JSON.parse(execFileSync(binary, ["tools", "--json"], { encoding: "utf8" }));

const manifest = {
  manifest_version: "0.3",
  name: "digiusher-mcp",
  display_name: "DigiUsher",
  version,
  description: "Ask about your cloud bill: read-only DigiUsher FinOps tools for costs, budgets, recommendations, allocation, KPIs and anomalies.",
  long_description:
    "digiusher-mcp connects Claude to DigiUsher, the FinOps platform. Its 25 tools are read-only: nothing can change your cloud or your DigiUsher account. Sign in once in a terminal with `digiusher-mcp login` (OAuth in your browser; the token is kept in the OS keychain), or run it against another DigiUsher deployment with the settings below.",
  author: { name: "The digiusher-mcp developers" },
  homepage: "https://app.digiusher.com",
  license: "MIT",
  keywords: ["finops", "cloud", "cost", "aws", "azure", "gcp", "kubernetes", "budget", "digiusher"],
  server: {
    type: "binary",
    entry_point: "server/digiusher-mcp",
    mcp_config: {
      command: "${__dirname}/server/digiusher-mcp",
      args: [],
      env: {
        DIGIUSHER_API_BASE_URL: "${user_config.api_base}",
        DIGIUSHER_ISSUER: "${user_config.issuer}",
        DIGIUSHER_PROFILE: "${user_config.profile}",
      },
    },
  },
  user_config: {
    api_base: {
      type: "string",
      title: "DigiUsher API URL",
      description: "Base URL of the DigiUsher API; change it only for another DigiUsher deployment.",
      default: "https://app.digiusher.com",
      required: false,
    },
    issuer: {
      type: "string",
      title: "Sign-in issuer",
      description: "OpenID Connect issuer to sign in with; leave empty to discover it from the API.",
      default: "",
      required: false,
    },
    profile: {
      type: "string",
      title: "Profile",
      description: "digiusher-mcp profile whose sign-in to use (see `digiusher-mcp --profile NAME login`).",
      default: "default",
      required: false,
    },
  },
  tools: tools.map((t) => ({ name: t.name, description: t.description })),
  tools_generated: false,
  compatibility: { platforms: ["darwin", "linux", "win32"] },
};
process.stdout.write(JSON.stringify(manifest, null, 2) + "\n");
