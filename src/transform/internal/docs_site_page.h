// The docs site's page (HTML, CSS and JS in one file), for transform/docs_site.cc only.
#pragma once

#include <string_view>

namespace shoplytics::transform::internal {

// The page with placeholders @@TITLE@@ (HTML-escaped text) and @@MANIFEST@@, @@CATALOG@@,
// @@LINEAGE@@ (JSON made safe for a <script type="application/json"> element).
std::string_view DocsSitePageTemplate();

}  // namespace shoplytics::transform::internal
