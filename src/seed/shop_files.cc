#include "seed/shop_files.h"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>

#include "seed/calendar.h"

namespace shoplytics::seed {

namespace fs = std::filesystem;

namespace {

constexpr const char* kSpendFile = "marketing_spend.csv";
constexpr const char* kPerformanceFile = "campaign_performance.csv";

Result<FILE*> OpenFile(const std::string& path, const char* mode) {
  FILE* f = std::fopen(path.c_str(), mode);
  if (f == nullptr) {
    return InvalidArgumentError("cannot open " + path + ": " + std::strerror(errno));
  }
  return f;
}

Status WriteAll(FILE* f, const std::string& data, const std::string& path) {
  if (std::fwrite(data.data(), 1, data.size(), f) != data.size()) {
    return DataLossError("cannot write " + path + ": " + std::strerror(errno));
  }
  return OkStatus();
}

Status CloseFile(FILE*& f, const std::string& path) {
  if (f == nullptr) return OkStatus();
  const int rc = std::fclose(f);
  f = nullptr;
  if (rc != 0) return DataLossError("cannot write " + path + ": " + std::strerror(errno));
  return OkStatus();
}

void AppendMoney(std::string& out, int64_t cents) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%lld.%02lld", static_cast<long long>(cents / 100),
                static_cast<long long>(cents % 100));
  out += buf;
}

}  // namespace

Result<MarketingFiles> MarketingFiles::Open(const std::string& dir, bool truncate) {
  MarketingFiles files;
  files.dir_ = dir;
  const std::string spend = dir + "/" + kSpendFile;
  const std::string perf = dir + "/" + kPerformanceFile;
  const bool fresh = truncate || !fs::exists(spend) || !fs::exists(perf);
  ASSIGN_OR_RETURN(files.spend_, OpenFile(spend, fresh ? "w" : "a"));
  ASSIGN_OR_RETURN(files.performance_, OpenFile(perf, fresh ? "w" : "a"));
  if (fresh) {
    RETURN_IF_ERROR(
        WriteAll(files.spend_, "date,channel,campaign_id,campaign_name,spend,currency\n", spend));
    RETURN_IF_ERROR(WriteAll(files.performance_,
                             "date,channel,campaign_id,campaign_name,impressions,clicks,"
                             "conversions,conversion_value\n",
                             perf));
  }
  return files;
}

MarketingFiles::MarketingFiles(MarketingFiles&& other) noexcept
    : dir_(std::move(other.dir_)),
      spend_(std::exchange(other.spend_, nullptr)),
      performance_(std::exchange(other.performance_, nullptr)),
      rows_(other.rows_) {}

MarketingFiles::~MarketingFiles() { Close().IgnoreError(); }

Status MarketingFiles::Close() {
  Status a = CloseFile(spend_, dir_ + "/" + kSpendFile);
  Status b = CloseFile(performance_, dir_ + "/" + kPerformanceFile);
  return a.ok() ? b : a;
}

