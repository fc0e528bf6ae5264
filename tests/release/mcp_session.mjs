// An MCP session through the npm launcher with the official TypeScript SDK (from
// tests/clients/node_modules), as a host that runs `npx -y @digiusher/mcp` would have it.
//
//   node tests/release/mcp_session.mjs LAUNCHER HOME TOOLS     (TOOLS: the names, comma-separated)
//
// Checks initialize, tools/list (the binary's tools), a tool call (to an API that is
// down, so it is answered with an error result), and a clean close.
// Prints one summary line; exit 1 with the reason otherwise.
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const sdk = join(dirname(fileURLToPath(import.meta.url)), "..", "clients", "node_modules", "@modelcontextprotocol", "sdk", "dist", "esm", "client");
const { Client } = await import(pathToFileURL(join(sdk, "index.js")).href);
const { StdioClientTransport } = await import(pathToFileURL(join(sdk, "stdio.js")).href);

const [launcher, home, expectedTools] = process.argv.slice(2);
const fail = (message) => {
  console.error(`mcp_session.mjs: ${message}`);
  process.exit(1);
};
const timer = setTimeout(() => fail("timed out after 30 s"), 30_000);

const transport = new StdioClientTransport({
  command: launcher,
  args: [],
  env: {
    PATH: process.env.PATH,
    HOME: home,
    XDG_CONFIG_HOME: join(home, ".config"),
    XDG_DATA_HOME: join(home, ".local", "share"),
    DIGIUSHER_TOKEN_STORE: "file",
    // A token and an API nobody listens on: the call goes through and fails cleanly.
    DIGIUSHER_TOKEN: "release-check",
    DIGIUSHER_API_BASE_URL: "http://127.0.0.1:9",
    RUST_BACKTRACE: "0",
  },
  stderr: "pipe",
});
const client = new Client({ name: "release-check", version: "1.0.0" });
await client.connect(transport);
const server = client.getServerVersion();
if (server?.name !== "digiusher-mcp") fail(`serverInfo is ${JSON.stringify(server)}`);
const { tools } = await client.listTools();
const names = tools.map((t) => t.name).join(",");
if (names !== expectedTools) fail(`tools/list gave ${names}, the binary lists ${expectedTools}`);
const result = await client.callTool({ name: "list_organizations", arguments: {} });
const text = result.content?.map((c) => c.text).join("\n") ?? "";
if (!result.isError || !text.includes("127.0.0.1:9")) fail(`a call to an API that is down gave ${JSON.stringify(result)}`);
await client.close();
clearTimeout(timer);
console.log(`${server.name} ${server.version} through the npm launcher: ${tools.length} tools; a call reaches the binary and back`);
