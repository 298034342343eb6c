#include "seed/async_copy.h"

namespace shoplytics::seed {

Result<std::unique_ptr<AsyncCopy>> AsyncCopy::Start(pg::Connection conn,
                                                     const std::string& setup_sql,
                                                     const std::string& copy_sql,
                                                     std::string table) {
  // The CopyIn points at its Connection, so the connection moves to its final home first.
  std::unique_ptr<AsyncCopy> a(new AsyncCopy(std::move(conn), std::move(table)));
  if (!setup_sql.empty()) RETURN_IF_ERROR(a->conn_.Execute(setup_sql).WithContext(a->table_));
  Result<pg::CopyIn> copy = a->conn_.BeginCopyIn(copy_sql);
  if (!copy.ok()) return copy.status().WithContext(a->table_);
  a->copy_ = std::make_unique<pg::CopyIn>(std::move(copy).value());
  a->sender_ = std::thread([p = a.get()] { p->Run(); });
  return a;
}

AsyncCopy::AsyncCopy(pg::Connection conn, std::string table)
    : conn_(std::move(conn)), table_(std::move(table)) {}

AsyncCopy::~AsyncCopy() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    closing_ = true;
    queue_.clear();
  }
  cv_.notify_all();
  if (sender_.joinable()) sender_.join();
}

void AsyncCopy::Run() {
  while (true) {
    std::string chunk;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return !queue_.empty() || closing_; });
      if (queue_.empty()) return;
      chunk = std::move(queue_.front());
      queue_.pop_front();
    }
    cv_.notify_all();
    Status st = copy_->Write(chunk);
    std::lock_guard<std::mutex> lock(mu_);
    if (st.ok()) {
      if (spent_.size() < kMaxQueued) spent_.push_back(std::move(chunk));
      continue;
    }
    status_ = st.WithContext("loading " + table_);
    queue_.clear();
    closing_ = true;
    cv_.notify_all();
    return;
  }
}

Status AsyncCopy::Push(std::string&& chunk) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return queue_.size() < kMaxQueued || closing_; });
  if (!status_.ok()) return status_;
  if (closing_) return CancelledError("loading " + table_ + ": the stream is closed");
  queue_.push_back(std::move(chunk));
  if (!spent_.empty()) {
    chunk = std::move(spent_.back());
    spent_.pop_back();
  }
  lock.unlock();
  cv_.notify_all();
  return OkStatus();
}

Result<int64_t> AsyncCopy::Finish(const std::string& finish_sql) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    closing_ = true;
  }
  cv_.notify_all();
  if (sender_.joinable()) sender_.join();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!status_.ok()) return status_;
  }
  Result<int64_t> rows = copy_->Finish();
  if (!rows.ok()) return rows.status().WithContext("loading " + table_);
  if (!finish_sql.empty()) RETURN_IF_ERROR(conn_.Execute(finish_sql).WithContext(table_));
  return rows;
}

}  // namespace shoplytics::seed
