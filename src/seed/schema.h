// The source systems' schemas as the generator creates them: the shop's OLTP database
// (schema `shop`), Stripe's objects (schema `stripe`, served by the sandbox with Stripe's
// API semantics) and the generator's own state (schema `shoplytics_generator`).
#pragma once

#include <string>
#include <vector>

namespace shoplytics::seed {

struct TableDef {
  const char* name;     // qualified: "shop.orders"
  const char* columns;  // column list for CREATE TABLE, in COPY order
  const char* key;      // primary key column
};

// Index into SourceTables().
enum SourceTable {
  kCustomers,
  kProducts,
  kInventory,
  kOrders,
  kOrderItems,
  kCharges,
  kRefunds,
  kDisputes,
  kBalanceTransactions,
  kSourceTableCount,
};

const std::vector<TableDef>& SourceTables();

// Constraints and indexes added after the bulk load (faster than maintaining them row by
// row), split into two lists that can run in parallel on two connections.
const std::vector<std::string>& PostLoadDdl(int lane);

// The generator's state table: what was generated, so `--advance` can continue it.
extern const char* const kStateDdl;

}  // namespace shoplytics::seed
