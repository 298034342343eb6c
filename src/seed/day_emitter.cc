#include "seed/day_emitter.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <optional>

#include "seed/calendar.h"

namespace shoplytics::seed {

namespace {

// Stripe id kinds (the second argument of ShopModel::StripeId).
enum StripeKind : uint64_t {
  kChargeId = 1,
  kFailedChargeId,
  kRefundId,
  kDisputeId,
  kChargeTxnId,
  kRefundTxnId,
  kDisputeTxnId,
  kReversalTxnId,
  kCustomerId,
};

// Writes n as at least `width` zero-padded digits ending just before `end`, two digits at a
// time; returns where the digits start.
char* PutDigits(char* end, uint64_t n, int width) {
  static constexpr auto kPairs = [] {
    std::array<char, 200> pairs{};
    for (int i = 0; i < 100; ++i) {
      pairs[2 * i] = static_cast<char>('0' + i / 10);
      pairs[2 * i + 1] = static_cast<char>('0' + i % 10);
    }
    return pairs;
  }();
  char* p = end;
  while (n >= 100) {
    const uint64_t rest = n / 100;
    p -= 2;
    std::memcpy(p, &kPairs[2 * (n - rest * 100)], 2);
    n = rest;
  }
  if (n >= 10) {
    p -= 2;
    std::memcpy(p, &kPairs[2 * n], 2);
  } else {
    *--p = static_cast<char>('0' + n);
  }
  while (end - p < width) *--p = '0';
  return p;
}

// Sorts times that all fall on `day`: a radix sort on the second of the day (two passes
// of 9 bits; the sorted result is the same as std::sort's, at a fraction of the cost).
void SortTimesOfDay(std::vector<int64_t>& times, int64_t day) {
  constexpr int kBits = 9;
  constexpr size_t kBuckets = size_t{1} << kBits;
  const int64_t start = day * kSecondsPerDay;
  std::vector<int64_t> scratch(times.size());
  for (int pass = 0; pass < 2; ++pass) {
    const int shift = pass * kBits;
    std::array<size_t, kBuckets + 1> count{};
    for (int64_t t : times) ++count[(((t - start) >> shift) & (kBuckets - 1)) + 1];
    for (size_t b = 1; b <= kBuckets; ++b) count[b] += count[b - 1];
    for (int64_t t : times) scratch[count[((t - start) >> shift) & (kBuckets - 1)]++] = t;
    times.swap(scratch);
  }
}

// "SO-00000042", or with another prefix, in a buffer of its own: rows need no allocation.
class OrderNumber {
 public:
  explicit OrderNumber(int64_t order_id, std::string_view prefix = "SO-") {
    char* first = PutDigits(buffer_ + sizeof(buffer_), static_cast<uint64_t>(order_id), 8);
    first -= prefix.size();
    std::memcpy(first, prefix.data(), prefix.size());
    text_ = std::string_view(first, buffer_ + sizeof(buffer_) - first);
  }
  std::string_view text() const { return text_; }

