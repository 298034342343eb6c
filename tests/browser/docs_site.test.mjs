// Opens the docs site written by WriteDocsSite (src/transform/docs_site.h) in Chromium, from
// file://, and checks what a person exploring the project relies on: the sidebar, a model's
// page, the lineage graph, search, hostile descriptions staying text, and no console errors.
//
// Usage: node tests/browser/docs_site.test.mjs SITE_DIR [REPO_ROOT]
// SITE_DIR holds index.html. playwright-core is resolved from REPO_ROOT/node_modules
// (default: two levels above this script). Chromium is $CHROMIUM or /usr/bin/chromium.
// Exits 0 when every check passes, 1 with the failed check's message otherwise.
import { createRequire } from "node:module";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const siteDir = process.argv[2];
const repoRoot = process.argv[3] ??
    path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
if (!siteDir) {
  console.error("usage: node docs_site.test.mjs SITE_DIR [REPO_ROOT]");
  process.exit(2);
}
const indexPath = path.resolve(siteDir, "index.html");
if (!existsSync(indexPath)) {
  console.error(`FAIL: no index.html in ${path.resolve(siteDir)}`);
  process.exit(1);
}
const require = createRequire(path.join(repoRoot, "package.json"));
const { chromium } = require("playwright-core");

// What the page should show, read from the manifest embedded in the page itself.
function embedded(id) {
  const html = readFileSync(indexPath, "utf8");
  const open = `<script type="application/json" id="${id}">`;
  const start = html.indexOf(open) + open.length;
  return JSON.parse(html.slice(start, html.indexOf("</script>", start)));
}
const manifest = embedded("manifest-data");
const lineage = embedded("lineage-data");
const nonTest = [
  ...Object.entries(manifest.nodes ?? {}).filter(([, n]) => n.resource_type !== "test"),
  ...Object.entries(manifest.sources ?? {}),
];
const models = Object.entries(manifest.nodes ?? {}).filter(([, n]) => n.resource_type === "model");

