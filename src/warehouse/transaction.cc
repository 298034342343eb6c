#include "warehouse/transaction.h"

#include <utility>

namespace shoplytics::warehouse {

Result<Transaction> Transaction::Begin(Connection& conn) {
  RETURN_IF_ERROR(conn.Execute("BEGIN TRANSACTION"));
  return Transaction(&conn);
}

Transaction::Transaction(Transaction&& other) noexcept
    : conn_(std::exchange(other.conn_, nullptr)) {}

Transaction& Transaction::operator=(Transaction&& other) noexcept {
  if (this != &other) {
    Rollback().IgnoreError();
    conn_ = std::exchange(other.conn_, nullptr);
  }
  return *this;
}

Transaction::~Transaction() {
  // Nobody can act on a failed rollback here; DuckDB drops the transaction anyway.
  Rollback().IgnoreError();
}

Status Transaction::Commit() {
  if (!conn_) return FailedPreconditionError("commit: the transaction is no longer active");
  Connection* conn = std::exchange(conn_, nullptr);
  Status status = conn->Execute("COMMIT");
  if (!status.ok()) {
    // DuckDB may leave a failed transaction open; end it so the connection is usable.
    conn->Execute("ROLLBACK").IgnoreError();
  }
  return status;
}

Status Transaction::Rollback() {
  if (!conn_) return OkStatus();
  return std::exchange(conn_, nullptr)->Execute("ROLLBACK");
}

}  // namespace shoplytics::warehouse
