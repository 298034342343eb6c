#include "seed/shop_model.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "seed/calendar.h"

namespace shoplytics::seed {

namespace {

// A uniform draw in [0, 1) from a hash, as Rng::Uniform draws from its state.
double UnitFromHash(uint64_t h) { return static_cast<double>(h >> 11) * 0x1.0p-53; }

// Whether an event drawn as `offset` + trunc(-mean * log(1 - u)) seconds after a start
// comes after `elapsed` seconds, mostly without the log: -log(1 - u) >= u, so a large u
// settles it (the margin covers the rounding of both sides).
bool ExponentialAfter(double u, double mean, int64_t offset, int64_t elapsed) {
  const int64_t slack = elapsed - offset;
  if (slack < 0) return true;
  if (mean * u >= static_cast<double>(slack + 1) * (1 + 1e-9)) return true;
  return static_cast<int64_t>(-mean * std::log(1.0 - u)) > slack;
}

// Keys that separate the random streams of different kinds of entity.
enum StreamKind : uint64_t {
  kDayStream = 1,
  kCustomerStream,
  kProductStream,
  kLifeStream,
  kWeightStream,
  kStripeIdStream = 0x5772697065ULL,
};

constexpr ScalePreset kScales[] = {
    {"tiny", 600, 3, 120, 92},
    {"small", 10000, 12, 1000, 14},
    {"medium", 100000, 12, 3000, 5},
    {"full", 500000, 24, 5000, 2},
};

constexpr const char* kFirstNames[] = {
    "Olivia", "Liam",   "Emma",   "Noah",    "Ava",     "Elijah", "Sophia", "Lucas",
    "Mia",    "Mateo",  "Amelia", "Leo",     "Harper",  "Ethan",  "Lena",   "Jonas",
    "Chloe",  "Hugo",   "Sofia",  "Luca",    "Freya",   "Oscar",  "Ingrid", "Lars",
    "Camila", "Diego",  "Yuki",   "Kenji",   "Aisha",   "Omar",   "Priya",  "Arjun",
    "Grace",  "Henry",  "Zoe",    "Samuel",  "Nora",    "Felix",  "Clara",  "Max"};
constexpr const char* kLastNames[] = {
    "Smith",  "Johnson", "Williams", "Brown",   "Jones",  "Garcia", "Miller",  "Davis",
    "Muller", "Schmidt", "Schneider", "Fischer", "Martin", "Bernard", "Dubois", "Moreau",
    "Rossi",  "Russo",   "Ferrari",  "Lopez",   "Gonzalez", "Perez", "Jansen", "DeVries",
    "Berg",   "Lindqvist", "Taylor", "Wilson",  "Evans",  "Thomas", "Nguyen",  "Kim",
    "Tanaka", "Sato",    "Patel",    "Singh",   "Cohen",  "Novak",  "Kowalski", "Silva"};
constexpr const char* kEmailDomains[] = {"gmail.com", "outlook.com", "yahoo.com",
                                         "icloud.com", "proton.me", "gmx.de"};
struct CountryInfo {
  std::string_view code;
  double weight;
  const char* cities[3];
};
constexpr CountryInfo kCountries[] = {
    {"US", 40, {"New York", "Austin", "Seattle"}},
    {"GB", 12, {"London", "Manchester", "Leeds"}},
    {"DE", 12, {"Berlin", "Munich", "Hamburg"}},
    {"FR", 8, {"Paris", "Lyon", "Toulouse"}},
    {"CA", 7, {"Toronto", "Vancouver", "Montreal"}},
    {"NL", 5, {"Amsterdam", "Rotterdam", "Utrecht"}},
    {"AU", 5, {"Sydney", "Melbourne", "Brisbane"}},
    {"ES", 4, {"Madrid", "Barcelona", "Valencia"}},
    {"IT", 4, {"Milan", "Rome", "Turin"}},
    {"SE", 3, {"Stockholm", "Gothenburg", "Malmo"}},
};
constexpr const char* kAcquisition[] = {"organic_search", "paid_search", "paid_social",
                                        "email",          "referral",    "direct"};
constexpr double kAcquisitionWeights[] = {28, 22, 20, 8, 7, 15};

struct CategoryInfo {
  const char* name;
  double weight;
  int64_t min_cents;
  int64_t max_cents;
  const char* brands[4];
  const char* nouns[4];
};
constexpr CategoryInfo kCategories[] = {
    {"electronics", 14, 1999, 149999, {"Voltix", "Nordsound", "Pixelon", "Arcwave"},
     {"Headphones", "Speaker", "Monitor", "Charger"}},
    {"jewelery", 6, 1999, 79999, {"Aurelia", "Lumen", "Oro", "Stellis"},
     {"Ring", "Necklace", "Bracelet", "Earrings"}},
    {"men's clothing", 14, 1299, 17999, {"Northway", "Harbor", "Ridge", "Fellow"},
     {"Jacket", "Shirt", "Jeans", "Sweater"}},
    {"women's clothing", 18, 1299, 19999, {"Maison Vey", "Lila", "Saffron", "Wren"},
     {"Dress", "Blouse", "Coat", "Skirt"}},
    {"home & kitchen", 14, 999, 39999, {"Casa Nova", "Hearth", "Oakline", "Brio"},
     {"Pan", "Lamp", "Blender", "Throw"}},
    {"beauty", 12, 499, 8999, {"Glow Lab", "Verdant", "Petal", "Mira"},
     {"Serum", "Cream", "Palette", "Cleanser"}},
    {"sports & outdoors", 10, 1499, 59999, {"Summit", "Stride", "Tidal", "Apex"},
     {"Backpack", "Tent", "Shoes", "Yoga Mat"}},
    {"books", 6, 699, 5999, {"Paperlane", "Inkwell", "Folio", "Chapter"},
     {"Novel", "Cookbook", "Guide", "Atlas"}},
    {"toys", 6, 999, 12999, {"Kiddo", "Blocksy", "Twirl", "Pebble"},
     {"Puzzle", "Robot", "Plush", "Board Game"}},
};
constexpr const char* kAdjectives[] = {"Classic", "Pro", "Essential", "Premium", "Eco",
                                       "Compact", "Deluxe", "Everyday", "Signature", "Lite"};

constexpr const char* kCards[] = {"visa", "mastercard", "amex", "visa", "mastercard", "discover"};
constexpr const char* kDisputeReasons[] = {"fraudulent", "product_not_received",
                                           "product_unacceptable", "duplicate", "general"};

// Rounds a price to end in .99, as shops price.
int64_t PriceEnding99(double cents) {
  int64_t dollars = static_cast<int64_t>(std::llround(cents / 100.0));
  if (dollars < 1) dollars = 1;
  return dollars * 100 - 1;
}

int64_t DayStart(int64_t day) { return day * kSecondsPerDay; }

}  // namespace

const ScalePreset* FindScale(std::string_view name) {
  for (const ScalePreset& s : kScales) {
    if (name == s.name) return &s;
  }
  return nullptr;
}

bool ParamsForScale(std::string_view name, int64_t today, ShopParams* params) {
  const ScalePreset* scale = FindScale(name);
  if (scale == nullptr) return false;
  params->orders_per_month = scale->orders_per_month;
  params->months = scale->months;
  params->products = scale->products;
  params->clickstream_days = scale->clickstream_days;
  params->start_day = StartDayEndingAt(today, scale->months);
  return true;
}

int64_t StartDayEndingAt(int64_t today, int months) {
  const CivilDate c = CivilFromDays(today);
  const int month_index = c.year * 12 + (c.month - 1) - months;
  // Days past the 28th would not exist in every month; ShopModel adds whole months.
  return DaysFromCivil({month_index / 12, month_index % 12 + 1, std::min(c.day, 28)});
}

const std::vector<Campaign>& Campaigns() {
  static const std::vector<Campaign> kList = {
      {"cmp_1001", "google_search_brand", "google", "cpc", "google_ads", 16, 45, 0.06, 0, 0},
      {"cmp_1002", "google_search_generic", "google", "cpc", "google_ads", 14, 95, 0.035, 0, 0},
      {"cmp_1003", "google_shopping", "google", "cpc", "google_ads", 12, 70, 0.02, 0, 0},
      {"cmp_2001", "fb_prospecting", "facebook", "paid_social", "meta_ads", 12, 65, 0.011, 0, 0},
      {"cmp_2002", "fb_retargeting", "facebook", "paid_social", "meta_ads", 8, 55, 0.018, 0, 0},
      {"cmp_2003", "ig_stories", "instagram", "paid_social", "meta_ads", 7, 60, 0.009, 0, 0},
      {"cmp_2004", "holiday_sale", "facebook", "paid_social", "meta_ads", 14, 80, 0.015, 1115,
       1231},
      {"cmp_3001", "tiktok_awareness", "tiktok", "paid_social", "tiktok_ads", 6, 40, 0.008, 0, 0},
      {"cmp_4001", "weekly_newsletter", "newsletter", "email", "email", 9, 1, 0.03, 0, 0},
      {"cmp_4002", "abandoned_cart", "newsletter", "email", "email", 5, 1, 0.08, 0, 0},
      {"cmp_5001", "affiliate_network", "affiliate", "affiliate", "affiliates", 6, 30, 0.02, 0, 0},
  };
  return kList;
}

std::string_view OrderLife::StatusAt(int64_t t) const {
  if (placed_at > t) return "";
  if (At(returned_at, t) != kNever) return "returned";
  if (At(cancelled_at, t) != kNever) return "cancelled";
  if (At(delivered_at, t) != kNever) return "delivered";
  if (At(shipped_at, t) != kNever) return "shipped";
  if (At(paid_at, t) != kNever) return "paid";
  return "placed";
}

int64_t OrderLife::UpdatedAt(int64_t t) const {
  int64_t last = placed_at;
  for (int64_t e : {payment_failed_at, paid_at, shipped_at, delivered_at, cancelled_at,
                    returned_at}) {
    if (At(e, t) != kNever) last = std::max(last, e);
  }
  return last;
}

int64_t ShopModel::EndDay(const ShopParams& params) {
  const CivilDate start = CivilFromDays(params.start_day);
  const int month_index = start.month - 1 + params.months;
  return DaysFromCivil({start.year + month_index / 12, month_index % 12 + 1, 1}) +
         (start.day - 1);
}

ShopModel::ShopModel(const ShopParams& params, int64_t horizon_days)
    : params_(params),
      customer_key_(HashKey({params.seed, kCustomerStream})),
      life_key_(HashKey({params.seed, kLifeStream})),
      stripe_key_(HashKey({params.seed, kStripeIdStream})) {
  end_day_ = EndDay(params_);
  first_day_ = params_.start_day;
  PlanDays(horizon_days);
  BuildCatalog();
  BuildCustomerWeights();
}

void ShopModel::PlanDays(int64_t horizon_days) {
  const int64_t days = end_day_ - first_day_ + std::max<int64_t>(horizon_days, 0);
  std::vector<double> raw(static_cast<size_t>(days));
  double initial_sum = 0;
  for (int64_t i = 0; i < days; ++i) {
    Rng r({params_.seed, kDayStream, static_cast<uint64_t>(first_day_ + i)});
    const double growth = std::exp(0.025 * static_cast<double>(i) / 30.44);
    const double noise = std::clamp(1.0 + 0.06 * r.Normal(), 0.8, 1.2);
    raw[i] = growth * SeasonalFactor(first_day_ + i) * noise;
    if (first_day_ + i < end_day_) initial_sum += raw[i];
  }
  // Scale so the initial period holds orders_per_month x months orders.
  const double norm =
      static_cast<double>(params_.orders_per_month) * params_.months / std::max(initial_sum, 1e-9);
  preexisting_ = std::max<int64_t>(params_.orders_per_month * 6 / 10, 10);
  orders_.resize(days);
  first_order_id_.resize(days + 1);
  first_customer_.resize(days + 1);
  first_order_id_[0] = 1;
  first_customer_[0] = preexisting_ + 1;
  for (int64_t i = 0; i < days; ++i) {
    orders_[i] = std::max<int64_t>(1, std::llround(raw[i] * norm));
    Rng r({params_.seed, kDayStream, static_cast<uint64_t>(first_day_ + i), 7});
    const int64_t signups =
        std::max<int64_t>(1, std::llround(orders_[i] * 0.28 * (1.0 + 0.1 * r.Normal())));
    first_order_id_[i + 1] = first_order_id_[i] + orders_[i];
    first_customer_[i + 1] = first_customer_[i] + signups;
  }
  campaign_mask_.assign(days, 0);
  campaign_weight_.assign(days, 0);
  const auto& campaigns = Campaigns();
  for (int64_t i = 0; i < days; ++i) {
    for (size_t c = 0; c < campaigns.size(); ++c) {
      if (!CampaignActive(campaigns[c], first_day_ + i)) continue;
      campaign_mask_[i] |= 1u << c;
      campaign_weight_[i] += campaigns[c].weight;
    }
  }
}

int64_t ShopModel::OrdersOn(int64_t day) const { return orders_[day - first_day_]; }
int64_t ShopModel::FirstOrderIdOn(int64_t day) const { return first_order_id_[day - first_day_]; }
int64_t ShopModel::SignupsOn(int64_t day) const {
  return first_customer_[day - first_day_ + 1] - first_customer_[day - first_day_];
}
int64_t ShopModel::FirstCustomerIdOn(int64_t day) const {
  return first_customer_[day - first_day_];
}

void ShopModel::BuildCustomerWeights() {
  const int64_t total = first_customer_.back() - 1;
  cum_weight_.resize(static_cast<size_t>(total) + 1);
  cum_weight_[0] = 0;
  for (int64_t id = 1; id <= total; ++id) {
    Rng r({params_.seed, kWeightStream, static_cast<uint64_t>(id)});
    // Pareto purchase propensity: a few loyal customers buy far more often than most.
    cum_weight_[id] = cum_weight_[id - 1] + std::min(r.Pareto(1.25), 400.0);
  }
  const int64_t buckets = std::max<int64_t>(total / 8, 1);
  customer_bucket_.resize(static_cast<size_t>(buckets) + 2);
  int64_t id = 1;
  for (int64_t b = 0; b <= buckets; ++b) {
    const double bound = cum_weight_[total] * static_cast<double>(b) / static_cast<double>(buckets);
    while (id < total && cum_weight_[id] <= bound) ++id;
    customer_bucket_[b] = static_cast<int32_t>(id);
  }
  customer_bucket_[buckets + 1] = static_cast<int32_t>(total);
}

int64_t ShopModel::SignupTime(int64_t id) const {
  // One hash is enough for one uniform draw (asked on every order).
  const double u = UnitFromHash(HashKeyFrom(customer_key_, {static_cast<uint64_t>(id), 1}));
  if (id <= preexisting_) {
    // Spread over the three years before the period.
    const double span = 3.0 * 365 * kSecondsPerDay;
    return DayStart(first_day_) - static_cast<int64_t>(span) +
           static_cast<int64_t>((static_cast<double>(id - 1) + u) / preexisting_ * span);
  }
  // The last day whose first customer is at most id (first_customer_[0] is): a branchless
  // binary search, since the branches of a plain one are unpredictable here.
  const int64_t* day = first_customer_.data();
  for (size_t n = first_customer_.size(); n > 1;) {
    const size_t half = n / 2;
    day = day[half] <= id ? day + half : day;
    n -= half;
  }
  const int64_t day_index = day - first_customer_.data();
  const int64_t first = first_customer_[day_index];
  const int64_t n = first_customer_[day_index + 1] - first;
  return DayStart(first_day_ + day_index) +
         static_cast<int64_t>((static_cast<double>(id - first) + u) * kSecondsPerDay / n);
}

int64_t ShopModel::CustomerCreatedAt(int64_t id) const { return SignupTime(id); }

namespace {
// The events of a customer's life, drawn in a fixed order from the customer's own stream.
struct CustomerEvents {
  int first, last, domain, new_domain, country, new_country, city, acquisition;
  bool opt_in, hard_delete;
  int64_t email_change_at, country_change_at, delete_at;
};

// Deletion has a stream of its own: PickCustomer asks for it on every order.
constexpr double kMeanLifeSeconds = 14 * 365.25 * kSecondsPerDay;
constexpr int64_t kDeletionOffset = 7200;

// customer_key: HashKey({seed, kCustomerStream}), here and below.
double DeletionDraw(uint64_t customer_key, int64_t id) {
  return UnitFromHash(HashKeyFrom(customer_key, {static_cast<uint64_t>(id), 3}));
}

int64_t DeletionTime(uint64_t customer_key, int64_t id, int64_t created) {
  return created + kDeletionOffset +
         static_cast<int64_t>(-kMeanLifeSeconds *
                              std::log(1.0 - DeletionDraw(customer_key, id)));
}

// DeletionTime(customer_key, id, created) > t, mostly without its log.
bool LiveAt(uint64_t customer_key, int64_t id, int64_t created, int64_t t) {
  return ExponentialAfter(DeletionDraw(customer_key, id), kMeanLifeSeconds, kDeletionOffset,
                          t - created);
}

// Where a customer lives, and whether and when they move: a stream of its own, since every
// order asks for its shipping country.
struct CountryFacts {
  int country, new_country;
  int64_t change_at;
};

constexpr double kMeanStaySeconds = 20 * 365.25 * kSecondsPerDay;
constexpr int64_t kMoveOffset = 3600;

// The country stream's draws in order: the country, the new country, the move.
Rng CountryStream(uint64_t customer_key, int64_t id) {
  return Rng(HashKeyFrom(customer_key, {static_cast<uint64_t>(id), 4}));
}

int PickCountry(Rng& r) {
  static const auto kWeights = [] {
    std::array<double, std::size(kCountries)> w{};
    for (size_t i = 0; i < std::size(kCountries); ++i) w[i] = kCountries[i].weight;
    return w;
  }();
  static const double kTotal = [] {
    double total = 0;
    for (double w : kWeights) total += w;
    return total;
  }();
  double x = r.Uniform() * kTotal;
  for (size_t i = 0; i < kWeights.size(); ++i) {
    if ((x -= kWeights[i]) < 0) return static_cast<int>(i);
  }
  return static_cast<int>(kWeights.size() - 1);
}

int NewCountry(Rng& r, int country) {
  const int new_country = PickCountry(r);
  return new_country == country ? (country + 1) % std::size(kCountries) : new_country;
}

CountryFacts DrawCountry(uint64_t customer_key, int64_t id, int64_t created) {
  Rng r = CountryStream(customer_key, id);
  CountryFacts f;
  f.country = PickCountry(r);
  f.new_country = NewCountry(r, f.country);
  f.change_at = created + kMoveOffset + static_cast<int64_t>(r.Exponential(kMeanStaySeconds));
  return f;
}

CustomerEvents DrawCustomer(uint64_t customer_key, int64_t id, int64_t created) {
  Rng r(HashKeyFrom(customer_key, {static_cast<uint64_t>(id), 2}));
  CustomerEvents e{};
  e.first = static_cast<int>(r.Int(0, std::size(kFirstNames) - 1));
  e.last = static_cast<int>(r.Int(0, std::size(kLastNames) - 1));
  e.domain = static_cast<int>(r.Int(0, std::size(kEmailDomains) - 1));
  e.new_domain = static_cast<int>(r.Int(0, std::size(kEmailDomains) - 1));
  const CountryFacts where = DrawCountry(customer_key, id, created);
  e.country = where.country;
  e.new_country = where.new_country;
  e.country_change_at = where.change_at;
  e.city = static_cast<int>(r.Int(0, 2));
  e.acquisition = r.Pick(kAcquisitionWeights);
  e.opt_in = r.Chance(0.6);
  constexpr double kYear = 365.25 * kSecondsPerDay;
  e.email_change_at = created + 3600 + static_cast<int64_t>(r.Exponential(8 * kYear));
  e.hard_delete = r.Chance(0.3);
  e.delete_at = DeletionTime(customer_key, id, created);
  return e;
}
}  // namespace

Customer ShopModel::CustomerAt(int64_t id, int64_t t) const {
  Customer c;
  c.id = id;
  c.created_at = SignupTime(id);
  const CustomerEvents e = DrawCustomer(customer_key_, id, c.created_at);
  c.first_name = kFirstNames[e.first];
  c.last_name = kLastNames[e.last];
  std::string local = c.first_name + "." + c.last_name;
  std::transform(local.begin(), local.end(), local.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  c.updated_at = c.created_at;
  if (e.email_change_at <= t) {
    c.email = local + std::to_string(id) + ".new@" + kEmailDomains[e.new_domain];
    c.updated_at = std::max(c.updated_at, e.email_change_at);
  } else {
    c.email = local + std::to_string(id) + "@" + kEmailDomains[e.domain];
  }
  int country = e.country;
  if (e.country_change_at <= t) {
    country = e.new_country;
    c.updated_at = std::max(c.updated_at, e.country_change_at);
  }
  c.country = kCountries[country].code;
  c.city = kCountries[country].cities[e.city];
  c.acquisition_channel = kAcquisition[e.acquisition];
  c.marketing_opt_in = e.opt_in;
  if (e.delete_at <= t) {
    c.deleted_at = e.delete_at;
    c.hard_deleted = e.hard_delete;
    c.updated_at = std::max(c.updated_at, e.delete_at);
  }
  return c;
}

int64_t ShopModel::CustomerDeletedAt(int64_t id) const {
  return DeletionTime(customer_key_, id, SignupTime(id));
}

std::string ShopModel::CustomerCountryAt(int64_t id, int64_t t) const {
  return std::string(CountryAt(id, SignupTime(id), t));
}

// DrawCountry's answer at t, drawing the new country (and taking the log) only when needed.
std::string_view ShopModel::CountryAt(int64_t id, int64_t created, int64_t t) const {
  Rng r = CountryStream(customer_key_, id);
  const int country = PickCountry(r);
  Rng move = r;
  move.Next();  // the new country's draw
  if (ExponentialAfter(move.Uniform(), kMeanStaySeconds, kMoveOffset, t - created)) {
    return kCountries[country].code;
  }
  return kCountries[NewCountry(r, country)].code;
}

bool ShopModel::CustomerChangedBetween(int64_t id, int64_t from, int64_t to) const {
  const CustomerEvents e = DrawCustomer(customer_key_, id, SignupTime(id));
  for (int64_t t : {e.email_change_at, e.country_change_at, e.delete_at}) {
    if (t > from && t <= to) return true;
  }
  return false;
}

int64_t ShopModel::SignedUpBy(int64_t t) const {
  const int64_t day = t / kSecondsPerDay;
  return FirstCustomerIdOn(day) + (t - DayStart(day)) * SignupsOn(day) / kSecondsPerDay;
}

int64_t ShopModel::WeightBucket(double x) const {
  const int64_t buckets = static_cast<int64_t>(customer_bucket_.size()) - 2;
  return std::min<int64_t>(
      static_cast<int64_t>(x / cum_weight_.back() * static_cast<double>(buckets)), buckets);
}

ShopModel::PickedCustomer ShopModel::PickCustomer(Rng& rng, int64_t t) const {
  const PendingPick pick = BeginPick(rng, t);
  if (const std::optional<PickedCustomer> found = FinishPick(pick)) return *found;
  return ContinuePick(rng, pick);
}

ShopModel::PendingPick ShopModel::BeginPick(Rng& rng, int64_t t) const {
  PendingPick pick;
  pick.t = t;
  pick.first_today = FirstCustomerIdOn(t / kSecondsPerDay);
  // Every id below signed_up registered at or before t.
  pick.signed_up = SignedUpBy(t);
  DrawAttempt(rng, &pick);
  return pick;
}

void ShopModel::DrawAttempt(Rng& rng, PendingPick* pick) const {
  if (pick->signed_up > pick->first_today && rng.Chance(0.3)) {
    // A first order right after sign-up.
    pick->id = rng.Int(std::max(pick->first_today, pick->signed_up - 25), pick->signed_up - 1);
  } else {
    pick->id = 0;
    pick->x = rng.Uniform() * cum_weight_[pick->signed_up - 1];
  }
}

std::optional<ShopModel::PickedCustomer> ShopModel::FinishPick(const PendingPick& pick) const {
  int64_t id = pick.id;
  const int64_t signed_up = pick.signed_up;
  if (id == 0) {
    // The first id whose cumulative weight exceeds x lies within x's bucket.
    const double x = pick.x;
    const int64_t b = WeightBucket(x);
    const int64_t lo = std::clamp<int64_t>(customer_bucket_[b], 1, signed_up - 1);
    const int64_t hi = std::clamp<int64_t>(customer_bucket_[b + 1] + 1, lo, signed_up);
    // upper_bound, branchless: the range is short and the comparisons unpredictable.
    const double* first = cum_weight_.data() + lo;
    for (int64_t n = hi - lo; n > 0;) {
      const int64_t half = n / 2;
      const bool right = !(x < first[half]);
      first = right ? first + half + 1 : first;
      n = right ? n - half - 1 : half;
    }
    id = std::min<int64_t>(first - cum_weight_.data(), signed_up - 1);
  }
  const int64_t created = SignupTime(id);
  if (!LiveAt(customer_key_, id, created, pick.t)) return std::nullopt;
  return PickedCustomer{id, CountryAt(id, created, pick.t)};
}

ShopModel::PickedCustomer ShopModel::ContinuePick(Rng& rng, PendingPick pick) const {
  for (int attempt = 1; attempt < 16; ++attempt) {
    DrawAttempt(rng, &pick);
    if (const std::optional<PickedCustomer> found = FinishPick(pick)) return *found;
  }
  const int64_t id = std::max<int64_t>(pick.signed_up - 1, 1);
  return {id, CountryAt(id, SignupTime(id), pick.t)};
}

ShopModel::PickHint ShopModel::PrefetchPick(Rng rng, int64_t t) const {
  const PendingPick pick = BeginPick(rng, t);
  if (pick.id != 0) return {};
  const int64_t b = WeightBucket(pick.x);
  __builtin_prefetch(&customer_bucket_[b]);
  return {b};
}

void ShopModel::WarmPick(const PickHint& hint) const {
  if (hint.bucket < 0) return;
  __builtin_prefetch(&cum_weight_[customer_bucket_[hint.bucket]]);
  __builtin_prefetch(&cum_weight_[customer_bucket_[hint.bucket + 1]]);
}

void ShopModel::BuildCatalog() {
  const int n = std::max(params_.products, 10);
  products_.reserve(n);
  double category_weights[std::size(kCategories)];
  for (size_t i = 0; i < std::size(kCategories); ++i) category_weights[i] = kCategories[i].weight;
  const int64_t period = (end_day_ - first_day_) * kSecondsPerDay;
  const int64_t horizon_end = DayStart(last_plan_day());
  for (int i = 0; i < n; ++i) {
    Rng r({params_.seed, kProductStream, static_cast<uint64_t>(i + 1)});
    Product p;
    p.id = i + 1;
    const CategoryInfo& cat = kCategories[r.Pick(category_weights)];
    p.category = cat.name;
    p.brand = cat.brands[r.Int(0, 3)];
    const char* noun = cat.nouns[r.Int(0, 3)];
    const char* adjective = kAdjectives[r.Int(0, std::size(kAdjectives) - 1)];
    p.name = p.brand + " " + adjective + " " + noun;
    char sku[32];
    std::snprintf(sku, sizeof(sku), "SKU-%c%c-%06d", std::toupper(cat.name[0]),
                  std::toupper(cat.name[1]), i + 1);
    p.sku = sku;
    // Log-uniform within the category's price band.
    const double lo = std::log(static_cast<double>(cat.min_cents));
    const double hi = std::log(static_cast<double>(cat.max_cents));
    p.base_price_cents = PriceEnding99(std::exp(r.Uniform(lo, hi)));
    p.cost_cents = std::llround(static_cast<double>(p.base_price_cents) * r.Uniform(0.35, 0.62));
    p.description = std::string("The ") + adjective + " " + noun + " by " + p.brand +
                    ": a " + cat.name + " favourite, made to last.";
    // Most of the catalog predates the period; a fifth launches during it.
    if (i < 10 || r.Chance(0.8)) {
      p.created_at = DayStart(first_day_) - r.Int(30, 1000) * kSecondsPerDay - r.Int(0, 86399);
    } else {
      p.created_at = DayStart(first_day_) + r.Int(0, std::max<int64_t>(period - 1, 0));
    }
    p.popularity = std::min(r.Pareto(1.1), 300.0);
    p.rating = std::round(r.Uniform(2.4, 5.0) * 10) / 10;
    p.rating_count = static_cast<int>(10 + p.popularity * r.Int(20, 60));
    // Price changes roughly every four months, around the base price.
    int64_t t = p.created_at;
    while (true) {
      t += static_cast<int64_t>(r.Exponential(120.0 * kSecondsPerDay)) + 3600;
      if (t >= horizon_end) break;
      p.price_changes.emplace_back(
          t, PriceEnding99(static_cast<double>(p.base_price_cents) * r.Uniform(0.8, 1.15)));
    }
    product_created_.push_back(p.created_at);
    products_.push_back(std::move(p));
  }
  // Vose's alias method.
  const size_t n_products = products_.size();
  double total = 0;
  for (const Product& p : products_) total += p.popularity;
  product_prob_.assign(n_products, 0);
  product_alias_.assign(n_products, 0);
  std::vector<double> scaled(n_products);
  std::vector<uint32_t> small, large;
  for (size_t i = 0; i < n_products; ++i) {
    scaled[i] = products_[i].popularity * n_products / total;
    (scaled[i] < 1 ? small : large).push_back(static_cast<uint32_t>(i));
  }
  while (!small.empty() && !large.empty()) {
    const uint32_t s_i = small.back(), l_i = large.back();
    small.pop_back();
    product_prob_[s_i] = scaled[s_i];
    product_alias_[s_i] = l_i;
    scaled[l_i] -= 1 - scaled[s_i];
    if (scaled[l_i] < 1) {
      large.pop_back();
      small.push_back(l_i);
    }
  }
  for (uint32_t i : large) product_prob_[i] = 1;
  for (uint32_t i : small) product_prob_[i] = 1;
}

namespace {
// The last price change at or before t, or nullptr.
const std::pair<int64_t, int64_t>* LastChange(const Product& p, int64_t t) {
  auto it = std::upper_bound(p.price_changes.begin(), p.price_changes.end(), t,
                             [](int64_t v, const auto& change) { return v < change.first; });
  return it == p.price_changes.begin() ? nullptr : &*(it - 1);
}
}  // namespace

int64_t ShopModel::PriceAt(const Product& p, int64_t t) const {
  const auto* change = LastChange(p, t);
  return change ? change->second : p.base_price_cents;
}

int64_t ShopModel::PriceUpdatedAt(const Product& p, int64_t t) const {
  const auto* change = LastChange(p, t);
  return change ? change->first : p.created_at;
}

const Product& ShopModel::PickProduct(Rng& rng, int64_t t) const {
  for (int attempt = 0; attempt < 8; ++attempt) {
    const size_t i = static_cast<size_t>(rng.Int(0, static_cast<int64_t>(products_.size()) - 1));
    const size_t pick = rng.Uniform() < product_prob_[i] ? i : product_alias_[i];
    if (product_created_[pick] <= t) return products_[pick];
  }
  return products_[0];
}

OrderLife ShopModel::LifeOf(int64_t order_id, int64_t placed_at) const {
  Rng r(HashKeyFrom(life_key_, {static_cast<uint64_t>(order_id)}));
  constexpr int64_t kHour = 3600, kDay = kSecondsPerDay;
  OrderLife life;
  life.placed_at = placed_at;
  life.card = static_cast<int>(r.Int(0, std::size(kCards) - 1));
  if (r.Chance(0.02)) {
    life.payment_failed_at = placed_at + r.Int(20, 120);
    life.cancelled_at = life.payment_failed_at + r.Int(600, kHour);
    return life;
  }
  life.paid_at = placed_at + r.Int(30, 600);
  if (r.Chance(0.03)) {
    life.cancelled_at = life.paid_at + r.Int(kHour / 2, 36 * kHour);
    life.refund_fraction = 1.0;
    return life;
  }
  life.shipped_at = life.paid_at + r.Int(6 * kHour, 72 * kHour);
  life.delivered_at = life.shipped_at + r.Int(kDay, 6 * kDay);
  if (r.Chance(0.07)) {
    life.returned_at = life.delivered_at + r.Int(2 * kDay, 21 * kDay);
    life.refund_fraction = r.Chance(0.6) ? 1.0 : r.Uniform(0.2, 0.7);
  } else if (r.Chance(0.005)) {
    life.dispute_at = life.paid_at + r.Int(7 * kDay, 60 * kDay);
    life.dispute_closed_at = life.dispute_at + r.Int(20 * kDay, 75 * kDay);
    life.dispute_won = r.Chance(0.35);
    life.dispute_reason = static_cast<int>(r.Int(0, std::size(kDisputeReasons) - 1));
  }
  return life;
}

int64_t ShopModel::RandomTimeOn(Rng& rng, int64_t day) {
  static constexpr double kHourWeights[24] = {2.0, 1.2, 0.8, 0.6, 0.6, 0.9, 1.6, 2.6,
                                              3.4, 4.0, 4.4, 4.6, 5.0, 5.0, 4.8, 4.8,
                                              5.0, 5.4, 6.0, 6.6, 6.8, 6.2, 4.8, 3.2};
  const int hour = rng.Pick(kHourWeights);
  return day * kSecondsPerDay + hour * 3600 + rng.Int(0, 3599);
}

bool ShopModel::CampaignActive(const Campaign& c, int64_t day) {
  if (c.active_from_month_day == 0) return true;
  const CivilDate d = CivilFromDays(day);
  const int md = d.month * 100 + d.day;
  return md >= c.active_from_month_day && md <= c.active_to_month_day;
}

Attribution ShopModel::PickAttribution(Rng& rng, int64_t day) const {
  const double u = rng.Uniform();
  if (u < 0.24) return {};  // direct
  if (u < 0.46) return {-1, "google", "organic"};
  const auto& campaigns = Campaigns();
  const uint32_t mask = campaign_mask_[day - first_day_];
  double x = rng.Uniform() * campaign_weight_[day - first_day_];
  for (size_t i = 0; i < campaigns.size(); ++i) {
    if ((mask & (1u << i)) == 0) continue;
    x -= campaigns[i].weight;
    if (x < 0) return {static_cast<int>(i), campaigns[i].source, campaigns[i].medium};
  }
  return {0, campaigns[0].source, campaigns[0].medium};
}

int ShopModel::TaxBasisPoints(std::string_view country) {
  static constexpr std::pair<const char*, int> kRates[] = {
      {"US", 700}, {"GB", 2000}, {"DE", 1900}, {"FR", 2000}, {"CA", 1300},
      {"NL", 2100}, {"AU", 1000}, {"ES", 2100}, {"IT", 2200}, {"SE", 2500}};
  for (const auto& [code, bp] : kRates) {
    if (country == code) return bp;
  }
  return 0;
}

const char* ShopModel::CardBrand(int card) { return kCards[card]; }
const char* ShopModel::DisputeReason(int reason) { return kDisputeReasons[reason]; }

std::string ShopModel::StripeId(std::string_view prefix, uint64_t kind, uint64_t key) const {
  std::string id;
  AppendStripeId(id, prefix, kind, key);
  return id;
}

void ShopModel::AppendStripeId(std::string& out, std::string_view prefix, uint64_t kind,
                               uint64_t key) const {
  static constexpr char kAlphabet[] =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  uint64_t state = HashKeyFrom(stripe_key_, {kind, key});
  const size_t start = out.size();
  out.resize(start + prefix.size() + 1 + 24);
  char* id = out.data() + start;
  id = std::copy(prefix.begin(), prefix.end(), id);
  *id++ = '_';
  // Each word yields base-62 digits from its high end by multiply-shift (no division);
  // ten digits use about 60 of its 64 bits. The digits go straight into `out`: built
  // elsewhere and copied, they cost a store-forwarding stall.
  for (int word = 0; word < 3; ++word) {
    uint64_t bits = SplitMix64(state);
    for (int i = 0; i < (word == 2 ? 4 : 10); ++i) {
      const unsigned __int128 m = static_cast<unsigned __int128>(bits) * 62;
      *id++ = kAlphabet[static_cast<uint64_t>(m >> 64)];
      bits = static_cast<uint64_t>(m);
    }
  }
}

}  // namespace shoplytics::seed