 private:
  char buffer_[48];  // a prefix of up to 28 characters, and the digits of any int64
  std::string_view text_;
};

int64_t AvailableOn(int64_t created) { return (created / kSecondsPerDay + 2) * kSecondsPerDay; }

struct Coupon {
  std::string_view code;
  int percent;
  bool free_shipping;
};

// What a day means for coupons, worked out once per day.
struct CouponDay {
  explicit CouponDay(int64_t day) : date(CivilFromDays(day)) {
    for (int back = 0; back <= 3; ++back) bfcm |= IsBlackFriday(day - back);
  }
  CivilDate date;
  bool bfcm = false;  // Black Friday to Cyber Monday
};

const Coupon* PickCoupon(Rng& rng, const CouponDay& day) {
  static constexpr Coupon kWelcome{"WELCOME10", 10, false}, kSave{"SAVE15", 15, false},
      kShip{"FREESHIP", 0, true}, kSpring{"SPRING20", 20, false}, kBf{"BFCM25", 25, false},
      kXmas{"XMAS15", 15, false};
  const CivilDate& d = day.date;
  if (day.bfcm) return rng.Chance(0.45) ? &kBf : nullptr;
  if (!rng.Chance(0.18)) return nullptr;
  if (d.month == 12 && d.day <= 20 && rng.Chance(0.5)) return &kXmas;
  if (d.month >= 3 && d.month <= 5 && rng.Chance(0.35)) return &kSpring;
  const double u = rng.Uniform();
  return u < 0.4 ? &kWelcome : u < 0.75 ? &kSave : &kShip;
}

}  // namespace

int64_t StripeFee(int64_t amount) { return std::llround(amount * 0.029) + 30; }

int64_t RefundAt(const OrderLife& life) {
  if (life.refund_fraction <= 0) return kNever;
  return life.returned_at != kNever ? life.returned_at : life.cancelled_at;
}

int64_t RefundAmount(const OrderLife& life, int64_t total_cents) {
  if (life.refund_fraction <= 0) return 0;
  if (life.refund_fraction >= 1.0) return total_cents;
  return std::llround(static_cast<double>(total_cents) * life.refund_fraction);
}

const std::string& DayEmitter::Id(std::string_view prefix, uint64_t kind, uint64_t key) const {
  CachedId& slot = id_cache_[kind % id_cache_.size()];
  if (slot.kind != kind || slot.key != key || slot.id.empty()) {
    slot.kind = kind;
    slot.key = key;
    slot.id.clear();  // keeps its capacity: no allocation per id
    model_.AppendStripeId(slot.id, prefix, kind, key);
  }
  return slot.id;
}

Status DayEmitter::EmitCustomers(int64_t first, int64_t last, const EmitWindow& window,
                                 const Writers& writers) {
  CopyRowWriter* w = writers[kCustomers];
  if (w == nullptr) return OkStatus();
  for (int64_t id = first; id < last; ++id) {
    const Customer c = model_.CustomerAt(id, window.to);
    if (c.hard_deleted) hard_deleted_.push_back(id);
    w->BeginRow(11);
    w->Int64(c.id);
    w->Text(c.email);
    w->Text(c.first_name);
    w->Text(c.last_name);
    w->Text(c.country);
    w->Text(c.city);
    w->Bool(c.marketing_opt_in);
    w->Text(c.acquisition_channel);
    w->Timestamp(c.created_at);
    w->Timestamp(c.updated_at);
    w->TimestampOrNull(c.deleted_at);
    RETURN_IF_ERROR(w->EndRow());
  }
  return OkStatus();
}

Status DayEmitter::EmitDay(int64_t day, const EmitWindow& window, const Writers& writers,
                           std::vector<PlacedOrder>* placed, bool with_products) {
  Rng rng({model_.params().seed, 1, static_cast<uint64_t>(day), 99});
  const int64_t n = model_.OrdersOn(day);
  const int64_t first_id = model_.FirstOrderIdOn(day);
  // Order times through the day follow a diurnal curve; ids ascend with time.
  std::vector<int64_t> times(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) times[i] = ShopModel::RandomTimeOn(rng, day);
  SortTimesOfDay(times, day);
  if (placed != nullptr) placed->clear();

  PriceDay(day);
  const Product* const catalog = model_.products().data();
  std::vector<const Product*> lines;
  std::vector<int> quantities;
  std::vector<int64_t> unit_prices;
  const CouponDay coupon_day(day);
  for (int64_t i = 0; i < n; ++i) {
    PlacedOrder o;
    o.order_id = first_id + i;
    o.placed_at = times[i];
    // The order's other draws run while the customer's weights load; the rare pick of a
    // deleted customer takes more draws, and they are then redone after them.
    const ShopModel::PendingPick pick = model_.BeginPick(rng, o.placed_at);
    const Rng after_pick = rng;
    int64_t subtotal = 0;
    const Coupon* coupon = nullptr;
    const auto draw_order = [&] {
      o.attribution = model_.PickAttribution(rng, day);
      const double c = rng.Uniform();
      o.channel = c < 0.55 ? "web" : c < 0.9 ? "mobile_app" : "marketplace";
      const double d = rng.Uniform();
      if (o.channel[0] == 'm' && o.channel[1] == 'o') {
        o.device = d < 0.85 ? "mobile" : "tablet";
      } else {
        o.device = d < 0.48 ? "desktop" : d < 0.92 ? "mobile" : "tablet";
      }

      // About 2.5 lines per order, distinct products.
      const int n_lines = 1 + std::min(rng.Geometric(0.4), 11);
      lines.clear();
      quantities.clear();
      unit_prices.clear();
      subtotal = 0;
      for (int l = 0; l < n_lines; ++l) {
        const Product* p = &model_.PickProduct(rng, o.placed_at);
        for (int retry = 0;
             retry < 3 && std::find(lines.begin(), lines.end(), p) != lines.end(); ++retry) {
          p = &model_.PickProduct(rng, o.placed_at);
        }
        if (std::find(lines.begin(), lines.end(), p) != lines.end()) continue;
        const double q = rng.Uniform();
        const int quantity = q < 0.86 ? 1 : q < 0.97 ? 2 : static_cast<int>(rng.Int(3, 5));
        lines.push_back(p);
        quantities.push_back(quantity);
        unit_prices.push_back(LinePrice(p - catalog, o.placed_at));
        subtotal += quantity * unit_prices.back();
      }
      coupon = PickCoupon(rng, coupon_day);
    };
    draw_order();
    std::optional<ShopModel::PickedCustomer> customer = model_.FinishPick(pick);
    if (!customer) {
      rng = after_pick;
      customer = model_.ContinuePick(rng, pick);
      draw_order();
    }
    o.customer_id = customer->id;
    o.country = customer->country;
    // The day's draws for this order are done: warm the next order's customer pick while
    // this one's rows are written.
    const ShopModel::PickHint next_pick =
        i + 1 < n ? model_.PrefetchPick(rng, times[i + 1]) : ShopModel::PickHint{};
    const int64_t discount = coupon ? subtotal * coupon->percent / 100 : 0;
    const int64_t shipping =
        (subtotal - discount >= 5000 || (coupon && coupon->free_shipping)) ? 0 : 599;
    const int64_t tax =
        (subtotal - discount + shipping) * ShopModel::TaxBasisPoints(o.country) / 10000;
    o.total_cents = subtotal - discount + shipping + tax;
    const OrderLife life = model_.LifeOf(o.order_id, o.placed_at);

    if (window.Contains(o.placed_at)) {
      if (CopyRowWriter* w = writers[kOrders]) {
        RETURN_IF_ERROR(WriteOrder(*w, o, subtotal, discount, shipping, tax,
                                   coupon ? coupon->code : std::string_view(), life, window.to));
      }
      // Line discounts share the order's discount in proportion; the last takes the rest.
      int64_t discount_left = discount;
      for (size_t l = 0; l < lines.size(); ++l) {
        const int64_t unit = unit_prices[l];
        const int64_t line_total = unit * quantities[l];
        const int64_t line_discount = l + 1 == lines.size()
                                          ? discount_left
                                          : (subtotal ? discount * line_total / subtotal : 0);
        discount_left -= line_discount;
        const int64_t item_id = next_item_id_++;
        if (CopyRowWriter* w = writers[kOrderItems]) {
          w->BeginRow(8);
          w->Int64(item_id);
          w->Int64(o.order_id);
          w->Int64(lines[l] - catalog + 1);
          w->Int32(quantities[l]);
          w->Int64(unit);
          w->Int64(line_discount);
          w->Timestamp(o.placed_at);
          w->Timestamp(o.placed_at);
          RETURN_IF_ERROR(w->EndRow());
        }
      }
    }
    RETURN_IF_ERROR(EmitStripe(o.order_id, o.customer_id, o.total_cents, life, window, writers));
    if (placed != nullptr) {
      if (with_products) {
        o.product_ids.reserve(lines.size());
        for (const Product* p : lines) o.product_ids.push_back(p - catalog + 1);
      }
      placed->push_back(std::move(o));
    }
    model_.WarmPick(next_pick);
  }
  return OkStatus();
}

void DayEmitter::PriceDay(int64_t day) {
  if (day == priced_day_) return;
  const std::vector<Product>& products = model_.products();
  // Going forward, only the prices that changed since the last priced day need a search.
  const bool forward = priced_day_ != INT64_MIN && day > priced_day_;
  day_price_.resize(products.size());
  price_until_.resize(products.size());
  const int64_t start = day * kSecondsPerDay;
  for (size_t i = 0; i < products.size(); ++i) {
    if (forward && price_until_[i] > start) continue;
    const Product& p = products[i];
    day_price_[i] = model_.PriceAt(p, start);
    auto next = std::upper_bound(p.price_changes.begin(), p.price_changes.end(), start,
                                 [](int64_t v, const auto& change) { return v < change.first; });
    price_until_[i] = next == p.price_changes.end() ? INT64_MAX : next->first;
  }
  priced_day_ = day;
}

int64_t DayEmitter::LinePrice(ptrdiff_t product, int64_t t) const {
  if (t < price_until_[product]) return day_price_[product];
  return model_.PriceAt(model_.products()[product], t);
}

Status DayEmitter::WriteOrder(CopyRowWriter& w, const PlacedOrder& o, int64_t subtotal,
                              int64_t discount, int64_t shipping, int64_t tax,
                              std::string_view coupon, const OrderLife& life, int64_t t) {
  const char* campaign =
      o.attribution.campaign >= 0 ? Campaigns()[o.attribution.campaign].name : nullptr;
  w.BeginRow(24);
  w.Int64(o.order_id);
  w.Text(OrderNumber(o.order_id).text());
  w.Int64(o.customer_id);
  w.Text(life.StatusAt(t));
  w.Text("usd");
  w.Int64(subtotal);
  w.Int64(discount);
  w.Int64(shipping);
  w.Int64(tax);
  w.Int64(o.total_cents);
  w.TextOrNull(coupon);
  w.Text(o.channel);
  w.Text(o.device);
  w.TextOrNull(o.attribution.source ? o.attribution.source : "");
  w.TextOrNull(o.attribution.medium ? o.attribution.medium : "");
  w.TextOrNull(campaign ? campaign : "");
  w.Text(o.country);
  w.Timestamp(o.placed_at);
  WriteOrderProgress(w, life, t);
  return w.EndRow();
}

void WriteOrderProgress(CopyRowWriter& w, const OrderLife& life, int64_t t) {
  w.Timestamp(life.UpdatedAt(t));
  w.TimestampOrNull(OrderLife::At(life.paid_at, t));
  w.TimestampOrNull(OrderLife::At(life.shipped_at, t));
  w.TimestampOrNull(OrderLife::At(life.delivered_at, t));
  w.TimestampOrNull(OrderLife::At(life.cancelled_at, t));
  w.TimestampOrNull(OrderLife::At(life.returned_at, t));
}

void DayEmitter::WriteCharge(CopyRowWriter& w, int64_t order_id, int64_t customer_id,
                             int64_t total, const OrderLife& life, int64_t t) const {
  const bool failed = life.payment_failed_at != kNever;
  const int64_t refund_at = OrderLife::At(RefundAt(life), t);
  const int64_t refunded = refund_at != kNever ? RefundAmount(life, total) : 0;
  char last4[4];
  PutDigits(last4 + 4, HashKeyFrom(last4_key_, {static_cast<uint64_t>(order_id)}) % 10000, 4);
  w.BeginRow(18);
  w.Text(Id("ch", failed ? kFailedChargeId : kChargeId, order_id));
  w.Int64(total);
  w.Int64(failed ? 0 : total);
  w.Int64(refunded);
  w.Text("usd");
  w.Text(failed ? "failed" : "succeeded");
  w.Bool(!failed);
  w.Bool(!failed);
  w.Bool(!failed && refunded == total);
  w.Bool(OrderLife::At(life.dispute_at, t) != kNever);
  w.TextOrNull(failed ? "card_declined" : "");
  w.Text(Id("cus", kCustomerId, customer_id));
  w.Text(OrderNumber(order_id, "Order SO-").text());
  w.Int64(order_id);
  w.Text(ShopModel::CardBrand(life.card));
  w.Text(std::string_view(last4, 4));
  if (failed) {
    w.Null();
  } else {
    w.Text(Id("txn", kChargeTxnId, order_id));
  }
  w.Int64(failed ? life.payment_failed_at : life.paid_at);
}

void DayEmitter::WriteDispute(CopyRowWriter& w, int64_t order_id, int64_t total,
                              const OrderLife& life, int64_t t) const {
  const char* status = t < life.dispute_at + 3 * kSecondsPerDay ? "needs_response"
                       : t < life.dispute_closed_at             ? "under_review"
                       : life.dispute_won                       ? "won"
                                                                : "lost";
  w.BeginRow(9);
  w.Text(Id("dp", kDisputeId, order_id));
  w.Text(Id("ch", kChargeId, order_id));
  w.Int64(total);
  w.Text("usd");
  w.Text(status);
  w.Text(ShopModel::DisputeReason(life.dispute_reason));
  w.Int64(life.dispute_at + 14 * kSecondsPerDay);
  w.Int64(order_id);
  w.Int64(life.dispute_at);
}

void DayEmitter::WriteBalanceTransaction(CopyRowWriter& w, const std::string& id, int64_t amount,
                                         int64_t fee, std::string_view type,
                                         std::string_view category, const std::string& source,
                                         std::string_view description, int64_t created,
                                         int64_t now) const {
  const int64_t available_on = AvailableOn(created);
  w.BeginRow(12);
  w.Text(id);
  w.Int64(amount);
  w.Int64(fee);
  w.Int64(amount - fee);
  w.Text("usd");
  w.Text(type);
  w.Text(category);
  w.Text(source);
  w.Text(available_on <= now ? "available" : "pending");
  w.Text(description);
  w.Int64(available_on);
  w.Int64(created);
}

Status DayEmitter::EmitStripe(int64_t order_id, int64_t customer_id, int64_t total,
                              const OrderLife& life, const EmitWindow& window,
                              const Writers& writers) {
  const int64_t charge_at = life.payment_failed_at != kNever ? life.payment_failed_at : life.paid_at;
  CopyRowWriter* txns = writers[kBalanceTransactions];
  if (window.Contains(charge_at)) {
    if (CopyRowWriter* w = writers[kCharges]) {
      WriteCharge(*w, order_id, customer_id, total, life, window.to);
      RETURN_IF_ERROR(w->EndRow());
    }
    if (txns != nullptr && life.paid_at != kNever) {
      WriteBalanceTransaction(*txns, Id("txn", kChargeTxnId, order_id), total,
                              StripeFee(total), "charge", "charge",
                              Id("ch", kChargeId, order_id), "Charge for order",
                              life.paid_at, window.to);
      RETURN_IF_ERROR(txns->EndRow());
    }
  }
  const int64_t refund_at = RefundAt(life);
  if (window.Contains(refund_at)) {
    const int64_t amount = RefundAmount(life, total);
    const std::string& refund_id = Id("re", kRefundId, order_id);
    const std::string& txn_id = Id("txn", kRefundTxnId, order_id);
    if (CopyRowWriter* w = writers[kRefunds]) {
      w->BeginRow(9);
      w->Text(refund_id);
      w->Text(Id("ch", kChargeId, order_id));
      w->Int64(amount);
      w->Text("usd");
      w->Text("succeeded");
      w->Text("requested_by_customer");
      w->Text(txn_id);
      w->Int64(order_id);
      w->Int64(refund_at);
      RETURN_IF_ERROR(w->EndRow());
    }
    if (txns != nullptr) {
      WriteBalanceTransaction(*txns, txn_id, -amount, 0, "refund", "refund", refund_id,
                              "Refund for order", refund_at, window.to);
      RETURN_IF_ERROR(txns->EndRow());
    }
  }
  if (window.Contains(life.dispute_at)) {
    const std::string& dispute_id = Id("dp", kDisputeId, order_id);
    if (CopyRowWriter* w = writers[kDisputes]) {
      WriteDispute(*w, order_id, total, life, window.to);
      RETURN_IF_ERROR(w->EndRow());
    }
    if (txns != nullptr) {
      WriteBalanceTransaction(*txns, Id("txn", kDisputeTxnId, order_id), -total,
                              1500, "adjustment", "dispute", dispute_id, "Chargeback withdrawal",
                              life.dispute_at, window.to);
      RETURN_IF_ERROR(txns->EndRow());
    }
  }
  if (life.dispute_won && window.Contains(life.dispute_closed_at) && txns != nullptr) {
    WriteBalanceTransaction(*txns, Id("txn", kReversalTxnId, order_id), total, 0,
                            "adjustment", "dispute_reversal",
                            Id("dp", kDisputeId, order_id), "Chargeback reversal",
                            life.dispute_closed_at, window.to);
    RETURN_IF_ERROR(txns->EndRow());
  }
  return OkStatus();
}

}  // namespace shoplytics::seed
