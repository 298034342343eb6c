// The synthetic shop as pure functions of a seed.
//
// ShopModel answers "what does the shop look like at time T": how many orders and sign-ups
// each day has (growth, weekly and yearly seasonality, holiday peaks), who the customers
// are (a Pareto spread of purchase frequency; email, country and deletion events), the
// catalog (category price bands, price changes over time), and each order's life
// (placed → paid → shipped → delivered, or cancelled, returned, disputed). Nothing here
// touches a database or a file; the generator turns it into rows.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "seed/internal/huge_page_allocator.h"
#include "seed/random.h"

namespace shoplytics::seed {

struct ShopParams {
  uint64_t seed = 42;
  int64_t start_day = 0;  // days since 1970-01-01 of the first day of orders
  int months = 12;
  int64_t orders_per_month = 10000;
  int products = 1000;
  int clickstream_days = 14;  // clickstream covers the last N days of the period
};

// Named scales: tiny (tests), small (demo), medium, full (500K orders/month, 24 months).
struct ScalePreset {
  const char* name;
  int64_t orders_per_month;
  int months;
  int products;
  int clickstream_days;
};
const ScalePreset* FindScale(std::string_view name);

// The parameters of a named scale (nullptr-safe: false for an unknown name), with the
// history ending at the midnight that starts `today` (days since 1970-01-01).
bool ParamsForScale(std::string_view name, int64_t today, ShopParams* params);
// The first day of a history of `months` months that ends when `today` begins.
int64_t StartDayEndingAt(int64_t today, int months);

// Time is Unix seconds (UTC). A time of -1 means "never".
constexpr int64_t kNever = -1;

struct Customer {
  int64_t id = 0;
  int64_t created_at = 0;
  std::string first_name, last_name, email, country, city, acquisition_channel;
  bool marketing_opt_in = false;
  int64_t updated_at = 0;
  int64_t deleted_at = kNever;  // soft delete
  bool hard_deleted = false;    // erased (only written when the customer never ordered)
};

struct Product {
  int64_t id = 0;
  std::string sku, name, category, brand, description;
  int64_t base_price_cents = 0;
  int64_t cost_cents = 0;
  int64_t created_at = 0;
  double popularity = 1;
  double rating = 0;
  int rating_count = 0;
  // Price changes: (time, new price), ascending; the price before the first is base.
  std::vector<std::pair<int64_t, int64_t>> price_changes;
};

// The life of one order, decided when it is placed; the status at a time T is the last
// event at or before T.
struct OrderLife {
  int64_t placed_at = 0;
  int64_t payment_failed_at = kNever;  // declined card; the order is then cancelled
  int64_t paid_at = kNever;
  int64_t shipped_at = kNever;
  int64_t delivered_at = kNever;
  int64_t cancelled_at = kNever;
  int64_t returned_at = kNever;
  double refund_fraction = 0;  // of the total, refunded on cancel-after-payment or return
  int64_t dispute_at = kNever;
  int64_t dispute_closed_at = kNever;
  bool dispute_won = false;
  int dispute_reason = 0;
  int card = 0;  // index into the card brands

  // "placed", "paid", "shipped", "delivered", "cancelled", "returned"; "" before placed.
  std::string_view StatusAt(int64_t t) const;
  int64_t UpdatedAt(int64_t t) const;  // time of the last event at or before t
  static int64_t At(int64_t event, int64_t t) { return event != kNever && event <= t ? event : kNever; }
};

struct Campaign {
  const char* id;
  const char* name;
  const char* source;  // utm_source
  const char* medium;  // utm_medium
  const char* channel; // marketing channel in the CSV files
  double weight;       // share of campaign traffic
  int cpc_cents;       // cost per click
  double ctr;          // click-through rate
  int active_from_month_day;  // MMDD when seasonal, 0 = always
  int active_to_month_day;
};
const std::vector<Campaign>& Campaigns();

// Traffic sources of an order: a campaign, or organic / direct.
struct Attribution {
  int campaign = -1;  // index into Campaigns(), -1 for none
  const char* source = nullptr;
  const char* medium = nullptr;
};

class ShopModel {
 public:
  // horizon_days: how far past the initial period the plan must reach (for --advance).
  ShopModel(const ShopParams& params, int64_t horizon_days);

  // The first day after the initial period: start_day plus `months` calendar months.
  static int64_t EndDay(const ShopParams& params);

  const ShopParams& params() const { return params_; }
  int64_t start_day() const { return params_.start_day; }
  int64_t end_day() const { return end_day_; }  // first day after the initial period
  int64_t last_plan_day() const { return first_day_ + static_cast<int64_t>(orders_.size()); }

  // Orders and sign-ups planned for a day; ids are sequential in time.
  int64_t OrdersOn(int64_t day) const;
  int64_t FirstOrderIdOn(int64_t day) const;
  int64_t SignupsOn(int64_t day) const;
  // Customers [FirstCustomerIdOn(day), FirstCustomerIdOn(day + 1)) sign up that day;
  // customers before FirstCustomerIdOn(start_day) existed before the period.
  int64_t FirstCustomerIdOn(int64_t day) const;
  int64_t PreexistingCustomers() const { return preexisting_; }

