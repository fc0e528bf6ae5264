#!/usr/bin/env node
// Drives digiusher-mcp with the official MCP TypeScript SDK (Client + StdioClientTransport)
// and checks what a real host sees. Run by tests/external_clients.rs; by hand:
//
//   DIGIUSHER_API_BASE_URL=http://127.0.0.1:PORT HOME=$(mktemp -d) \
//     node tests/clients/ts_client.mjs [--] COMMAND [ARG...]
//
// COMMAND [ARG...] starts the server (the digiusher-mcp binary, or tests/clients/tee_stdout.py
// wrapping it). Without a command, $DIGIUSHER_MCP_BIN is used. The tools listed must be the ones
// `$DIGIUSHER_MCP_BIN tools --json` (else `COMMAND [ARG...] tools --json`) defines. The server gets exactly this
// environment: DIGIUSHER_API_BASE_URL, DIGIUSHER_TOKEN (default sim-alice), HOME,
// XDG_CONFIG_HOME / XDG_DATA_HOME under HOME, PATH and RUST_BACKTRACE=0.
//
// Exit status 0 and one summary line on stdout when every check passes; otherwise a
// message naming the failed check on stderr and exit status 1.

import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { isDeepStrictEqual } from "node:util";
import { CheckFailed, check, expectedTools, serverCommand, serverEnv, show } from "./harness.mjs";

const ACME = "a0000000-0000-4000-8000-000000000001";
const BETA = "b0000000-0000-4000-8000-000000000001";
const ANNOTATIONS = {
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: true,
};
const CALL_TIMEOUT_MS = 30_000;

function firstText(result, what) {
  check(Array.isArray(result.content) && result.content.length > 0, `${what}: content is empty: ${show(result)}`);
  const block = result.content[0];
  check(block.type === "text" && typeof block.text === "string", `${what}: content[0] is not text: ${show(block)}`);
  return block.text;
}

function parseJson(text, what) {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new CheckFailed(`${what}: content[0].text is not JSON (${e.message}): ${show(text)}`);
  }
}

async function checkTools(client) {
  const tools = [];
  let cursor;
  let pages = 0;
  do {
    const page = await client.listTools(cursor ? { cursor } : undefined);
    tools.push(...page.tools);
    cursor = page.nextCursor;
    check(++pages <= 50, "tools/list: more than 50 pages; the cursor never ends");
  } while (cursor);

  const names = tools.map((t) => t.name);
  const expected = expectedTools();
  const wanted = expected.map((t) => t.name);
  check(isDeepStrictEqual(names, wanted), `tools/list: got ${names.join(", ")}; tools --json defines ${wanted.join(", ")}`);
  check(new Set(names).size === names.length, `tools/list: duplicate tool names: ${names.join(", ")}`);
  tools.forEach((t, i) => {
    for (const key of ["title", "description", "inputSchema", "annotations"]) {
      check(isDeepStrictEqual(t[key], expected[i][key]), `tool ${t.name}: ${key} differs from tools --json: ${show(t[key])}`);
    }
  });
  for (const t of tools) {
    check(typeof t.title === "string" && t.title.trim() !== "", `tool ${t.name}: no title`);
    check(typeof t.description === "string" && t.description.trim() !== "", `tool ${t.name}: no description`);
    check(t.inputSchema && t.inputSchema.type === "object", `tool ${t.name}: inputSchema.type is not "object": ${show(t.inputSchema)}`);
    const a = t.annotations || {};
    for (const [k, v] of Object.entries(ANNOTATIONS)) {
      check(a[k] === v, `tool ${t.name}: annotations.${k} should be ${v}, got ${show(a[k])}`);
    }
  }
  return tools.length;
}

async function checkListOrganizations(client) {
  const r = await client.callTool({ name: "list_organizations", arguments: {} }, undefined, { timeout: CALL_TIMEOUT_MS });
  check(r.isError !== true, `list_organizations: isError is true: ${show(r.content)}`);
  const sc = r.structuredContent;
  check(sc && typeof sc === "object" && !Array.isArray(sc), `list_organizations: no structuredContent object: ${show(r)}`);
  check(Array.isArray(sc.organizations), `list_organizations: structuredContent.organizations is not an array: ${show(sc)}`);
  check(sc.organizations.length === 2, `list_organizations: expected 2 organizations for alice, got ${sc.organizations.length}: ${show(sc.organizations)}`);
  const ids = sc.organizations.map((o) => o.id).sort();
  check(isDeepStrictEqual(ids, [ACME, BETA]), `list_organizations: expected ids ${ACME} and ${BETA}, got ${show(ids)}`);
  const parsed = parseJson(firstText(r, "list_organizations"), "list_organizations");
  check(isDeepStrictEqual(parsed, sc), "list_organizations: content[0].text parsed as JSON differs from structuredContent");
}