Status MarketingFiles::AddDay(const ShopModel& model, int64_t day,
                              const std::vector<PlacedOrder>& orders) {
  const auto& campaigns = Campaigns();
  std::vector<int64_t> conversions(campaigns.size()), value(campaigns.size());
  for (const PlacedOrder& o : orders) {
    if (o.attribution.campaign >= 0) {
      ++conversions[o.attribution.campaign];
      value[o.attribution.campaign] += o.total_cents;
    }
  }
  Rng rng({model.params().seed, 3, static_cast<uint64_t>(day)});
  const std::string date = FormatDate(day);
  std::string spend_rows, perf_rows;
  for (size_t i = 0; i < campaigns.size(); ++i) {
    const Campaign& c = campaigns[i];
    if (!ShopModel::CampaignActive(c, day)) continue;
    // About 25 visits per conversion, plus the visits of people who never buy.
    const int64_t clicks = std::llround(conversions[i] * rng.Uniform(18, 32)) + rng.Int(5, 40);
    const int64_t impressions = std::llround(clicks / c.ctr * rng.Uniform(0.9, 1.1));
    int64_t spend;
    if (std::strcmp(c.medium, "affiliate") == 0) {
      spend = value[i] * 8 / 100;  // commission on attributed sales
    } else if (std::strcmp(c.medium, "email") == 0) {
      spend = 1500 + rng.Int(0, 500);  // the email tool's daily cost
    } else {
      spend = std::llround(clicks * c.cpc_cents * rng.Uniform(0.85, 1.15));
    }
    const std::string prefix = date + "," + c.channel + "," + c.id + "," + c.name + ",";
    spend_rows += prefix;
    AppendMoney(spend_rows, spend);
    spend_rows += ",USD\n";
    perf_rows += prefix + std::to_string(impressions) + "," + std::to_string(clicks) + "," +
                 std::to_string(conversions[i]) + ",";
    AppendMoney(perf_rows, value[i]);
    perf_rows += "\n";
    ++rows_;
  }
  RETURN_IF_ERROR(WriteAll(spend_, spend_rows, dir_ + "/" + kSpendFile));
  return WriteAll(performance_, perf_rows, dir_ + "/" + kPerformanceFile);
}

namespace {

// Builds one JSON event line; every string it writes is from our own vocabulary, so
// nothing needs escaping.
class EventBuilder {
 public:
  EventBuilder(const ShopModel& model, Rng& rng, std::string* out)
      : model_(model), rng_(rng), out_(out) {}

  struct Session {
    std::string session_id, anonymous_id;
    int64_t customer_id = 0;
    std::string_view device;
    std::string_view channel;
    Attribution attribution;
    std::string_view country;
  };

  // Returns the line's length so the caller can copy it (late or duplicate events).
  size_t Event(const Session& s, const char* type, int64_t t, std::string_view page,
               int64_t product_id = 0, int64_t order_id = 0, int64_t revenue = 0,
               const char* query = nullptr) {
    const std::string_view type_text = type;
    const std::string_view query_text = query != nullptr ? query : "";
    const std::string_view campaign =
        s.attribution.campaign >= 0 ? Campaigns()[s.attribution.campaign].name : "";
    const std::string_view source = s.attribution.source ? s.attribution.source : "";
    const std::string_view medium = s.attribution.medium ? s.attribution.medium : "";
    // The line is written through a cursor into room made for its longest form (keys and
    // punctuation, 20 digits per number), then trimmed: no capacity check per piece.
    const size_t start = out_->size();
    out_->resize(start + 512 + type_text.size() + s.session_id.size() + s.anonymous_id.size() +
                 page.size() + s.device.size() + s.channel.size() + s.country.size() +
                 source.size() + medium.size() + campaign.size() + query_text.size());
    char* p = out_->data() + start;
    const auto put = [&p](std::string_view v) {
      std::memcpy(p, v.data(), v.size());
      p += v.size();
    };
    const auto put_int = [&p](int64_t v) {
      char digits[24];
      char* end = digits + sizeof(digits);
      char* first = end;
      uint64_t u = v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
      do {
        *--first = static_cast<char>('0' + u % 10);
        u /= 10;
      } while (u > 0);
      if (v < 0) *--first = '-';
      std::memcpy(p, first, end - first);
      p += end - first;
    };
    put("{\"event_id\":\"");
    PutHex(p, rng_.Next());
    PutHex(p + 16, rng_.Next());
    p += 32;
    put("\",\"event_type\":\"");
    put(type_text);
    put("\",\"event_time\":\"");
    PutIsoTimestamp(p, t);
    p += 20;
    put("\",\"session_id\":\"");
    put(s.session_id);
    put("\",\"anonymous_id\":\"");
    put(s.anonymous_id);
    put("\"");
    if (s.customer_id > 0) {
      put(",\"customer_id\":");
      put_int(s.customer_id);
    }
    put(",\"page\":\"");
    put(page);
    put("\",\"device\":\"");
    put(s.device);
    put("\",\"channel\":\"");
    put(s.channel);
    put("\",\"country\":\"");
    put(s.country);
    put("\"");
    if (s.attribution.source != nullptr) {
      put(",\"utm_source\":\"");
      put(source);
      put("\",\"utm_medium\":\"");
      put(medium);
      put("\"");
      if (s.attribution.campaign >= 0) {
        put(",\"utm_campaign\":\"");
        put(campaign);
        put("\"");
      }
    }
    if (product_id > 0) {
      put(",\"product_id\":");
      put_int(product_id);
    }
    if (query != nullptr) {
      put(",\"search_query\":\"");
      put(query_text);
      put("\"");
    }
    if (order_id > 0) {
      put(",\"order_id\":");
      put_int(order_id);
      put(",\"revenue_cents\":");
      put_int(revenue);
    }
    put("}\n");
    out_->resize(p - out_->data());
    return out_->size() - start;
  }