  Customer CustomerAt(int64_t id, int64_t t) const;
  int64_t CustomerCreatedAt(int64_t id) const;
  // When the customer is deleted (soft or hard), or kNever.
  int64_t CustomerDeletedAt(int64_t id) const;
  std::string CustomerCountryAt(int64_t id, int64_t t) const;
  // Last time at or before t the customer changed, for --advance (kNever if none in range).
  bool CustomerChangedBetween(int64_t id, int64_t from, int64_t to) const;

  // The customer of an order placed at t, and the country the customer lives in then
  // (CustomerCountryAt(id, t), in a static string).
  struct PickedCustomer {
    int64_t id;
    std::string_view country;
  };
  // Picks the customer of an order placed at t, from those signed up by then: recent
  // sign-ups place first orders; the rest follow a Pareto spread of purchase frequency.
  PickedCustomer PickCustomer(Rng& rng, int64_t t) const;
  // PickCustomer in steps, for a caller that makes other draws while the pick's memory
  // loads: BeginPick makes the first attempt's draws; FinishPick answers it, or returns
  // nullopt when that attempt found a deleted customer. Then PickCustomer's answer is
  // ContinuePick with rng as BeginPick left it (so the caller redoes its other draws).
  struct PendingPick {
    int64_t t = 0;
    int64_t first_today = 0;
    int64_t signed_up = 0;
    int64_t id = 0;  // the attempt's customer, or 0 when it is the first whose weight passes x
    double x = 0;
  };
  PendingPick BeginPick(Rng& rng, int64_t t) const;
  std::optional<PickedCustomer> FinishPick(const PendingPick& pick) const;
  PickedCustomer ContinuePick(Rng& rng, PendingPick pick) const;
  // Warms the caches for the PickCustomer(rng, t) a caller is about to make, given a copy
  // of its rng: the pick reads two large tables at random, and their cache misses cost
  // more than the rest of it. PrefetchPick starts loading the first table; WarmPick,
  // called a little later, the part of the second that the first points to. Neither
  // changes anything; a pick without them gives the same customer.
  struct PickHint {
    int64_t bucket = -1;
  };
  PickHint PrefetchPick(Rng rng, int64_t t) const;
  void WarmPick(const PickHint& hint) const;

  // products()[i].id == i + 1.
  const std::vector<Product>& products() const { return products_; }
  int64_t PriceAt(const Product& p, int64_t t) const;
  int64_t PriceUpdatedAt(const Product& p, int64_t t) const;
  const Product& PickProduct(Rng& rng, int64_t t) const;

  OrderLife LifeOf(int64_t order_id, int64_t placed_at) const;
  Attribution PickAttribution(Rng& rng, int64_t day) const;
  static bool CampaignActive(const Campaign& c, int64_t day);
  // A time on `day` drawn from the shop's diurnal curve (quiet nights, busy evenings).
  static int64_t RandomTimeOn(Rng& rng, int64_t day);

  // Tax rate in basis points for a shipping country.
  static int TaxBasisPoints(std::string_view country);
  static const char* CardBrand(int card);
  static const char* DisputeReason(int reason);

  // Stripe-style ids: prefix + 24 base62 characters derived from the seed and a key.
  std::string StripeId(std::string_view prefix, uint64_t kind, uint64_t key) const;
  void AppendStripeId(std::string& out, std::string_view prefix, uint64_t kind,
                      uint64_t key) const;

 private:
  void PlanDays(int64_t horizon_days);
  void BuildCatalog();
  void BuildCustomerWeights();
  int64_t SignupTime(int64_t id) const;
  int64_t SignedUpBy(int64_t t) const;  // customers with smaller ids signed up by t
  void DrawAttempt(Rng& rng, PendingPick* pick) const;
  int64_t WeightBucket(double x) const;
  std::string_view CountryAt(int64_t id, int64_t created, int64_t t) const;

  ShopParams params_;
  // HashKey({seed, stream}) of the streams drawn on every order, mixed once.
  uint64_t customer_key_;
  uint64_t life_key_;
  uint64_t stripe_key_;
  int64_t end_day_ = 0;
  int64_t first_day_ = 0;
  int64_t preexisting_ = 0;
  std::vector<int64_t> orders_;           // per day from first_day_
  std::vector<int64_t> first_order_id_;   // per day, plus one past the end
  std::vector<int64_t> first_customer_;   // per day, plus one past the end
  // Read at random on every order: on huge pages, so that reads and prefetches of them
  // rarely miss the TLB as well.
  template <typename T>
  using HugeVector = std::vector<T, internal::HugePageAllocator<T>>;
  HugeVector<double> cum_weight_;  // cum_weight_[i] = sum of weights of ids 1..i
  std::vector<Product> products_;
  // Walker's alias table over product popularity: O(1) draws.
  std::vector<double> product_prob_;
  std::vector<uint32_t> product_alias_;
  std::vector<int64_t> product_created_;  // products_[i].created_at, compact for the draws
  // customer_bucket_[b]: first id whose cumulative weight exceeds b / kBuckets of the
  // total, so a weighted draw searches one small range instead of all customers.
  HugeVector<int32_t> customer_bucket_;
  // Per planned day: bit i set when campaign i runs; the sum of their weights.
  std::vector<uint32_t> campaign_mask_;
  std::vector<double> campaign_weight_;
};

}  // namespace shoplytics::seed
