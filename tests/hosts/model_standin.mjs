#!/usr/bin/env node
// A stand-in for the Anthropic Messages API on 127.0.0.1, so that `claude -p` runs a
// real session with no account and nothing leaving the machine. Run by
// tests/real_hosts.rs; by hand:
//
//   STANDIN_TOOL=mcp__digiusher__list_organizations node tests/hosts/model_standin.mjs
//
// Prints {"port": N} on stdout once listening. To a request that offers the tool
// STANDIN_TOOL it answers with one tool_use block calling it with STANDIN_INPUT (JSON,
// default {}); to one that carries tool results it answers with a text that quotes
// them ("TOOL RESULT: …"); to anything else with a short text. Streams (SSE) when
// asked to. Every request is appended to STANDIN_LOG (one JSON line each) when set.

import http from "node:http";
import fs from "node:fs";

const tool = process.env.STANDIN_TOOL || "";
const input = JSON.parse(process.env.STANDIN_INPUT || "{}");
const logFile = process.env.STANDIN_LOG;
let served = 0;

function blocksFor(request) {
  const last = (request.messages || []).at(-1);
  const content = Array.isArray(last?.content) ? last.content : [];
  const results = content.filter((c) => c.type === "tool_result");
  if (results.length > 0) {
    const text = results
      .map((r) => (Array.isArray(r.content) ? r.content.map((c) => c.text ?? "").join("\n") : String(r.content ?? "")))
      .join("\n");
    return [{ type: "text", text: `TOOL RESULT: ${text}` }];
  }
  if (tool && (request.tools || []).some((t) => t.name === tool)) {
    served += 1;
    return [{ type: "tool_use", id: `toolu_standin_${served}`, name: tool, input }];
  }
  return [{ type: "text", text: "ok" }];
}

function message(request, blocks) {
  const stop = blocks.some((b) => b.type === "tool_use") ? "tool_use" : "end_turn";
  return {
    id: `msg_standin_${Date.now()}`,
    type: "message",
    role: "assistant",
    model: request.model || "claude-standin",
    content: blocks,
    stop_reason: stop,
    stop_sequence: null,
    usage: { input_tokens: 10, output_tokens: 10 },
  };
}

function stream(res, msg) {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  const send = (event, data) => res.write(`event: ${event}\ndata: ${JSON.stringify({ type: event, ...data })}\n\n`);
  send("message_start", { message: { ...msg, content: [], stop_reason: null, usage: { input_tokens: 10, output_tokens: 1 } } });
  msg.content.forEach((block, index) => {
    if (block.type === "tool_use") {
      send("content_block_start", { index, content_block: { ...block, input: {} } });
      send("content_block_delta", { index, delta: { type: "input_json_delta", partial_json: JSON.stringify(block.input) } });
    } else {
      send("content_block_start", { index, content_block: { type: "text", text: "" } });
      send("content_block_delta", { index, delta: { type: "text_delta", text: block.text } });
    }
    send("content_block_stop", { index });
  });
  send("message_delta", { delta: { stop_reason: msg.stop_reason, stop_sequence: null }, usage: { output_tokens: 10 } });
  send("message_stop", {});
  res.end();
}

const server = http.createServer(async (req, res) => {
  let body = "";
  for await (const chunk of req) body += chunk;
  let request = {};
  try {
    request = JSON.parse(body || "{}");
  } catch {
    request = {};
  }
  if (logFile) {
    const tools = (request.tools || []).map((t) => t.name);
    fs.appendFileSync(logFile, JSON.stringify({ method: req.method, path: req.url, tools, messages: request.messages }) + "\n");
  }
  const path = (req.url || "").split("?")[0];
  if (req.method === "POST" && path === "/v1/messages/count_tokens") {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ input_tokens: 10 }));
    return;
  }
  if (req.method !== "POST" || path !== "/v1/messages") {
    res.writeHead(404, { "content-type": "application/json" });
    res.end(JSON.stringify({ type: "error", error: { type: "not_found_error", message: "stand-in: no such route" } }));
    return;
  }
  const msg = message(request, blocksFor(request));
  if (request.stream) {
    stream(res, msg);
  } else {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(msg));
  }
});

server.listen(0, "127.0.0.1", () => {
  process.stdout.write(JSON.stringify({ port: server.address().port }) + "\n");
});