  std::string Id(const char* prefix) {
    std::string id = prefix;
    uint64_t v = rng_.Next();
    static constexpr char kHex[] = "0123456789abcdef";
    for (int i = 0; i < 16; ++i, v >>= 4) id.push_back(kHex[v & 15]);
    return id;
  }

 private:
  // 16 hex digits, lowest first.
  static void PutHex(char* p, uint64_t v) {
    static constexpr char kHex[] = "0123456789abcdef";
    for (int i = 0; i < 16; ++i, v >>= 4) p[i] = kHex[v & 15];
  }
  // "2024-01-31T12:34:56Z" (20 characters); the date part is formatted once per day.
  void PutIsoTimestamp(char* p, int64_t t) {
    const int64_t day = t >= 0 ? t / kSecondsPerDay : (t - kSecondsPerDay + 1) / kSecondsPerDay;
    if (day != date_day_) {
      std::string iso;
      AppendIsoTimestamp(iso, day * kSecondsPerDay);
      std::memcpy(date_, iso.data(), sizeof(date_));
      date_day_ = day;
    }
    std::memcpy(p, date_, sizeof(date_));
    const int64_t secs = t - day * kSecondsPerDay;
    const int parts[3] = {static_cast<int>(secs / 3600), static_cast<int>(secs / 60 % 60),
                          static_cast<int>(secs % 60)};
    char* q = p + sizeof(date_);
    for (int i = 0; i < 3; ++i) {
      q[0] = static_cast<char>('0' + parts[i] / 10);
      q[1] = static_cast<char>('0' + parts[i] % 10);
      q[2] = i < 2 ? ':' : 'Z';
      q += 3;
    }
  }

  const ShopModel& model_;
  Rng& rng_;
  std::string* out_;
  int64_t date_day_ = INT64_MIN;
  char date_[11];  // "2024-01-31T" of date_day_
};

constexpr const char* kSearches[] = {"running shoes", "wireless headphones", "summer dress",
                                     "gift for him", "face serum",   "desk lamp",
                                     "yoga mat",     "novel",        "board game"};

}  // namespace

