// Decodes the install links `digiusher-mcp setup cursor|vscode --link` prints the way
// the hosts do, and prints the server entry they carry as JSON.
//
//   node tests/release/links.mjs cursor|vscode LINK
//   node tests/release/links.mjs readme-cursor|readme-vscode LINK   the README's https form
const [kind, link] = process.argv.slice(2);
const fail = (m) => { console.error(`links.mjs: ${m}`); process.exit(1); };
if (kind === "cursor") {
  // cursor://anysphere.cursor-deeplink/mcp/install?name=NAME&config=BASE64(JSON)
  const url = new URL(link);
  if (url.protocol !== "cursor:" || url.host !== "anysphere.cursor-deeplink" || url.pathname !== "/mcp/install") fail(`not a Cursor install link: ${link}`);
  const config = JSON.parse(Buffer.from(url.searchParams.get("config"), "base64").toString("utf8"));
  console.log(JSON.stringify({ name: url.searchParams.get("name"), ...config }));
} else if (kind === "vscode") {
  // vscode:mcp/install?URL-ENCODED(JSON)
  const prefix = "vscode:mcp/install?";
  if (!link.startsWith(prefix)) fail(`not a VS Code install link: ${link}`);
  console.log(JSON.stringify(JSON.parse(decodeURIComponent(link.slice(prefix.length)))));
} else {
  fail(`unknown kind ${kind}`);
}
