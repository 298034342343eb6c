#include "sources/internal/parallel.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>

namespace shoplytics::sources::internal {
namespace {

using Next = std::function<std::optional<size_t>()>;

TEST(RunWorkers, EveryItemGoesToExactlyOneWorker) {
  std::mutex mu;
  std::multiset<size_t> seen;
  std::atomic<int> started{0};
  Status status = RunWorkers(100, 4, [&](const Next& next) -> Status {
    ++started;
    while (std::optional<size_t> i = next()) {
      std::lock_guard<std::mutex> lock(mu);
      seen.insert(*i);
    }
    return OkStatus();
  });
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(started.load(), 4);
  ASSERT_EQ(seen.size(), 100u);
  for (size_t i = 0; i < 100; ++i) EXPECT_EQ(seen.count(i), 1u) << i;
}

TEST(RunWorkers, NoMoreWorkersThanItemsAndNoneWithoutItems) {
  std::atomic<int> started{0};
  auto count = [&](const Next&) -> Status {
    ++started;
    return OkStatus();
  };
  ASSERT_TRUE(RunWorkers(2, 8, count).ok());
  EXPECT_EQ(started.load(), 2);
  started = 0;
  ASSERT_TRUE(RunWorkers(0, 8, count).ok());
  EXPECT_EQ(started.load(), 0);
  started = 0;
  ASSERT_TRUE(RunWorkers(3, 0, count).ok());  // threads < 1 still runs one worker
  EXPECT_EQ(started.load(), 1);
}

TEST(RunWorkers, ReturnsAWorkersFailureAndTheOthersFinishTheItems) {
  std::atomic<int> done{0};
  std::atomic<bool> failed{false};
  Status status = RunWorkers(50, 2, [&](const Next& next) -> Status {
    if (!failed.exchange(true)) return UnavailableError("worker could not connect");
    while (next()) ++done;
    return OkStatus();
  });
  EXPECT_EQ(status.code(), StatusCode::kUnavailable);
  EXPECT_NE(status.message().find("could not connect"), std::string::npos);
  EXPECT_EQ(done.load(), 50);
}

}  // namespace
}  // namespace shoplytics::sources::internal
