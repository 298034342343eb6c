// The Stripe connector (`type: stripe`): charges, refunds, disputes and balance
// transactions through Stripe's list API into raw.<source>_<object>.
//
//   stripe:
//     type: stripe
//     api_key: ${STRIPE_API_KEY}                          # a secret; sent as a Bearer token
//     base_url: ${STRIPE_API_BASE:-https://api.stripe.com}
//     objects: [charges, refunds, disputes, balance_transactions]   # default: all four
//     lookback: 3d          # re-read objects created this long before the cursor
//     page_size: 100        # `limit` of each list call, 1..100
//     pages_per_batch: 500  # pages staged before each commit
//
// Each object is listed newest first with limit=page_size, following starting_after until
// has_more is false. Incremental runs ask only created[gte] = cursor - lookback, since an
// object's status changes after it is created (a charge is refunded, a dispute is won);
// the cursor is the largest `created` seen. Rows merge into raw by `id`, so an object seen
// twice (a page that shifted, a re-read within the lookback) is stored once.
//
// The objects are listed in parallel (the run's --threads workers, one object each at a
// time). Every pages_per_batch pages the staged rows are committed through RawStore (a
// commit merges into raw by id, so it costs a pass over the raw table: small batches make
// a first pull of millions of objects quadratic); the cursor
// moves only with the last batch of a complete listing, because the listing runs from new
// to old: a pull that stops halfway keeps the old cursor and the rerun reads the rest.
//
// 429, 5xx and transport failures are retried (http_client.h). A rejected key (401) is
// returned as the Status, since no object can load; other failures of one object are in
// its TableReport.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "config/project_config.h"
#include "sources/connector.h"
#include "sources/http_client.h"

namespace shoplytics::sources {

Result<std::vector<TableReport>> ExtractStripe(const SourceConfig& config,
                                               const ExtractContext& ctx);
// The same with the HTTP behaviour given (tests: a sleeper that does not wait).
Result<std::vector<TableReport>> ExtractStripe(const SourceConfig& config,
                                               const ExtractContext& ctx,
                                               const ApiClientOptions& api);

// "3d", "12h", "30m", "45s" or a plain number of seconds; kInvalidArgument otherwise.
Result<int64_t> ParseDurationSeconds(std::string_view text);

}  // namespace shoplytics::sources
