// DayEmitter turns one day of the ShopModel into rows: the customers who sign up, the
// orders placed (with their lines), and the Stripe objects (charges, refunds, disputes,
// balance transactions) whose creation falls in the emit window.
//
// The window (from, to] is what makes --advance work: the first generation emits
// everything created up to the shop's "now" with its state at that time; an advance
// emits what is created after the old "now", with its state at the new one, and
// reports the older objects whose state changed (see OrderChanges).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/status.h"
#include "seed/copy_writer.h"
#include "seed/schema.h"
#include "seed/shop_model.h"

namespace shoplytics::seed {

// One writer per source table; a null writer means "not wanted in this pass".
using Writers = std::array<CopyRowWriter*, kSourceTableCount>;

// An order as placed, for the clickstream and the marketing files.
struct PlacedOrder {
  int64_t order_id;
  int64_t customer_id;
  int64_t placed_at;
  int64_t total_cents;
  Attribution attribution;
  // Static strings, as views: rows and events copy them without measuring them again.
  std::string_view channel;
  std::string_view device;
  std::string_view country;
  std::vector<int64_t> product_ids;
};

struct EmitWindow {
  int64_t from;  // exclusive; kNever (-1) for "from the beginning"
  int64_t to;    // inclusive: the shop's "now"
  bool Contains(int64_t t) const { return t != kNever && t > from && t <= to; }
};

class DayEmitter {
 public:
  DayEmitter(const ShopModel& model, int64_t next_item_id)
      : model_(model),
        next_item_id_(next_item_id),
        last4_key_(HashKey({model.params().seed, 77})) {}

  // Emits customers with ids in [first, last) (their state at window.to).
  Status EmitCustomers(int64_t first, int64_t last, const EmitWindow& window,
                       const Writers& writers);
  // Emits the orders placed on `day` and everything about them created in the window.
  // `placed` receives the day's orders (cleared first) when not null, with their
  // product ids only when `with_products` (the clickstream needs them, marketing not).
  Status EmitDay(int64_t day, const EmitWindow& window, const Writers& writers,
                 std::vector<PlacedOrder>* placed, bool with_products = true);
  // Emits the Stripe objects of an existing order created in the window; writes the
  // charge row again only when `charge_states` is set (for changed-state updates).
  Status EmitStripe(int64_t order_id, int64_t customer_id, int64_t total_cents,
                    const OrderLife& life, const EmitWindow& window, const Writers& writers);
  // Writes a charge row with its state at `t` (paid or failed, refunds, dispute flag).
  void WriteCharge(CopyRowWriter& w, int64_t order_id, int64_t customer_id, int64_t total,
                   const OrderLife& life, int64_t t) const;
  void WriteDispute(CopyRowWriter& w, int64_t order_id, int64_t total, const OrderLife& life,
                    int64_t t) const;

  int64_t next_item_id() const { return next_item_id_; }
  // Customers emitted so far whose deletion was a hard one (erased unless they ordered).
  const std::vector<int64_t>& hard_deleted() const { return hard_deleted_; }

 private:
  Status WriteOrder(CopyRowWriter& w, const PlacedOrder& o, int64_t subtotal, int64_t discount,
                    int64_t shipping, int64_t tax, std::string_view coupon, const OrderLife& life,
                    int64_t t);
  void WriteBalanceTransaction(CopyRowWriter& w, const std::string& id, int64_t amount,
                               int64_t fee, std::string_view type, std::string_view category,
                               const std::string& source, std::string_view description,
                               int64_t created, int64_t now) const;

  // Prices on the day EmitDay works on, by product index: the price when the day starts,
  // valid until the product's next change, so most lines skip the search of its changes.
  void PriceDay(int64_t day);
  int64_t LinePrice(ptrdiff_t product, int64_t t) const;
  int64_t priced_day_ = INT64_MIN;
  std::vector<int64_t> day_price_;
  std::vector<int64_t> price_until_;

  // The Stripe id of (kind, key), remembered per kind: one order asks for its charge's and
  // balance transaction's ids several times.
  const std::string& Id(std::string_view prefix, uint64_t kind, uint64_t key) const;
  struct CachedId {
    uint64_t kind = 0, key = 0;
    std::string id;
  };
  mutable std::array<CachedId, 16> id_cache_;

  const ShopModel& model_;
  int64_t next_item_id_;
  uint64_t last4_key_;  // HashKey({seed, 77}): card digits are HashKey({seed, 77, order_id})
  std::vector<int64_t> hard_deleted_;
};

// Writes an order's progress columns at time t: updated_at, paid_at, shipped_at,
// delivered_at, cancelled_at, returned_at (the last six columns of shop.orders).
void WriteOrderProgress(CopyRowWriter& w, const OrderLife& life, int64_t t);

// Customer-facing Stripe amounts: the refund of an order (0 when none).
int64_t RefundAmount(const OrderLife& life, int64_t total_cents);
// When the order's refund is created, or kNever.
int64_t RefundAt(const OrderLife& life);
// Stripe's fee for a card charge: 2.9% + 30 cents.
int64_t StripeFee(int64_t amount);

}  // namespace shoplytics::seed
