#!/usr/bin/env node
// A host with URL-mode elicitation (MCP 2025-11-25), built on the official MCP TypeScript
// SDK: it declares `elicitation: {url: {}}`, and its handler "opens" the link with a
// scripted browser, then answers. Run by tests/host_sign_in.rs; by hand:
//
//   ELICIT_BROWSER=tests/fixtures/oidc/complete-login.mjs \
//     node tests/clients/ts_elicitation.mjs [--] COMMAND [ARG...]
//
// COMMAND [ARG...] starts the server with this process's environment.
// ELICIT_ACTION: accept (default: open the link, wait for the scripted browser, accept),
// decline, or cancel (answer at once, open nothing). ELICIT_CAPABILITY=none declares
// no elicitation (a host like Claude Desktop). The call asks for progress.
//
// Calls list_organizations once and prints one JSON line on stdout:
//   {"elicitations": [{mode, message, url, elicitationId}], "completed": [elicitationId…],
//    "browser": exit status or null, "result": {isError, text, organizations}}
// Exit status 0 unless the session itself failed.

import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import {
  ElicitRequestSchema,
  ElicitationCompleteNotificationSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { spawn } from "node:child_process";

const CALL_TIMEOUT_MS = 120_000;

let argv = process.argv.slice(2);
if (argv[0] === "--") argv = argv.slice(1);
if (argv.length === 0) {
  process.stderr.write("usage: ts_elicitation.mjs [--] COMMAND [ARG...]\n");
  process.exit(2);
}

const action = process.env.ELICIT_ACTION || "accept";
const summary = { elicitations: [], completed: [], browser: null, progress: [], result: null };
// The server may answer the call as soon as the sign-in lands, before the browser exits.
let browserDone = Promise.resolve(null);

/** Run the scripted browser on `url`; resolves with its exit status. */
function openInScriptedBrowser(url) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [process.env.ELICIT_BROWSER, url], {
      stdio: ["ignore", "ignore", "inherit"],
    });
    child.on("exit", (code) => resolve(code));
    child.on("error", () => resolve(-1));
  });
}

const client = new Client(
  { name: "digiusher-elicitation-test-host", version: "1.0.0" },
  { capabilities: process.env.ELICIT_CAPABILITY === "none" ? {} : { elicitation: { url: {} } } },
);
if (process.env.ELICIT_CAPABILITY !== "none") client.setRequestHandler(ElicitRequestSchema, async (request) => {
  const p = request.params;
  summary.elicitations.push({
    mode: p.mode,
    message: p.message,
    url: p.url,
    elicitationId: p.elicitationId,
  });
  if (action !== "accept") return { action };
  // A host opens the page and answers once the user agreed; the scripted browser
  // finishes the sign-in before the answer, the harder order for the server.
  browserDone = openInScriptedBrowser(p.url);
  summary.browser = await browserDone;
  return { action: "accept" };
});
client.setNotificationHandler(ElicitationCompleteNotificationSchema, (n) => {
  summary.completed.push(n.params.elicitationId);
});

const transport = new StdioClientTransport({
  command: argv[0],
  args: argv.slice(1),
  env: { ...process.env },
  stderr: "inherit",
});

try {
  await client.connect(transport);
  const r = await client.callTool(
    { name: "list_organizations", arguments: {} },
    undefined,
    { timeout: CALL_TIMEOUT_MS, onprogress: (p) => summary.progress.push(p) },
  );
  await browserDone;
  const text = r.content?.[0]?.text ?? "";
  summary.result = {
    isError: r.isError === true,
    text,
    organizations: r.structuredContent?.organizations?.length ?? null,
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  await client.close();
  process.exit(0);
} catch (e) {
  process.stderr.write(`ts_elicitation: ${e?.stack ?? e}\n`);
  process.exit(1);
}
