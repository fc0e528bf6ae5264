#!/usr/bin/env node
// Prompts and argument completion of digiusher-mcp through the official MCP TypeScript SDK:
// prompts/list, prompts/get (and its Invalid Params answer) and completion/complete.
// Run by tests/prompts.rs; by hand:
//
//   DIGIUSHER_API_BASE_URL=http://127.0.0.1:PORT HOME=$(mktemp -d) \
//     node tests/clients/ts_prompts.mjs [--] COMMAND [ARG...]
//
// The server gets the environment ts_client.mjs gives it (DIGIUSHER_TOKEN default sim-alice).
// Exit status 0 and one summary line on stdout when every check passes; otherwise a
// message naming the failed check on stderr and exit status 1.

import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { isDeepStrictEqual } from "node:util";
import { CheckFailed, check, serverCommand, serverEnv, show } from "./harness.mjs";

const ACME = "a0000000-0000-4000-8000-000000000001";
const PROMPTS = ["monthly_cost_review", "find_savings", "explain_anomaly", "budget_health", "unit_economics_trend"];
const TIMEOUT_MS = 30_000;

async function values(client, prompt, argument, value, context) {
  const params = { ref: { type: "ref/prompt", name: prompt }, argument: { name: argument, value } };
  if (context) params.context = { arguments: context };
  const r = await client.complete(params, { timeout: TIMEOUT_MS });
  check(Array.isArray(r.completion?.values), `completion/complete ${prompt}.${argument}: no values: ${show(r)}`);
  return r.completion.values;
}

async function checkPromptsList(client) {
  const r = await client.listPrompts(undefined, { timeout: TIMEOUT_MS });
  const names = r.prompts.map((p) => p.name);
  check(isDeepStrictEqual(names, PROMPTS), `prompts/list: expected ${show(PROMPTS)}, got ${show(names)}`);
  for (const p of r.prompts) {
    const first = (p.arguments || [])[0] || {};
    check(first.name === "organization" && first.required === true,
      `prompts/list: ${p.name}: first argument should be the required organization: ${show(p.arguments)}`);
    check(typeof p.title === "string" && p.title !== "", `prompts/list: ${p.name}: no title`);
  }
}

async function checkCompletion(client) {
  const months = await values(client, "monthly_cost_review", "month", "");
  check(months.length === 37 && months.every((m) => /^\d{4}-\d{2}$/.test(m)), `completion month: ${show(months)}`);
  const orgs = await values(client, "budget_health", "organization", "Ac");
  check(isDeepStrictEqual(orgs, ["Acme Corp"]), `completion organization "Ac": expected ["Acme Corp"], got ${show(orgs)}`);
  const pools = await values(client, "budget_health", "pool", "plat", { organization: "Acme Corp" });
  check(isDeepStrictEqual(pools, ["Platform"]), `completion pool "plat" in Acme Corp: expected ["Platform"], got ${show(pools)}`);
  return months;
}

async function checkGetPrompt(client, month) {
  const r = await client.getPrompt({ name: "monthly_cost_review", arguments: { organization: "Acme Corp", month } }, { timeout: TIMEOUT_MS });
  check(r.messages.length === 1 && r.messages[0].role === "user", `prompts/get: expected one user message: ${show(r)}`);
  const text = r.messages[0].content.text || "";
  check(text.includes(`"organization_id": "${ACME}"`), `prompts/get: the organization id was not filled in: ${show(text)}`);
  check(text.includes(`"start_date": "${month}-01"`), `prompts/get: the month was not filled in: ${show(text)}`);
  try {
    const bad = await client.getPrompt({ name: "no_such_prompt", arguments: {} }, { timeout: TIMEOUT_MS });
    throw new CheckFailed(`prompts/get of an unknown prompt: expected Invalid Params, got ${show(bad)}`);
  } catch (e) {
    if (e instanceof CheckFailed) throw e;
    check(e && e.code === -32602, `prompts/get of an unknown prompt: expected -32602, got ${e && e.code}: ${e && e.message}`);
    check(String(e.message).includes("Unknown prompt"), `prompts/get of an unknown prompt: unclear message: ${e.message}`);
  }
}

async function main() {
  const { command, args } = serverCommand();
  const transport = new StdioClientTransport({ command, args, env: serverEnv(), stderr: "inherit" });
  const client = new Client({ name: "digiusher-mcp-ts-prompts-test", version: "0.0.0" });
  let step = "initialize";
  try {
    await client.connect(transport, { timeout: TIMEOUT_MS });
    const caps = client.getServerCapabilities() || {};
    check(caps.prompts && caps.completions, `initialize: prompts and completions capabilities expected: ${show(caps)}`);
    step = "prompts/list";
    await checkPromptsList(client);
    step = "completion/complete";
    const months = await checkCompletion(client);
    step = "prompts/get";
    await checkGetPrompt(client, months[1]);
    step = "close";
    await client.close();
    console.log(`ts_prompts: OK (@modelcontextprotocol/sdk): ${PROMPTS.length} prompts listed, prompts/get and completion/complete checked`);
  } catch (e) {
    const msg = e instanceof CheckFailed ? e.message : `${step}: ${e && e.stack ? e.stack : e}`;
    console.error(`ts_prompts: FAILED: ${msg}`);
    await client.close().catch(() => {});
    process.exit(1);
  }
}

main().catch((e) => {
  console.error(`ts_prompts: FAILED: ${e instanceof CheckFailed ? e.message : e && e.stack ? e.stack : e}`);
  process.exit(1);
});
