// Work items shared by a few worker threads, for connectors that load several tables at
// once (each worker holds its own connections).
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "common/status.h"

namespace shoplytics::sources::internal {

// Runs `worker` on min(threads, items) threads (at least one when there are items). A
// worker sets itself up, then calls `next()` for item indices until it returns nullopt;
// each index goes to exactly one worker. Returns the first failure a worker returned.
inline Status RunWorkers(
    size_t items, int threads,
    const std::function<Status(const std::function<std::optional<size_t>()>& next)>& worker) {
  std::atomic<size_t> cursor{0};
  const std::function<std::optional<size_t>()> next = [&]() -> std::optional<size_t> {
    const size_t i = cursor.fetch_add(1);
    if (i >= items) return std::nullopt;
    return i;
  };
  std::mutex mu;
  Status first;  // GUARDED_BY(mu)
  const size_t count = std::min(items, static_cast<size_t>(std::max(threads, 1)));
  std::vector<std::thread> workers;
  for (size_t t = 0; t < count; ++t) {
    workers.emplace_back([&] {
      Status status = worker(next);
      if (status.ok()) return;
      std::lock_guard<std::mutex> lock(mu);
      if (first.ok()) first = std::move(status);
    });
  }
  for (std::thread& t : workers) t.join();
  return first;
}

}  // namespace shoplytics::sources::internal
