#include "seed/shop_model.h"

#include <gtest/gtest.h>

#include <map>
#include <optional>

#include "seed/calendar.h"

namespace shoplytics::seed {
namespace {

ShopParams Params() {
  ShopParams p;
  p.seed = 3;
  EXPECT_TRUE(ParseDate("2024-01-01", &p.start_day));
  p.months = 12;
  p.orders_per_month = 3000;
  p.products = 200;
  return p;
}

TEST(ShopModel, PlansTheRequestedOrdersWithGrowth) {
  const ShopModel m(Params(), 0);
  int64_t total = 0, first_quarter = 0, last_quarter = 0;
  for (int64_t d = m.start_day(); d < m.end_day(); ++d) {
    total += m.OrdersOn(d);
    if (d < m.start_day() + 90) first_quarter += m.OrdersOn(d);
    if (d >= m.end_day() - 90) last_quarter += m.OrdersOn(d);
    EXPECT_EQ(m.FirstOrderIdOn(d + 1), m.FirstOrderIdOn(d) + m.OrdersOn(d));
  }
  EXPECT_NEAR(static_cast<double>(total), 36000, 36000 * 0.01);
  EXPECT_GT(last_quarter, first_quarter);  // growth plus the holiday season
}

TEST(ShopModel, PicksOnlyCustomersWhoHaveSignedUpAndAreNotDeleted) {
  const ShopModel m(Params(), 0);
  Rng rng(1);
  for (int64_t d = m.start_day(); d < m.end_day(); d += 17) {
    for (int i = 0; i < 200; ++i) {
      const int64_t t = ShopModel::RandomTimeOn(rng, d);
      const ShopModel::PickedCustomer picked = m.PickCustomer(rng, t);
      const int64_t id = picked.id;
      ASSERT_GE(id, 1);
      EXPECT_EQ(picked.country, m.CustomerCountryAt(id, t)) << "customer " << id;
      EXPECT_LE(m.CustomerCreatedAt(id), t) << "customer " << id;
      EXPECT_GT(m.CustomerDeletedAt(id), t) << "customer " << id;
    }
  }
}

TEST(ShopModel, APickInStepsFindsWhatPickCustomerFinds) {
  const ShopModel m(Params(), 0);
  Rng times(2);
  int retried = 0;
  for (int64_t d = m.start_day(); d < m.end_day(); d += 5) {
    for (int i = 0; i < 100; ++i) {
      const int64_t t = ShopModel::RandomTimeOn(times, d);
      Rng whole(static_cast<uint64_t>(d * 1000 + i));
      Rng steps = whole;
      const ShopModel::PickedCustomer expected = m.PickCustomer(whole, t);
      const ShopModel::PendingPick pending = m.BeginPick(steps, t);
      const Rng after_begin = steps;
      steps.Next();  // the caller's other draws in between
      std::optional<ShopModel::PickedCustomer> found = m.FinishPick(pending);
      if (!found) {
        ++retried;
        steps = after_begin;
        found = m.ContinuePick(steps, pending);
        EXPECT_EQ(steps.Next(), whole.Next()) << "rng after the pick at " << t;
      }
      EXPECT_EQ(found->id, expected.id) << "pick at " << t;
      EXPECT_EQ(found->country, expected.country) << "pick at " << t;
    }
  }
  EXPECT_GT(retried, 0);  // some first attempts find a deleted customer
}

TEST(ShopModel, OrderLivesMoveForwardInTime) {
  const ShopModel m(Params(), 0);
  std::map<std::string, int> final_status;
  for (int64_t id = 1; id <= 5000; ++id) {
    const int64_t placed = 1704067200 + id * 600;
    const OrderLife life = m.LifeOf(id, placed);
    EXPECT_EQ(life.StatusAt(placed - 1), "");
    EXPECT_EQ(life.StatusAt(placed), "placed");
    int64_t last = placed;
    for (int64_t e : {life.paid_at, life.shipped_at, life.delivered_at, life.returned_at}) {
      if (e == kNever) continue;
      EXPECT_GT(e, last);
      last = e;
    }
    if (life.returned_at != kNever || life.cancelled_at != kNever) {
      EXPECT_EQ(life.returned_at != kNever && life.cancelled_at != kNever, false);
    }
    const int64_t later = placed + 400LL * kSecondsPerDay;
    EXPECT_EQ(life.UpdatedAt(later), std::max({life.placed_at, life.paid_at, life.shipped_at,
                                                life.delivered_at, life.cancelled_at,
                                                life.returned_at, life.payment_failed_at}));
    ++final_status[std::string(life.StatusAt(later))];
  }
  EXPECT_EQ(final_status.count("placed"), 0u);  // every order ends somewhere
  EXPECT_GT(final_status["delivered"], 4000);
  EXPECT_GT(final_status["returned"], 100);
  EXPECT_GT(final_status["cancelled"], 100);
}

TEST(ShopModel, IsAPureFunctionOfTheSeed) {
  const ShopModel a(Params(), 0), b(Params(), 0);
  ShopParams other = Params();
  other.seed = 4;
  const ShopModel c(other, 0);
  EXPECT_EQ(a.CustomerAt(77, 1735689600).email, b.CustomerAt(77, 1735689600).email);
  EXPECT_EQ(a.products()[5].name, b.products()[5].name);
  EXPECT_EQ(a.StripeId("ch", 1, 9), b.StripeId("ch", 1, 9));
  EXPECT_NE(a.StripeId("ch", 1, 9), c.StripeId("ch", 1, 9));
  EXPECT_EQ(a.StripeId("ch", 1, 9).size(), 27u);  // "ch_" + 24
}

TEST(ShopModel, PricesChangeOverTimeWithinTheBand) {
  const ShopModel m(Params(), 0);
  int changed = 0;
  for (const Product& p : m.products()) {
    const int64_t early = m.PriceAt(p, p.created_at);
    const int64_t late = m.PriceAt(p, (m.end_day() - 1) * kSecondsPerDay);
    EXPECT_EQ(early, p.base_price_cents);
    EXPECT_EQ(late % 100, 99);  // shop prices end in .99
    changed += early != late;
  }
  EXPECT_GT(changed, 50);
}

}  // namespace
}  // namespace shoplytics::seed
