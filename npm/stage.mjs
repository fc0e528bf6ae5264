// Lays out the npm packages of one release in a staging folder, ready for `npm pack`.
//
//   node npm/stage.mjs launcher VERSION DIR          @digiusher/mcp (npm/mcp) at VERSION
//   node npm/stage.mjs platform TARGET VERSION BINARY DIR
//                                                    @digiusher/mcp-<os>-<cpu> for the Rust
//                                                    target triple TARGET, holding BINARY
//   node npm/stage.mjs name TARGET                   print that package's suffix (<os>-<cpu>),
//                                                    or nothing when npm has no such platform
//
// Both get README.md and LICENSE from the repository root. The launcher's
// optionalDependencies are pinned to VERSION, so a launcher only ever runs its own build.
import { chmodSync, copyFileSync, cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");

function fail(message, status = 1) {
  console.error(`npm/stage.mjs: ${message}`);
  process.exit(status);
}

// Rust target triple -> Node's process.platform and process.arch.
function nodePlatform(target) {
  const cpu = { x86_64: "x64", aarch64: "arm64" }[target.split("-")[0]];
  const os = target.includes("-linux-")
    ? "linux"
    : target.endsWith("-apple-darwin")
      ? "darwin"
      : target.includes("-windows-")
        ? "win32"
        : undefined;
  return cpu && os ? { os, cpu } : undefined;
}

function common(dir) {
  mkdirSync(join(dir, "bin"), { recursive: true });
  copyFileSync(join(root, "README.md"), join(dir, "README.md"));
  copyFileSync(join(root, "LICENSE"), join(dir, "LICENSE"));
}

const write = (file, value) => writeFileSync(file, JSON.stringify(value, null, 2) + "\n");
const [command, ...args] = process.argv.slice(2);
const semver = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;

if (command === "name" && args.length === 1) {
  const p = nodePlatform(args[0]);
  if (p) console.log(`${p.os}-${p.cpu}`);
} else if (command === "launcher" && args.length === 2) {
  const [version, dir] = args;
  if (!semver.test(version)) fail(`not a version: ${version}`);
  const pkg = JSON.parse(readFileSync(join(here, "mcp", "package.json"), "utf8"));
  pkg.version = version;
  for (const name of Object.keys(pkg.optionalDependencies)) pkg.optionalDependencies[name] = version;
  common(dir);
  cpSync(join(here, "mcp", "bin"), join(dir, "bin"), { recursive: true });
  chmodSync(join(dir, "bin", "digiusher-mcp.js"), 0o755);
  write(join(dir, "package.json"), pkg);
} else if (command === "platform" && args.length === 4) {
  const [target, version, binary, dir] = args;
  if (!semver.test(version)) fail(`not a version: ${version}`);
  const p = nodePlatform(target);
  if (!p) fail(`npm has no platform for the target ${target}`);
  const exe = p.os === "win32" ? "digiusher-mcp.exe" : "digiusher-mcp";
  const launcher = JSON.parse(readFileSync(join(here, "mcp", "package.json"), "utf8"));
  const name = `@digiusher/mcp-${p.os}-${p.cpu}`;
  if (!(name in launcher.optionalDependencies)) {
    fail(`${name} is not among the optionalDependencies of npm/mcp/package.json: add it there first`);
  }
  common(dir);
  copyFileSync(binary, join(dir, "bin", exe));
  chmodSync(join(dir, "bin", exe), 0o755);
  write(join(dir, "package.json"), {
    name,
    version,
    description: `The digiusher-mcp binary for ${p.os} ${p.cpu} (${target}), run by @digiusher/mcp`,
    license: launcher.license,
    os: [p.os],
    cpu: [p.cpu],
    files: ["bin/"],
    preferUnplugged: true,
  });
} else {
  fail("usage: node npm/stage.mjs launcher VERSION DIR | platform TARGET VERSION BINARY DIR | name TARGET", 2);
}
