// Keeps bundle/manifest.json in step with the digiusher-mcp binary, and writes the
// manifest that goes into a bundle.
//
//   node manifest.mjs update BINARY        rewrite "version" (from Cargo.toml) in manifest.json
//   node manifest.mjs check BINARY         exit 1 when manifest.json differs from that
//   node manifest.mjs stage BINARY OUT     write the bundle's manifest to OUT: manifest.json
//                                          with "tools" from `BINARY tools --json` and
//                                          compatibility.platforms narrowed to the one
//                                          platform the binary runs on (this machine's)
//
// The tracked manifest holds no "tools": the bundle's list is written from the binary it
// carries, so a tool added to the server's catalog needs no edit here.
// The version must also be what `BINARY --version` reports, so a stale binary is caught.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const manifestPath = join(here, "manifest.json");
const cargoTomlPath = join(here, "..", "Cargo.toml");

function fail(message) {
  console.error(`bundle/manifest.mjs: ${message}`);
  process.exit(1);
}

const [command, binary, out] = process.argv.slice(2);
if (!["update", "check", "stage"].includes(command) || !binary || (command === "stage") !== !!out) {
  console.error("usage: node manifest.mjs update|check BINARY\n       node manifest.mjs stage BINARY OUT");
  process.exit(2);
}

// The [package] version of Cargo.toml.
function cargoVersion() {
  let section = "";
  for (const line of readFileSync(cargoTomlPath, "utf8").split(/\r?\n/)) {
    const header = line.match(/^\s*\[([^\]]+)\]\s*$/);
    if (header) section = header[1].trim();
    const version = line.match(/^\s*version\s*=\s*"([^"]+)"/);
    if (section === "package" && version) return version[1];
  }
  fail(`no [package] version in ${cargoTomlPath}`);
}

function run(args) {
  try {
    return execFileSync(binary, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (error) {
    fail(`\`${binary} ${args.join(" ")}\` failed: ${error.stderr || error.message}`);
  }
}

const version = cargoVersion();
const binaryVersion = run(["--version"]).trim();
if (binaryVersion !== `digiusher-mcp ${version}`) {
  fail(`${binary} reports "${binaryVersion}" but Cargo.toml says ${version}: rebuild it first`);
}
const tools = JSON.parse(run(["tools", "--json"])).map((tool) => ({
  name: tool.name,
  description: tool.description,
}));
if (tools.length === 0) fail(`${binary} lists no tools`);

const text = readFileSync(manifestPath, "utf8");
const manifest = JSON.parse(text);
const { tools: _stale, ...generic } = manifest;
const wanted = { ...generic, version };
const wantedText = JSON.stringify(wanted, null, 2) + "\n";

if (command === "update") {
  if (wantedText === text) {
    console.log(`bundle/manifest.json: up to date (version ${version})`);
  } else {
    writeFileSync(manifestPath, wantedText);
    console.log(`bundle/manifest.json: UPDATED to version ${version}; commit it`);
  }
} else if (command === "check") {
  const problems = [];
  if (manifest.version !== version) problems.push(`version is ${manifest.version}, Cargo.toml says ${version}`);
  if ("tools" in manifest) problems.push(`it lists tools, which the build writes from \`${binary} tools --json\``);
  if (problems.length) {
    fail(`manifest.json does not match ${binary}: ${problems.join("; ")}. Run bundle/build.sh and commit bundle/manifest.json.`);
  }
  console.log(`bundle/manifest.json matches ${binary} (version ${version}; the build adds its ${tools.length} tools)`);
} else {
  // A bundle carries one binary, built for the machine that runs this script.
  const platform = process.platform;
  if (!["darwin", "linux", "win32"].includes(platform)) fail(`MCP Bundles do not support platform ${platform}`);
  const staged = {};
  for (const [key, value] of Object.entries(structuredClone(wanted))) {
    if (key === "tools_generated") staged.tools = tools;
    staged[key] = value;
  }
  staged.tools ??= tools;
  staged.compatibility = { ...(staged.compatibility || {}), platforms: [platform] };
  if (platform === "win32") {
    staged.server.entry_point = "server/digiusher-mcp.exe";
    staged.server.mcp_config.command = "${__dirname}/server/digiusher-mcp.exe";
  }
  writeFileSync(out, JSON.stringify(staged, null, 2) + "\n");
  console.log(`bundle manifest for ${platform} with the ${tools.length} tools of ${binary} written to ${out}`);
}