Status ClickstreamFiles::AddDay(const ShopModel& model, int64_t day,
                                const std::vector<PlacedOrder>& orders) {
  Rng rng({model.params().seed, 4, static_cast<uint64_t>(day)});
  std::string today, tomorrow;
  // Events go to the file in pieces, so memory stays flat however busy the day.
  auto append = [&](int64_t file_day, std::string& data) -> Status {
    if (data.empty()) return OkStatus();
    const std::string path = dir_ + "/events-" + FormatDate(file_day) + ".jsonl";
    if (!fs::exists(path)) ++files_;
    ASSIGN_OR_RETURN(FILE * f, OpenFile(path, "a"));
    Status st = WriteAll(f, data, path);
    Status closed = CloseFile(f, path);
    data.clear();
    return st.ok() ? closed : st;
  };
  constexpr size_t kFlushBytes = 4 << 20;
  EventBuilder b(model, rng, &today);
  // Emits through `b` into `today`, then moves a few events to tomorrow's file (late
  // arrivals) and repeats a few (at-least-once delivery).
  auto emit = [&](const EventBuilder::Session& s, const char* type, int64_t t,
                  std::string_view page, int64_t product = 0, int64_t order = 0,
                  int64_t revenue = 0, const char* query = nullptr) {
    const size_t len = b.Event(s, type, t, page, product, order, revenue, query);
    ++events_;
    const double u = rng.Uniform();
    if (u < 0.005) {
      tomorrow.append(today, today.size() - len, len);
      today.resize(today.size() - len);
    } else if (u < 0.007) {
      today.append(today, today.size() - len, len);
      ++events_;
    }
  };
  auto page_of = [](int64_t product) { return "/p/" + std::to_string(product); };

  for (const PlacedOrder& o : orders) {
    EventBuilder::Session s{b.Id("s_"), b.Id("a_"), o.customer_id, o.device, o.channel,
                            o.attribution, o.country};
    int64_t t = o.placed_at - rng.Int(120, 1500);
    emit(s, "page_view", t, "/");
    if (rng.Chance(0.4)) emit(s, "search", t += rng.Int(5, 40), "/search", 0, 0, 0,
                              kSearches[rng.Int(0, std::size(kSearches) - 1)]);
    for (int64_t p : o.product_ids) {
      emit(s, "product_view", t += rng.Int(10, 90), page_of(p), p);
      emit(s, "add_to_cart", t += rng.Int(5, 60), page_of(p), p);
    }
    if (rng.Chance(0.1)) {
      const int64_t p = model.PickProduct(rng, o.placed_at).id;
      emit(s, "add_to_cart", t += rng.Int(5, 60), page_of(p), p);
      emit(s, "remove_from_cart", t += rng.Int(5, 60), "/cart", p);
    }
    emit(s, "checkout_start", std::min(t + rng.Int(10, 60), o.placed_at - 1), "/checkout");
    emit(s, "purchase", o.placed_at, "/checkout/complete", 0, o.order_id, o.total_cents);
    if (today.size() > kFlushBytes) RETURN_IF_ERROR(append(day, today));
  }
  // Sessions that end before a purchase: about 19 per order (a 5% conversion rate).
  const int64_t other_sessions = static_cast<int64_t>(orders.size()) * 19;
  for (int64_t i = 0; i < other_sessions; ++i) {
    const int64_t start = ShopModel::RandomTimeOn(rng, day);
    const double d = rng.Uniform();
    EventBuilder::Session s{b.Id("s_"), b.Id("a_"), 0, d < 0.45 ? "desktop" : d < 0.9 ? "mobile" : "tablet",
                            rng.Chance(0.7) ? "web" : "mobile_app",
                            model.PickAttribution(rng, day), "US"};
    if (rng.Chance(0.35)) {
      const ShopModel::PickedCustomer customer = model.PickCustomer(rng, start);
      s.customer_id = customer.id;
      s.country = customer.country;
    }
    int64_t t = start;
    const double u = rng.Uniform();
    const int depth = u < 0.5 ? 0 : u < 0.8 ? 1 : u < 0.93 ? 2 : 3;
    const int64_t first = model.PickProduct(rng, start).id;
    emit(s, "page_view", t, depth == 0 && rng.Chance(0.5) ? page_of(first) : "/");
    if (depth == 0) continue;
    if (rng.Chance(0.35)) emit(s, "search", t += rng.Int(5, 40), "/search", 0, 0, 0,
                               kSearches[rng.Int(0, std::size(kSearches) - 1)]);
    const int views = static_cast<int>(rng.Int(1, 4));
    int64_t viewed = first;
    for (int v = 0; v < views; ++v) {
      viewed = v == 0 ? first : model.PickProduct(rng, start).id;
      emit(s, "product_view", t += rng.Int(10, 120), page_of(viewed), viewed);
    }
    if (depth == 1) continue;
    emit(s, "add_to_cart", t += rng.Int(5, 60), page_of(viewed), viewed);
    if (rng.Chance(0.25)) emit(s, "remove_from_cart", t += rng.Int(5, 120), "/cart", viewed);
    if (depth == 3) emit(s, "checkout_start", t += rng.Int(10, 90), "/checkout");
    if (today.size() > kFlushBytes) RETURN_IF_ERROR(append(day, today));
  }

  RETURN_IF_ERROR(append(day, today));
  return append(day + 1, tomorrow);
}