class CheckFailed extends Error {}
function check(condition, message) {
  if (!condition) throw new CheckFailed(message);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox"],
});
const problems = [];
let failed = null;
try {
  const page = await browser.newPage();
  page.on("console", (m) => { if (m.type() === "error") problems.push(`console error: ${m.text()}`); });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("dialog", async (d) => { problems.push(`a dialog opened (${d.message()}): injected script ran`); await d.dismiss(); });
  page.on("request", (r) => {
    if (!r.url().startsWith("file:")) problems.push(`network request to ${r.url()}`);
  });
  await page.goto(pathToFileURL(indexPath).href);

  // The sidebar lists every model, seed, snapshot and source.
  const sidebarIds = await page.$$eval("#tree a[data-id]", (as) => as.map((a) => a.dataset.id));
  for (const [id] of nonTest) check(sidebarIds.includes(id), `the sidebar does not list ${id}`);
  check(sidebarIds.length === nonTest.length,
        `the sidebar lists ${sidebarIds.length} entries, expected ${nonTest.length} (tests excluded)`);

  // Clicking a model shows its description and its columns with their tests.
  // The model with the most tests, so that column tests are checked too.
  const testCount = (id) => Object.values(manifest.nodes).filter((t) => t.attached_node === id).length;
  const [modelId, model] = [...models].sort(([a], [b]) => testCount(b) - testCount(a))[0] ?? [];
  check(modelId, "the manifest has no model to click");
  await page.click(`#tree a[data-id="${modelId}"]`);
  await page.waitForSelector("#node-name");
  check(page.url().includes(`#!/model/${modelId}`), `the URL ${page.url()} does not route to ${modelId}`);
  check(await page.textContent("#node-name") === model.name, `the page title is not ${model.name}`);
  const description = (await page.textContent("#description")).replace(/\s+/g, " ");
  const firstLine = (model.description ?? "").split("\n")[0];
  check(description.includes(firstLine), `the description does not show "${firstLine}"`);
  const paragraphs = await page.$$eval("#description p", (ps) => ps.length);
  const expectedParagraphs = (model.description ?? "").split(/\n\s*\n/).filter((p) => p.trim()).length;
  check(paragraphs === Math.max(1, expectedParagraphs),
        `the description has ${paragraphs} paragraphs, expected ${expectedParagraphs}`);
  const htmlInDescription = await page.$$eval("#description img, #description script, #main script", (e) => e.length);
  check(htmlInDescription === 0, "HTML in a description was rendered as elements");
  // Column descriptions are markdown: a table in one renders as a table, **x** as bold.
  const markdownColumns = Object.values(model.columns ?? {}).filter((c) => (c.description ?? "").includes("|---"));
  for (const c of markdownColumns) {
    const rows = await page.$$eval(`table.columns tr[data-column="${c.name}"] td.coldesc table.md tbody tr`, (r) => r.length);
    const expected = c.description.split("\n").filter((l) => l.trim().startsWith("|")).length - 2;
    check(rows === expected, `the markdown table of column ${c.name} has ${rows} rows, expected ${expected}`);
    const bold = await page.$$eval(`table.columns tr[data-column="${c.name}"] td.coldesc strong`, (e) => e.length);
    check(bold > 0 || !c.description.includes("**"), `**bold** in column ${c.name} is not rendered bold`);
  }
  const columns = await page.$$eval("table.columns > tbody > tr", (rows) => rows.map((r) => r.dataset.column.toLowerCase()));
  for (const column of Object.keys(model.columns ?? {})) {
    check(columns.includes(column.toLowerCase()), `the columns table lacks ${column}: ${columns}`);
  }
  const tests = Object.values(manifest.nodes).filter((t) => t.resource_type === "test" && t.attached_node === modelId);
  for (const t of tests) {
    const cell = await page.textContent(`table.columns > tbody > tr[data-column="${t.column_name}" i] > td:last-child`);
    check(cell.includes(t.test_metadata.name), `column ${t.column_name} does not show its ${t.test_metadata.name} test`);
  }
  if (model.raw_code) {
    check((await page.textContent("pre.raw-code")) === model.raw_code, "the raw SQL is not shown verbatim");
  }
  // The focused lineage holds the model, its ancestors and descendants.
  const focused = await page.$$eval("#main svg.lineage g.lnode", (gs) => gs.map((g) => g.dataset.id));
  check(focused.includes(modelId), "the focused lineage lacks the model itself");
  for (const parent of manifest.parent_map[modelId] ?? []) {
    check(focused.includes(parent), `the focused lineage lacks the parent ${parent}`);
  }
  check(await page.$$eval("#main svg.lineage g.lnode.current", (gs) => gs.length) === 1,
        "the focused lineage does not highlight the current node");
  await page.click("#lineage-toggle");
  const whole = await page.$$eval("#main svg.lineage g.lnode", (gs) => gs.length);
  check(whole === nonTest.length, `the node page's whole-project lineage has ${whole} boxes`);
  check(await page.$$eval("#main svg.lineage g.lnode.current", (gs) => gs.length) === 1,
        "the whole-project lineage does not highlight the current node");

  // The project lineage: one box per non-test node, one curve per edge, no overlaps.
  await page.goto(pathToFileURL(indexPath).href + "#!/lineage");
  await page.waitForSelector("svg.lineage g.lnode");
  const boxes = await page.$$eval("svg.lineage g.lnode", (gs) => gs.map((g) => {
    const r = g.getBoundingClientRect();
    return { id: g.dataset.id, x: r.x, y: r.y, w: r.width, h: r.height };
  }));
  check(boxes.length === nonTest.length, `the lineage has ${boxes.length} boxes, expected ${nonTest.length}`);
  const edges = await page.$$eval("svg.lineage path.ledge", (ps) => ps.length);
  check(edges > 0 && edges === lineage.edges.length, `the lineage has ${edges} edges, expected ${lineage.edges.length}`);
  for (let i = 0; i < boxes.length; ++i) {
    for (let j = i + 1; j < boxes.length; ++j) {
      const a = boxes[i], b = boxes[j];
      const overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
      check(!overlap, `lineage boxes ${a.id} and ${b.id} overlap`);
    }
  }
  // Clicking a box navigates to its node; back returns to the lineage.
  const target = boxes.find((b) => b.id.startsWith("source.")) ?? boxes[0];
  await page.click(`svg.lineage g.lnode[data-id="${target.id}"]`);
  await page.waitForSelector("#node-name");
  check(page.url().endsWith(target.id), `clicking the box of ${target.id} went to ${page.url()}`);
  await page.goBack();
  await page.waitForSelector("svg.lineage g.lnode");
  check(page.url().endsWith("#!/lineage"), `back did not return to the lineage: ${page.url()}`);

  // The search box filters the sidebar by name, description or column.
  const [queryId, queryModel] = models[models.length - 1];
  await page.fill("#search", queryModel.name);
  const visible = await page.$$eval("#tree li[data-search]", (lis) =>
      lis.filter((li) => li.offsetParent !== null).map((li) => li.querySelector("a").dataset.id));
  check(visible.includes(queryId), `searching "${queryModel.name}" hides ${queryId}`);
  check(visible.length < nonTest.length, `searching "${queryModel.name}" hides nothing`);
  await page.fill("#search", "no-such-thing-anywhere");
  const none = await page.$$eval("#tree li[data-search]", (lis) => lis.filter((li) => li.offsetParent !== null).length);
  check(none === 0, `a search matching nothing leaves ${none} entries`);
  await page.fill("#search", "");
  const all = await page.$$eval("#tree li[data-search]", (lis) => lis.filter((li) => li.offsetParent !== null).length);
  check(all === nonTest.length, `clearing the search shows ${all} entries, expected ${nonTest.length}`);

  check(problems.length === 0, problems.join("\n"));
} catch (e) {
  failed = e;
} finally {
  await browser.close();
}
if (failed) {
  console.error(`FAIL: ${failed instanceof CheckFailed ? failed.message : failed.stack}`);
  process.exit(1);
}
console.log(`PASS: docs site in ${path.resolve(siteDir)} (${nonTest.length} nodes, ${lineage.edges.length} edges)`);