async function checkKpiDefinitions(client) {
  const r = await client.callTool(
    { name: "list_kpi_definitions", arguments: { organization_id: ACME } },
    undefined,
    { timeout: CALL_TIMEOUT_MS },
  );
  check(r.isError !== true, `list_kpi_definitions: isError is true: ${show(r.content)}`);
  const parsed = parseJson(firstText(r, "list_kpi_definitions"), "list_kpi_definitions");
  check(Array.isArray(parsed), `list_kpi_definitions: content[0].text is not a JSON array: ${show(parsed)}`);
  check(r.structuredContent === undefined || r.structuredContent === null,
    `list_kpi_definitions: a bare array must not come with structuredContent, got ${show(r.structuredContent)}`);
}

async function checkInvalidArguments(client) {
  const r = await client.callTool(
    { name: "get_expenses", arguments: { organization_id: "acme", start_date: "2025-05-01", end_date: "2025-05-31" } },
    undefined,
    { timeout: CALL_TIMEOUT_MS },
  );
  check(r.isError === true, `get_expenses with organization_id "acme": expected isError true, got ${show(r)}`);
  const text = firstText(r, "get_expenses (invalid)");
  check(text.startsWith("Invalid arguments for get_expenses:"), `get_expenses (invalid): message should start with "Invalid arguments for get_expenses:": ${show(text)}`);
  check(text.includes("organization_id"), `get_expenses (invalid): message does not name organization_id: ${show(text)}`);
}

async function checkUnknownTool(client) {
  let r;
  try {
    r = await client.callTool({ name: "no_such_tool", arguments: {} }, undefined, { timeout: CALL_TIMEOUT_MS });
  } catch (e) {
    check(e && e.code === -32602, `unknown tool: expected JSON-RPC error -32602, got ${e && e.code}: ${e && e.message}`);
    return;
  }
  throw new CheckFailed(`unknown tool: expected JSON-RPC error -32602, got a result: ${show(r)}`);
}

async function main() {
  const { command, args } = serverCommand();
  const transport = new StdioClientTransport({ command, args, env: serverEnv(), stderr: "inherit" });
  const client = new Client({ name: "digiusher-mcp-ts-client-test", version: "0.0.0" });
  let protocol = "?";
  // StdioClientTransport has no setProtocolVersion of its own; the Client calls it when present.
  transport.setProtocolVersion = (v) => {
    protocol = v;
  };
  let step = "initialize";
  try {
    await client.connect(transport, { timeout: CALL_TIMEOUT_MS });
    const info = client.getServerVersion();
    check(info && info.name === "digiusher-mcp", `initialize: serverInfo.name should be "digiusher-mcp", got ${show(info)}`);

    step = "tools/list";
    const n = await checkTools(client);
    step = "tools/call list_organizations";
    await checkListOrganizations(client);
    step = "tools/call list_kpi_definitions";
    await checkKpiDefinitions(client);
    step = "tools/call get_expenses (invalid arguments)";
    await checkInvalidArguments(client);
    step = "tools/call no_such_tool";
    await checkUnknownTool(client);

    step = "close";
    await client.close();
    console.log(`ts_client: OK (@modelcontextprotocol/sdk, server ${info.name} ${info.version}, protocol ${protocol}): ${n} tools listed, 4 tool calls checked`);
  } catch (e) {
    const msg = e instanceof CheckFailed ? e.message : `${step}: ${e && e.stack ? e.stack : e}`;
    console.error(`ts_client: FAILED: ${msg}`);
    await client.close().catch(() => {});
    process.exit(1);
  }
}

main().catch((e) => {
  console.error(`ts_client: FAILED: ${e instanceof CheckFailed ? e.message : e && e.stack ? e.stack : e}`);
  process.exit(1);
});
