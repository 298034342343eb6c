// The static documentation site of a project (what `dbt docs generate` writes to target/):
// one self-contained index.html, and the lineage layout it draws.
//
// The page carries everything inline: CSS, JS, the manifest, the catalog and the lineage
// layout as JSON. It makes no network request, so it opens from file:// and any static
// server can serve it. Manifest and catalog follow dbt's manifest.json (v12) and
// catalog.json shapes; the page treats every string in them (descriptions, SQL, names) as
// untrusted text and never interprets it as HTML.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/status.h"

namespace shoplytics::transform {

// Geometry of the lineage drawing, in SVG user units. A box's (x, y) is its top-left corner.
inline constexpr double kLineageBoxWidth = 190;
inline constexpr double kLineageBoxHeight = 34;
inline constexpr double kLineageColumnGap = 90;  // horizontal space between two columns
inline constexpr double kLineageRowGap = 16;     // vertical space between two boxes
inline constexpr double kLineageMargin = 20;

struct LineageNode {
  std::string unique_id, name, resource_type;  // resource_type: source, seed, model, snapshot...
  int column = 0;  // 0 for nodes without parents; otherwise 1 + the deepest parent's column
  int row = 0;     // position within the column, from 0 at the top
  double x = 0, y = 0;
};

// A slot of the layout grid that a box or a long edge occupies.
struct LineageSlot {
  int column = 0, row = 0;
  double x = 0, y = 0;  // the top-left corner of a box there
};

struct LineageEdge {
  std::string from, to;  // parent -> child
  // For an edge spanning several columns, the slot it runs through in each column between
  // its ends, left to right: no box is placed there, so the edge never crosses a box.
  std::vector<LineageSlot> through;
};

struct Lineage {
  std::vector<LineageNode> nodes;  // sorted by (column, row)
  std::vector<LineageEdge> edges;  // sorted by (from, to), no duplicates
  double width = 0, height = 0;    // the drawing's extent, margins included
};

// Lays out the lineage of the manifest's `nodes` and `sources`, tests excluded, with edges
// from `parent_map` and `child_map` (or each node's `depends_on.nodes` when the maps are
// absent) between the included nodes. Within a column, rows are ordered by a few barycenter
// sweeps to reduce edge crossings, starting from unique-id order, so the result is
// deterministic. An edge spanning several columns reserves a slot in each column it passes
// (LineageEdge::through), ordered with the nodes. Columns are centred vertically. Boxes
// never overlap: no two nodes or slots share (column, row), and rows are
// kLineageBoxHeight + kLineageRowGap apart. A cycle (which a valid manifest cannot hold)
// does not fail: its nodes are placed after their placed parents.
// Entries of the wrong JSON type are skipped; the call never throws.
Lineage LayoutLineage(const nlohmann::json& manifest);

// The lineage as the page reads it: {nodes: [...], edges: [{from, to, through}], width,
// height, box: {width, height, column_gap, row_gap, margin}}.
nlohmann::json LineageToJson(const Lineage& lineage);

// Serializes `value` for embedding in an HTML <script type="application/json"> element: the
// text cannot end the element or open a comment ("</" becomes "<\/", "<!--" becomes
// "\u003c!--"), and U+2028/U+2029 are written as escapes. Invalid UTF-8 is replaced by
// U+FFFD. JSON.parse of the element's text gives back `value`.
std::string JsonForScriptElement(const nlohmann::json& value);

// Writes `out_dir`/index.html (the site) and, when `catalog` is not null, `out_dir`/catalog.json.
// Creates `out_dir` if needed; each file is replaced atomically. The manifest is embedded
// without its `macros`, which the page does not show and which dominate a real manifest's size.
// `catalog` may be null or {} (no column types from the warehouse). Errors name the path:
// kInvalidArgument when `manifest` is not an object, otherwise the file system's error.
Status WriteDocsSite(const nlohmann::json& manifest, const nlohmann::json& catalog,
                     const std::filesystem::path& out_dir);

}  // namespace shoplytics::transform
