// Transaction: BEGIN on construction, COMMIT on Commit(), ROLLBACK otherwise. If a
// Transaction is destroyed without Commit() (an early return, an error), everything done
// on its connection since Begin() is rolled back.
//
// A failed Commit() (e.g. a write-write conflict, kAborted) leaves nothing committed.
// Begin() inside an open transaction is kFailedPrecondition. Not thread-safe; the
// Connection must outlive the Transaction. Move-only; a moved-from Transaction does nothing.
#pragma once

#include "common/status.h"
#include "warehouse/connection.h"

namespace shoplytics::warehouse {

class Transaction {
 public:
  static Result<Transaction> Begin(Connection& conn);

  Transaction(Transaction&& other) noexcept;
  Transaction& operator=(Transaction&& other) noexcept;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();

  bool active() const { return conn_ != nullptr; }
  // Commits; afterwards the Transaction is inactive, whatever the outcome.
  Status Commit();
  // Rolls back now; afterwards the Transaction is inactive.
  Status Rollback();

 private:
  explicit Transaction(Connection* conn) : conn_(conn) {}

  Connection* conn_ = nullptr;  // not owned; null once committed or rolled back
};

}  // namespace shoplytics::warehouse
