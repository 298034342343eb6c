#include "transform/internal/docs_site_page.h"

namespace shoplytics::transform::internal {
namespace {

// The page builds its DOM with textContent and setAttribute only, never innerHTML, so no
// string from the manifest is ever parsed as HTML. The layout comes from C++
// (LayoutLineage); the focused view only drops the nodes it hides and closes the gaps.
constexpr std::string_view kPage = R"PAGE(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>@@TITLE@@</title>
<style>
:root { --side: 300px; --border: #d9dde3; --muted: #5f6b7a; --accent: #1f6feb;
  --source: #2e7d32; --seed: #8d6e00; --model: #1f6feb; --snapshot: #8e24aa; --other: #546e7a; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d2430; }
#app { display: flex; height: 100vh; }
#sidebar { width: var(--side); min-width: var(--side); border-right: 1px solid var(--border);
  display: flex; flex-direction: column; background: #f7f8fa; }
#sidebar header { padding: 12px; border-bottom: 1px solid var(--border); }
#sidebar header a { font-weight: 600; color: inherit; text-decoration: none; font-size: 16px; }
#search { width: 100%; margin-top: 8px; padding: 6px 8px; border: 1px solid var(--border);
  border-radius: 4px; font: inherit; }
#nav { padding: 8px 12px; }
#nav a { display: block; color: var(--accent); text-decoration: none; padding: 2px 0; }
#tree { overflow: auto; flex: 1; padding: 4px 12px 16px; }
#tree details { margin: 2px 0; }
#tree summary { cursor: pointer; font-weight: 600; }
#tree ul { list-style: none; margin: 0; padding-left: 14px; }
#tree li a { display: block; color: #1d2430; text-decoration: none; padding: 1px 4px;
  border-radius: 3px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
#tree li a:hover { background: #e8edf5; }
#tree li a.current { background: #dbe7fb; }
.hidden { display: none !important; }
#main { flex: 1; overflow: auto; padding: 20px 28px; }
h1 { margin: 0 0 4px; font-size: 24px; }
h2 { font-size: 17px; margin: 24px 0 8px; border-bottom: 1px solid var(--border); padding-bottom: 4px; }
.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 10px 0; }
.meta dt { color: var(--muted); }
.meta dd { margin: 0; font-family: ui-monospace, monospace; }
.tag { display: inline-block; background: #eef1f5; border-radius: 10px; padding: 0 8px; margin-right: 4px; font-size: 12px; }
.test { display: inline-block; background: #e6f4ea; color: #1e5e2f; border-radius: 3px; padding: 0 6px; margin: 1px 4px 1px 0; font-size: 12px; }
table { border-collapse: collapse; width: 100%; }
table.md { width: auto; margin: 8px 0; }
table.md th, table.md td { border: 1px solid #d0d7de; padding: 3px 8px; }
td.coldesc p { margin: 0; }
td.coldesc table.md { font-size: 12px; }
th, td { text-align: left; border-bottom: 1px solid var(--border); padding: 5px 8px; vertical-align: top; }
th { color: var(--muted); font-weight: 600; }
td.mono { font-family: ui-monospace, monospace; }
pre { background: #f6f8fa; border: 1px solid var(--border); border-radius: 4px; padding: 10px; overflow: auto; }
.muted { color: var(--muted); }
.links a { margin-right: 12px; }
.lineage-wrap { border: 1px solid var(--border); border-radius: 4px; overflow: auto; max-height: 70vh; background: #fff; }
.lineage-tools { margin: 6px 0; }
.lineage-tools button { font: inherit; padding: 2px 10px; }
svg.lineage .lnode { cursor: pointer; }
svg.lineage .lnode rect.box { stroke-width: 1.5; fill: #fff; }
svg.lineage .lnode text { font-size: 12px; dominant-baseline: middle; fill: #1d2430; pointer-events: none; }
svg.lineage .lnode .band { stroke: none; }
svg.lineage .ledge { fill: none; stroke: #9aa5b4; stroke-width: 1.3; }
svg.lineage .dim { opacity: 0.25; }
svg.lineage .lnode.current rect.box { stroke-width: 3; fill: #fff6d6; }
svg.lineage .lnode.upstream rect.box, svg.lineage .lnode.downstream rect.box { fill: #f0f6ff; }
svg.lineage .ledge.lit { stroke: #e69100; stroke-width: 2; }
.legend span { margin-right: 14px; font-size: 12px; }
.legend i { display: inline-block; width: 10px; height: 10px; margin-right: 4px; border-radius: 2px; }
</style>
</head>
<body>
<div id="app">
  <nav id="sidebar">
    <header><a href="#!/overview" id="project-name"></a>
      <input id="search" type="search" placeholder="Search by name, description or column" autocomplete="off">
    </header>
    <div id="nav"><a href="#!/overview">Overview</a><a href="#!/lineage">Project lineage</a></div>
    <div id="tree"></div>
  </nav>
  <main id="main"></main>
</div>
<script type="application/json" id="manifest-data">@@MANIFEST@@</script>
<script type="application/json" id="catalog-data">@@CATALOG@@</script>
<script type="application/json" id="lineage-data">@@LINEAGE@@</script>
<script>
"use strict";
(function () {
  const readJson = (id) => JSON.parse(document.getElementById(id).textContent || "{}");
  const manifest = readJson("manifest-data");
  const catalog = readJson("catalog-data");
  const lineage = readJson("lineage-data");
  const SVG = "http://www.w3.org/2000/svg";
  const COLORS = { source: "#2e7d32", seed: "#8d6e00", model: "#1f6feb", snapshot: "#8e24aa" };
  const colorOf = (type) => COLORS[type] || "#546e7a";
  const obj = (v) => (v && typeof v === "object" && !Array.isArray(v) ? v : {});
  const str = (v) => (typeof v === "string" ? v : v == null ? "" : String(v));

  // Every documented resource by unique id; tests are indexed by what they test.
  const resources = {};
  const testsByNode = {};
  for (const [id, node] of Object.entries(obj(manifest.nodes))) {
    const n = obj(node);
    if (n.resource_type === "test") {
      const deps = obj(n.depends_on).nodes || [];
      const target = n.attached_node || deps.find((d) => !String(d).startsWith("macro.")) || "";
      (testsByNode[target] = testsByNode[target] || []).push(n);
    } else {
      resources[id] = Object.assign({}, n, { unique_id: id });
    }
  }
  for (const [id, source] of Object.entries(obj(manifest.sources))) {
    resources[id] = Object.assign({}, obj(source), { unique_id: id, resource_type: "source" });
  }
  const parentMap = obj(manifest.parent_map);
  const childMap = obj(manifest.child_map);
  const parentsOf = (id) => (parentMap[id] || obj(obj(resources[id]).depends_on).nodes || [])
      .filter((p) => resources[p]);
  const childrenOf = (id) => {
    if (childMap[id]) return childMap[id].filter((c) => resources[c]);
    return Object.keys(resources).filter((c) => parentsOf(c).includes(id));
  };
  const routeOf = (id) => "#!/" + str(obj(resources[id]).resource_type || "node") + "/" + id;

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") e.className = v; else e.setAttribute(k, v);
    }
    for (const c of children.flat()) {
      if (c == null || c === false) continue;
      e.appendChild(typeof c === "object" ? c : document.createTextNode(String(c)));
    }
    return e;
  }
  function svg(tag, attrs) {
    const e = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    return e;
  }
  const link = (id) => el("a", { href: routeOf(id), "data-id": id }, str(obj(resources[id]).name) || id);

  // Descriptions are markdown, as in dbt's docs: headings, paragraphs, lists, tables,
  // fenced code, `code`, **bold**, *emphasis* and http(s) links. Built as DOM nodes from
  // text, never as HTML, so a description cannot inject markup.
  function inline(text) {
    const out = [];
    const re = /(`[^`]+`)|(\*\*[^*]+\*\*)|(\*[^*\s][^*]*\*)|(\[[^\]]+\]\((https?:\/\/[^)\s]+)\))/g;
    let last = 0;
    let m;
    while ((m = re.exec(text)) !== null) {
      if (m.index > last) out.push(text.slice(last, m.index));
      if (m[1]) out.push(el("code", {}, m[1].slice(1, -1)));
      else if (m[2]) out.push(el("strong", {}, m[2].slice(2, -2)));
      else if (m[3]) out.push(el("em", {}, m[3].slice(1, -1)));
      else out.push(el("a", { href: m[5], rel: "noopener" }, m[4].slice(1, m[4].indexOf("]("))));
      last = re.lastIndex;
    }
    if (last < text.length) out.push(text.slice(last));
    return out;
  }
  const tableCells = (line) => line.trim().replace(/^\|/, "").replace(/\|$/, "").split("|").map((c) => c.trim());
  function paragraphs(text) {
    const lines = str(text).split("\n");
    const blocks = [];
    for (let i = 0; i < lines.length;) {
      const line = lines[i];
      const t = line.trim();
      if (!t) { i++; continue; }
      if (t.startsWith("```")) {
        const code = [];
        for (i++; i < lines.length && !lines[i].trim().startsWith("```"); i++) code.push(lines[i]);
        i++;
        blocks.push(el("pre", {}, el("code", {}, code.join("\n"))));
      } else if (/^#{1,6}\s/.test(t)) {
        const level = Math.min(6, t.match(/^#+/)[0].length + 2);
        blocks.push(el("h" + level, {}, inline(t.replace(/^#+\s*/, ""))));
        i++;
      } else if (t.startsWith("|") && i + 1 < lines.length && /^\s*\|?[\s:|-]+\|?\s*$/.test(lines[i + 1]) && lines[i + 1].includes("-")) {
        const head = tableCells(t);
        const rows = [];
        for (i += 2; i < lines.length && lines[i].trim().startsWith("|"); i++) rows.push(tableCells(lines[i]));
        blocks.push(el("table", { class: "md" },
          el("thead", {}, el("tr", {}, head.map((h) => el("th", {}, inline(h))))),
          el("tbody", {}, rows.map((r) => el("tr", {}, r.map((c) => el("td", {}, inline(c))))))));
      } else if (/^([-*+]|\d+\.)\s/.test(t)) {
        const ordered = /^\d+\./.test(t);
        const items = [];
        for (; i < lines.length && /^([-*+]|\d+\.)\s/.test(lines[i].trim()); i++) {
          items.push(el("li", {}, inline(lines[i].trim().replace(/^([-*+]|\d+\.)\s+/, ""))));
        }
        blocks.push(el(ordered ? "ol" : "ul", {}, items));
      } else {
        const e = el("p", { class: "description" });
        for (let first = true; i < lines.length && lines[i].trim() && !/^(#{1,6}\s|```|\||[-*+]\s|\d+\.\s)/.test(lines[i].trim()); i++, first = false) {
          if (!first) e.appendChild(el("br"));
          inline(lines[i].trim()).forEach((n) => e.append(n));
        }
        blocks.push(e);
      }
    }
    if (!blocks.length) return [el("p", { class: "muted" }, "No description.")];
    return blocks;
  }

  function catalogEntry(id) {
    const entry = obj(catalog.nodes)[id];
    return obj(entry !== undefined ? entry : obj(catalog.sources)[id]);
  }

  // ---- sidebar -------------------------------------------------------------------------
  function searchText(r) {
    const cols = Object.values(obj(r.columns)).map((c) => str(obj(c).name) + " " + str(obj(c).description));
    return [r.name, r.description, r.unique_id, cols.join(" ")].map(str).join(" ").toLowerCase();
  }
  function folderOf(r) {
    const parts = str(r.original_file_path).split("/");
    parts.pop();
    if (parts.length > 1 && parts[0] === "models") parts.shift();
    return parts.join("/") || "(root)";
  }
  function buildTree() {
    const groups = [
      ["Models", (r) => r.resource_type === "model", folderOf],
      ["Seeds", (r) => r.resource_type === "seed", null],
      ["Snapshots", (r) => r.resource_type === "snapshot", null],
      ["Sources", (r) => r.resource_type === "source", (r) => str(r.source_name) || "(unnamed)"],
      ["Other", (r) => !["model", "seed", "snapshot", "source"].includes(r.resource_type), null],
    ];
    const tree = document.getElementById("tree");
    const all = Object.values(resources).sort((a, b) => str(a.name).localeCompare(str(b.name)));
    for (const [title, keep, sub] of groups) {
      const members = all.filter(keep);
      if (!members.length) continue;
      const top = el("details", { open: "", class: "group", "data-group": title.toLowerCase() }, el("summary", {}, title));
      const item = (r) => el("li", { "data-search": searchText(r) },
          el("a", { href: routeOf(r.unique_id), "data-id": r.unique_id, title: r.unique_id }, str(r.name)));
      if (!sub) {
        top.appendChild(el("ul", {}, members.map(item)));
      } else {
        const byFolder = {};
        for (const r of members) (byFolder[sub(r)] = byFolder[sub(r)] || []).push(r);
        for (const folder of Object.keys(byFolder).sort()) {
          top.appendChild(el("ul", {}, el("li", {}, el("details", { open: "", class: "folder" },
              el("summary", {}, folder), el("ul", {}, byFolder[folder].map(item))))));
        }
      }
      tree.appendChild(top);
    }
  }
  function applySearch() {
    const q = document.getElementById("search").value.trim().toLowerCase();
    const tree = document.getElementById("tree");
    for (const li of tree.querySelectorAll("li[data-search]")) {
      li.classList.toggle("hidden", q !== "" && !li.dataset.search.includes(q));
    }
    for (const d of [...tree.querySelectorAll("details")].reverse()) {
      const visible = d.querySelector("li[data-search]:not(.hidden)");
      d.classList.toggle("hidden", !visible);
      if (q && visible) d.open = true;
    }
  }

  // ---- lineage -------------------------------------------------------------------------
  function closure(id, next) {
    const seen = new Set();
    const stack = [id];
    while (stack.length) {
      for (const n of next(stack.pop())) if (!seen.has(n)) { seen.add(n); stack.push(n); }
    }
    seen.delete(id);
    return seen;
  }
  // Draws the lineage. With `keep`, only those nodes, compacted: the C++ layout's columns
  // and within-column order are kept, the gaps left by hidden nodes are closed.
  function drawLineage(focus, keep) {
    const box = lineage.box;
    let nodes = lineage.nodes || [];
    let width = lineage.width, height = lineage.height;
    const pos = {};
    // Slots: boxes, and the points long edges run through, keyed "column,row".
    const slotKey = (c, r) => c + "," + r;
    const slot = {};
    if (keep) {
      nodes = nodes.filter((n) => keep.has(n.unique_id));
      const items = nodes.map((n) => ({ column: n.column, row: n.row }));
      for (const e of lineage.edges || []) {
        if (keep.has(e.from) && keep.has(e.to)) items.push(...(e.through || []));
      }
      const columns = [...new Set(items.map((n) => n.column))].sort((a, b) => a - b);
      const byColumn = columns.map((c) => items.filter((n) => n.column === c).sort((a, b) => a.row - b.row));
      const tallest = Math.max(0, ...byColumn.map((c) => c.length));
      const pitchY = box.height + box.row_gap, pitchX = box.width + box.column_gap;
      byColumn.forEach((col, ci) => col.forEach((n, ri) => {
        slot[slotKey(n.column, n.row)] = { x: box.margin + ci * pitchX, y: box.margin + (tallest - col.length) * pitchY / 2 + ri * pitchY };
      }));
      width = 2 * box.margin + columns.length * pitchX - box.column_gap;
      height = 2 * box.margin + tallest * pitchY - box.row_gap;
    } else {
      for (const n of nodes) slot[slotKey(n.column, n.row)] = { x: n.x, y: n.y };
      for (const e of lineage.edges || []) for (const t of e.through || []) slot[slotKey(t.column, t.row)] = { x: t.x, y: t.y };
    }
    for (const n of nodes) pos[n.unique_id] = slot[slotKey(n.column, n.row)];
    const up = focus ? closure(focus, parentsOf) : new Set();
    const down = focus ? closure(focus, childrenOf) : new Set();
    const s = svg("svg", { class: "lineage", width: Math.max(width, 10), height: Math.max(height, 10),
                           viewBox: `0 0 ${Math.max(width, 10)} ${Math.max(height, 10)}` });
    const defs = svg("defs");
    for (const [name, color] of [["arrow", "#9aa5b4"], ["arrow-lit", "#e69100"]]) {
      const m = svg("marker", { id: name, viewBox: "0 0 10 10", refX: 10, refY: 5, markerWidth: 7,
                                markerHeight: 7, orient: "auto-start-reverse" });
      m.appendChild(svg("path", { d: "M0,0 L10,5 L0,10 z", fill: color }));
      defs.appendChild(m);
    }
    s.appendChild(defs);
    const edges = svg("g", { class: "edges" });
    for (const e of lineage.edges || []) {
      const a = pos[e.from], b = pos[e.to];
      if (!a || !b) continue;
      // A curve between adjacent columns, and a straight run across each slot passed through.
      let d = `M${a.x + box.width},${a.y + box.height / 2}`;
      let x = a.x + box.width, y = a.y + box.height / 2;
      const curveTo = (x2, y2) => {
        const dx = Math.max(20, (x2 - x) / 2);
        d += ` C${x + dx},${y} ${x2 - dx},${y2} ${x2},${y2}`;
        x = x2; y = y2;
      };
      for (const t of e.through || []) {
        const p = slot[slotKey(t.column, t.row)];
        curveTo(p.x, p.y + box.height / 2);
        d += ` L${p.x + box.width},${y}`;
        x = p.x + box.width;
      }
      curveTo(b.x, b.y + box.height / 2);
      // Lit: the edge lies on a path into or out of the focused node.
      const upstream = (x) => x === focus || up.has(x);
      const downstream = (x) => x === focus || down.has(x);
      const lit = focus && ((upstream(e.from) && upstream(e.to)) || (downstream(e.from) && downstream(e.to)));
      const p = svg("path", { class: "ledge" + (lit ? " lit" : focus ? " dim" : ""),
          d,
          "marker-end": lit ? "url(#arrow-lit)" : "url(#arrow)", "data-from": e.from, "data-to": e.to });
      edges.appendChild(p);
    }
    s.appendChild(edges);
    const boxes = svg("g", { class: "nodes" });
    for (const n of nodes) {
      const p = pos[n.unique_id];
      let cls = "lnode";
      if (focus) cls += n.unique_id === focus ? " current" : up.has(n.unique_id) ? " upstream" : down.has(n.unique_id) ? " downstream" : " dim";
      const g = svg("g", { class: cls, "data-id": n.unique_id, transform: `translate(${p.x},${p.y})` });
      const title = svg("title");
      title.textContent = n.unique_id;
      g.appendChild(title);
      g.appendChild(svg("rect", { class: "box", width: box.width, height: box.height, rx: 5, stroke: colorOf(n.resource_type) }));
      g.appendChild(svg("rect", { class: "band", width: 6, height: box.height, fill: colorOf(n.resource_type) }));
      const t = svg("text", { x: 14, y: box.height / 2 });
      const name = str(n.name);
      t.textContent = name.length > 26 ? name.slice(0, 25) + "\u2026" : name;
      g.appendChild(t);
      g.addEventListener("click", () => { location.hash = routeOf(n.unique_id); });
      boxes.appendChild(g);
    }
    s.appendChild(boxes);
    return s;
  }
  function legend() {
    return el("div", { class: "legend" }, Object.entries(COLORS).map(([type, color]) =>
        el("span", {}, el("i", { style: "background:" + color }), type)));
  }
  function lineageSection(focus) {
    const wrap = el("div", { class: "lineage-wrap" });
    let full = false;
    const button = el("button", { type: "button", id: "lineage-toggle" });
    const draw = () => {
      wrap.replaceChildren(drawLineage(focus, full ? null :
          new Set([focus, ...closure(focus, parentsOf), ...closure(focus, childrenOf)])));
      button.textContent = full ? "Show only this node's lineage" : "Show the whole project";
      // In a large project the current node may be far from the drawing's top-left corner.
      requestAnimationFrame(() => {
        const current = wrap.querySelector("g.lnode.current");
        if (!current) return;
        const r = current.getBoundingClientRect(), w = wrap.getBoundingClientRect();
        wrap.scrollTop += r.top - w.top - (wrap.clientHeight - r.height) / 2;
        wrap.scrollLeft += r.left - w.left - (wrap.clientWidth - r.width) / 2;
      });
    };
    button.addEventListener("click", () => { full = !full; draw(); });
    draw();
    return [el("div", { class: "lineage-tools" }, button), legend(), wrap];
  }

  // ---- pages ---------------------------------------------------------------------------
  function overview(main) {
    const meta = obj(manifest.metadata);
    const counts = {};
    for (const r of Object.values(resources)) counts[r.resource_type] = (counts[r.resource_type] || 0) + 1;
    main.append(el("h1", {}, str(meta.project_name) || "Project"),
        el("p", { class: "muted" }, "Generated " + (str(meta.generated_at) || "at an unknown time")),
        el("dl", { class: "meta" }, Object.entries(counts).sort().flatMap(([t, c]) => [el("dt", {}, t + "s"), el("dd", {}, c)])),
        el("p", {}, el("a", { href: "#!/lineage" }, "Open the project lineage")));
  }
  function projectLineage(main) {
    main.append(el("h1", {}, "Project lineage"), legend(), el("div", { class: "lineage-wrap" }, drawLineage(null, null)));
  }
  function testsOf(id, column) {
    return (testsByNode[id] || []).filter((t) => str(t.column_name) === column ||
        str(obj(obj(t.test_metadata).kwargs).column_name) === column);
  }
  function testLabel(t) {
    const meta = obj(t.test_metadata);
    let label = str(meta.name) || str(t.name);
    const values = obj(meta.kwargs).values;
    if (Array.isArray(values)) label += ": " + values.map(str).join(", ");
    const to = obj(meta.kwargs).to;
    if (to) label += " \u2192 " + str(to);
    return el("span", { class: "test", title: str(t.unique_id || t.name) }, label);
  }
  function columnsTable(r) {
    const cat = obj(catalogEntry(r.unique_id).columns);
    const catByName = {};
    for (const [k, c] of Object.entries(cat)) catByName[k.toLowerCase()] = obj(c);
    const rows = {};
    for (const [k, c] of Object.entries(obj(r.columns))) rows[k.toLowerCase()] = { name: str(obj(c).name) || k, doc: obj(c) };
    for (const [k, c] of Object.entries(catByName)) if (!rows[k]) rows[k] = { name: str(c.name) || k, doc: {} };
    const ordered = Object.entries(rows).sort((a, b) =>
        (catByName[a[0]] ? catByName[a[0]].index : 1e9) - (catByName[b[0]] ? catByName[b[0]].index : 1e9));
    if (!ordered.length) return el("p", { class: "muted" }, "No columns documented.");
    return el("table", { class: "columns" },
        el("thead", {}, el("tr", {}, el("th", {}, "Column"), el("th", {}, "Type"), el("th", {}, "Description"), el("th", {}, "Tests"))),
        el("tbody", {}, ordered.map(([key, c]) => el("tr", { "data-column": c.name },
            el("td", { class: "mono" }, c.name),
            el("td", { class: "mono" }, str(obj(catByName[key]).type) || str(c.doc.data_type)),
            el("td", { class: "coldesc" }, str(c.doc.description).trim() ? paragraphs(c.doc.description) : ""),
            el("td", {}, testsOf(r.unique_id, c.name).map(testLabel))))));
  }
  function nodePage(main, id) {
    const r = resources[id];
    if (!r) {
      main.append(el("h1", {}, "Not found"), el("p", {}, "No node " + id + " in this project."));
      return;
    }
    const config = obj(r.config);
    const stats = obj(catalogEntry(id).stats);
    const rowCount = Object.values(stats).find((s) => obj(s).id === "row_count" || obj(s).label === "Row Count");
    const relation = str(r.relation_name) || [r.database, r.schema, r.alias || r.identifier || r.name].filter(Boolean).join(".");
    const facts = [["Type", r.resource_type], ["Materialization", config.materialized],
        ["Relation", relation], ["Source", r.source_name], ["Loaded at field", r.loaded_at_field],
        ["File", r.original_file_path], ["Rows", rowCount ? obj(rowCount).value : null]];
    main.append(el("h1", { id: "node-name" }, str(r.name)),
        el("div", { class: "muted" }, id),
        el("dl", { class: "meta" }, facts.filter(([, v]) => v != null && v !== "").flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, str(v))])));
    const tags = [...new Set([...(Array.isArray(r.tags) ? r.tags : []), ...(Array.isArray(config.tags) ? config.tags : [])])];
    if (tags.length) main.append(el("div", { class: "tags" }, tags.map((t) => el("span", { class: "tag" }, str(t)))));
    main.append(el("h2", {}, "Description"), el("div", { id: "description" }, paragraphs(r.description)));
    main.append(el("h2", {}, "Columns"), columnsTable(r));
    const ups = parentsOf(id), downs = childrenOf(id);
    main.append(el("h2", {}, "Depends on"), el("div", { class: "links depends-on" }, ups.length ? ups.map(link) : el("span", { class: "muted" }, "Nothing.")));
    main.append(el("h2", {}, "Referenced by"), el("div", { class: "links referenced-by" }, downs.length ? downs.map(link) : el("span", { class: "muted" }, "Nothing.")));
    main.append(el("h2", {}, "Lineage"), ...lineageSection(id));
    const nodeTests = (testsByNode[id] || []).filter((t) => !t.column_name);
    if (nodeTests.length) main.append(el("h2", {}, "Tests on the model"), el("div", {}, nodeTests.map(testLabel)));
    if (str(r.raw_code)) main.append(el("h2", {}, "Source code"), el("pre", { class: "raw-code" }, str(r.raw_code)));
    if (str(r.compiled_code)) main.append(el("h2", {}, "Compiled code"), el("pre", { class: "compiled-code" }, str(r.compiled_code)));
  }

  function render() {
    const main = document.getElementById("main");
    main.replaceChildren();
    const route = decodeURIComponent(location.hash.replace(/^#!?\/?/, ""));
    const slash = route.indexOf("/");
    const id = slash >= 0 ? route.slice(slash + 1) : "";
    for (const a of document.querySelectorAll("#tree a.current")) a.classList.remove("current");
    if (route === "lineage") projectLineage(main);
    else if (id) {
      nodePage(main, id);
      const a = document.querySelector(`#tree a[data-id="${CSS.escape(id)}"]`);
      if (a) a.classList.add("current");
    } else overview(main);
    main.scrollTop = 0;
  }

  const projectName = str(obj(manifest.metadata).project_name);
  document.getElementById("project-name").textContent = projectName || "Project";
  buildTree();
  document.getElementById("search").addEventListener("input", applySearch);
  window.addEventListener("hashchange", render);
  render();
})();
</script>
</body>
</html>
)PAGE";

}  // namespace

std::string_view DocsSitePageTemplate() { return kPage; }

}  // namespace shoplytics::transform::internal