BackgroundClickstream::BackgroundClickstream(const ShopModel& model, std::string dir)
    : model_(model), files_(std::move(dir)), thread_([this] { Run(); }) {}

BackgroundClickstream::~BackgroundClickstream() { Finish().IgnoreError(); }

void BackgroundClickstream::Run() {
  while (true) {
    std::pair<int64_t, std::vector<PlacedOrder>> item;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return !queue_.empty() || closing_; });
      if (queue_.empty()) return;
      item = std::move(queue_.front());
      queue_.pop_front();
    }
    cv_.notify_all();
    Status st = files_.AddDay(model_, item.first, item.second);
    if (!st.ok()) {
      std::lock_guard<std::mutex> lock(mu_);
      status_ = st;
      closing_ = true;
      queue_.clear();
      cv_.notify_all();
      return;
    }
  }
}

Status BackgroundClickstream::AddDay(int64_t day, std::vector<PlacedOrder> orders) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return queue_.size() < 2 || closing_; });
  if (!status_.ok()) return status_;
  if (closing_) return CancelledError("clickstream writer is closed");
  queue_.emplace_back(day, std::move(orders));
  lock.unlock();
  cv_.notify_all();
  return OkStatus();
}

Status BackgroundClickstream::Finish() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    closing_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::lock_guard<std::mutex> lock(mu_);
  return status_;
}

Status RemoveGeneratedFiles(const std::string& dir) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) return OkStatus();
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    const bool events = name.rfind("events-", 0) == 0 && entry.path().extension() == ".jsonl";
    if (events || name == kSpendFile || name == kPerformanceFile || name == "products.json") {
      fs::remove(entry.path(), ec);
      if (ec) return DataLossError("cannot remove " + entry.path().string() + ": " + ec.message());
    }
  }
  return OkStatus();
}

Status WriteCatalogJson(const ShopModel& model, int64_t t, const std::string& path) {
  std::string out = "[\n";
  bool first = true;
  for (const Product& p : model.products()) {
    if (p.created_at > t) continue;
    if (!first) out += ",\n";
    first = false;
    char price[32], rate[16];
    const int64_t cents = model.PriceAt(p, t);
    std::snprintf(price, sizeof(price), "%lld.%02lld", static_cast<long long>(cents / 100),
                  static_cast<long long>(cents % 100));
    std::snprintf(rate, sizeof(rate), "%.1f", p.rating);
    out += "  {\"id\":" + std::to_string(p.id) + ",\"title\":\"" + p.name + "\",\"price\":" +
           price + ",\"description\":\"" + p.description + "\",\"category\":\"" + p.category +
           "\",\"image\":\"https://fakestoreapi.com/img/" + std::to_string(p.id) +
           ".jpg\",\"rating\":{\"rate\":" + rate + ",\"count\":" +
           std::to_string(p.rating_count) + "}}";
  }
  out += "\n]\n";
  const std::string tmp = path + ".tmp";
  ASSIGN_OR_RETURN(FILE * f, OpenFile(tmp, "w"));
  Status st = WriteAll(f, out, tmp);
  Status closed = CloseFile(f, tmp);
  RETURN_IF_ERROR(st);
  RETURN_IF_ERROR(closed);
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) return DataLossError("cannot write " + path + ": " + ec.message());
  return OkStatus();
}

}  // namespace shoplytics::seed
