#!/usr/bin/env node
// Launcher of @digiusher/mcp: finds the prebuilt digiusher-mcp binary in the platform
// package npm installed next to it (@digiusher/mcp-<os>-<cpu>, an optional dependency
// whose `os`/`cpu` fields make npm skip the others) and runs it with this process's
// stdio, so an MCP host talks to the binary directly. Signals are passed on and the
// binary's exit status becomes this process's.
"use strict";

const { spawn } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

const PROG = "digiusher-mcp";
// What the release ships; keep in step with optionalDependencies in package.json.
const SUPPORTED = ["darwin-arm64", "darwin-x64", "linux-arm64", "linux-x64", "win32-x64"];

function fail(message) {
  process.stderr.write(`${PROG} (npm launcher): ${message}\n`);
  process.exit(1);
}

// The binary inside the platform package, or a clear error when none fits.
function findBinary() {
  const platform = `${process.platform}-${process.arch}`;
  const pkg = `@digiusher/mcp-${platform}`;
  const exe = process.platform === "win32" ? `${PROG}.exe` : PROG;
  const dir = ownDependency(pkg);
  if (!dir) {
    if (!SUPPORTED.includes(platform)) {
      fail(
        `no prebuilt ${PROG} for this platform (${process.platform} ${process.arch}); ` +
          `prebuilt: ${SUPPORTED.join(", ")}. Build it from source instead (Rust: ` +
          "cargo install --path . --locked in a clone of the repository).",
      );
    }
    fail(
      `the package ${pkg}, which holds the ${PROG} binary for this platform, is not ` +
        "installed next to this launcher. npm skips it when optional dependencies are turned off " +
        "(--omit=optional, --no-optional): install @digiusher/mcp again without that option.",
    );
  }
  const binary = path.join(dir, "bin", exe);
  if (!fs.existsSync(binary)) fail(`${pkg} is installed but has no ${path.join("bin", exe)}: reinstall @digiusher/mcp`);
  if (process.platform !== "win32") {
    try {
      fs.accessSync(binary, fs.constants.X_OK);
    } catch {
      // Some extractors drop the executable bit; put it back when we may.
      try {
        fs.chmodSync(binary, 0o755);
      } catch {}
    }
  }
  return binary;
}

// The folder of `pkg` as this launcher's own dependency, at the version it pins:
// inside the launcher's folder, or beside it in the node_modules holding it (where
// npm hoists it). Never through NODE_PATH or a node_modules higher up, where any
// look-alike could stand; null when it is not there.
function ownDependency(pkg) {
  const root = path.resolve(__dirname, "..");
  let wanted;
  try {
    wanted = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")).optionalDependencies?.[pkg];
  } catch {}
  const candidates = [path.join(root, "node_modules", pkg)];
  // The launcher is node_modules/@digiusher/mcp: its scope's parent holds siblings.
  const scopeDir = path.dirname(root);
  if (path.basename(path.dirname(scopeDir)) === "node_modules") {
    candidates.push(path.join(path.dirname(scopeDir), pkg));
  }
  for (const dir of candidates) {
    try {
      const meta = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
      if (meta.name === pkg && (!wanted || meta.version === wanted)) return dir;
    } catch {}
  }
  return null;
}

function run() {
  const binary = findBinary();
  const child = spawn(binary, process.argv.slice(2), { stdio: "inherit", windowsHide: true });
  const forward = {};
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK"]) {
    forward[signal] = () => {
      try {
        child.kill(signal);
      } catch {}
    };
    try {
      process.on(signal, forward[signal]);
    } catch {}
  }
  child.on("error", (error) => fail(`cannot start ${binary}: ${error.message}`));
  child.on("exit", (code, signal) => {
    for (const [name, handler] of Object.entries(forward)) process.removeListener(name, handler);
    if (signal) {
      // End the same way the binary did, so the host sees the same status.
      process.kill(process.pid, signal);
      setTimeout(() => process.exit(1), 1000).unref();
      return;
    }
    process.exit(code === null ? 1 : code);
  });
}

run();
