// The catalog API connector (`type: http_json`): a FakeStore-style JSON array of products
// from one GET into raw.<source>_<table>.
//
//   catalog:
//     type: http_json
//     base_url: ${CATALOG_API_BASE}
//     path: /products          # default
//     table: products          # default; lands in raw.catalog_products
//     primary_key: id          # default
//     api_key: ${CATALOG_KEY}  # optional; sent as a Bearer token
//
// Every run reads the whole array (the API has no cursor) and merges it into raw by the
// key. Columns: id BIGINT, title, price DECIMAL(18,2), description, category, image,
// rating_rate DOUBLE, rating_count BIGINT, and the object as raw_json. 429, 5xx and
// transport failures are retried as for Stripe (http_client.h); a failure is reported in
// the table's TableReport.
#pragma once

#include <vector>

#include "common/status.h"
#include "config/project_config.h"
#include "sources/connector.h"
#include "sources/http_client.h"

namespace shoplytics::sources {

Result<std::vector<TableReport>> ExtractHttpJson(const SourceConfig& config,
                                                 const ExtractContext& ctx);
Result<std::vector<TableReport>> ExtractHttpJson(const SourceConfig& config,
                                                 const ExtractContext& ctx,
                                                 const ApiClientOptions& api);

}  // namespace shoplytics::sources
