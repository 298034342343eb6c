// The shop's file-based sources: marketing CSV exports, clickstream JSONL and the catalog
// API's products.json (FakeStore's shape). All are consistent with the orders: campaign
// conversions are the orders that carry the campaign's utm tags, and every purchase event
// is a real order.
#pragma once

#include <cstdint>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"
#include "seed/day_emitter.h"
#include "seed/shop_model.h"

namespace shoplytics::seed {

// Appends daily rows per campaign to marketing_spend.csv and campaign_performance.csv.
class MarketingFiles {
 public:
  // truncate: start the files afresh (with headers) rather than append to them.
  static Result<MarketingFiles> Open(const std::string& dir, bool truncate);
  MarketingFiles(MarketingFiles&&) noexcept;
  MarketingFiles& operator=(MarketingFiles&&) = delete;
  ~MarketingFiles();

  Status AddDay(const ShopModel& model, int64_t day, const std::vector<PlacedOrder>& orders);
  Status Close();
  int64_t rows() const { return rows_; }

 private:
  MarketingFiles() = default;
  std::string dir_;
  FILE* spend_ = nullptr;
  FILE* performance_ = nullptr;
  int64_t rows_ = 0;
};

// Writes the sessions of a day to events-YYYY-MM-DD.jsonl: one purchase session per order
// and about nineteen sessions that leave earlier in the funnel. A few events arrive late
// (in the next day's file) and a few are sent twice, as real trackers do.
class ClickstreamFiles {
 public:
  explicit ClickstreamFiles(std::string dir) : dir_(std::move(dir)) {}
  Status AddDay(const ShopModel& model, int64_t day, const std::vector<PlacedOrder>& orders);
  int64_t events() const { return events_; }
  int64_t files() const { return files_; }

 private:
  std::string dir_;
  int64_t events_ = 0;
  int64_t files_ = 0;
};

// Runs a ClickstreamFiles on a thread of its own, so writing events overlaps the database
// load. At most two days wait in its queue (memory stays flat).
class BackgroundClickstream {
 public:
  BackgroundClickstream(const ShopModel& model, std::string dir);
  ~BackgroundClickstream();  // waits for the queued days
  // Queues a day; returns the writer's error once one happened.
  Status AddDay(int64_t day, std::vector<PlacedOrder> orders);
  // Waits for the queued days; the writer's status.
  Status Finish();
  int64_t events() const { return files_.events(); }
  int64_t files() const { return files_.files(); }

 private:
  void Run();

  const ShopModel& model_;
  ClickstreamFiles files_;  // used by the thread only, until Finish
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::pair<int64_t, std::vector<PlacedOrder>>> queue_;  // guarded by mu_
  bool closing_ = false;                                            // guarded by mu_
  Status status_;                                                   // guarded by mu_
  std::thread thread_;
};

// Removes events-*.jsonl and the marketing CSVs from dir (for a fresh generation).
Status RemoveGeneratedFiles(const std::string& dir);

// Writes products.json: the catalog as FakeStore serves it, with prices at time t.
Status WriteCatalogJson(const ShopModel& model, int64_t t, const std::string& path);

}  // namespace shoplytics::seed
