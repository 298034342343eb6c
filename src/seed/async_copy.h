// AsyncCopy feeds one COPY ... FROM STDIN on its own connection from a sender thread, so
// the generator keeps producing while PostgreSQL parses: several AsyncCopy streams (one
// per table) load in parallel. The queue is bounded, so memory stays flat: Push blocks
// while the server is behind.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"
#include "pg/connection.h"

namespace shoplytics::seed {

class AsyncCopy {
 public:
  // Runs setup_sql (e.g. "BEGIN; CREATE TABLE ...") then starts copy_sql on `conn`.
  static Result<std::unique_ptr<AsyncCopy>> Start(pg::Connection conn, const std::string& setup_sql,
                                                  const std::string& copy_sql,
                                                  std::string table);
  ~AsyncCopy();

  // Queues a chunk of COPY data, and leaves in `chunk` a buffer already sent (or an empty
  // string), for the caller to fill next. Returns the sender's error once one happened.
  Status Push(std::string&& chunk);
  // Waits for the queue to drain, ends the COPY, runs finish_sql (e.g. "COMMIT") and
  // returns the rows copied.
  Result<int64_t> Finish(const std::string& finish_sql);

  const std::string& table() const { return table_; }

 private:
  AsyncCopy(pg::Connection conn, std::string table);
  void Run();

  pg::Connection conn_;
  std::unique_ptr<pg::CopyIn> copy_;
  std::string table_;
  std::thread sender_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;  // guarded by mu_
  std::vector<std::string> spent_;  // sent buffers, for Push to hand back; guarded by mu_
  bool closing_ = false;           // guarded by mu_
  Status status_;                  // guarded by mu_
  static constexpr size_t kMaxQueued = 4;
};

}  // namespace shoplytics::seed
