// Status and Result<T>: the one error vocabulary of Shoplytics.
//
// Expected failures are values. A Status is OK or carries a code and a message that
// names what failed (the file and line, the table, the source). The codes separate
// failures that a retry may cure (IsRetryable(): kUnavailable, kResourceExhausted,
// kDeadlineExceeded, kAborted) from those it won't (everything else); the scheduler
// and the connectors decide on that alone.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace shoplytics {

enum class StatusCode {
  kOk = 0,
  // Retrying won't help.
  kInvalidArgument,     // bad input: usage, config, SQL, a malformed row
  kNotFound,            // a named thing does not exist
  kAlreadyExists,       // creating what is already there
  kFailedPrecondition,  // the system is not in the state the call needs
  kPermissionDenied,    // authentication or authorisation refused
  kDataLoss,            // data is corrupt or was lost
  kUnimplemented,       // a capability that is not built
  kInternal,            // a bug or an unexpected error from a library
  kCancelled,           // the caller asked to stop
  // Retrying may help.
  kUnavailable,         // a server or connection is down or dropped
  kResourceExhausted,   // rate limited (429), out of a quota
  kDeadlineExceeded,    // a timeout
  kAborted,             // a conflict (serialization failure, lock)
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // True when the same call may succeed later.
  bool IsRetryable() const;

  // Returns a copy whose message is "context: message". OK stays OK.
  Status WithContext(std::string_view context) const;

  // "INVALID_ARGUMENT: message", or "OK".
  std::string ToString() const;

  // Marks a status as deliberately ignored.
  void IgnoreError() const {}

  friend bool operator==(const Status& a, const Status& b) {
    return a.code_ == b.code_ && a.message_ == b.message_;
  }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status OkStatus() { return Status(); }
Status InvalidArgumentError(std::string message);
Status NotFoundError(std::string message);
Status AlreadyExistsError(std::string message);
Status FailedPreconditionError(std::string message);
Status PermissionDeniedError(std::string message);
Status DataLossError(std::string message);
Status UnimplementedError(std::string message);
Status InternalError(std::string message);
Status CancelledError(std::string message);
Status UnavailableError(std::string message);
Status ResourceExhaustedError(std::string message);
Status DeadlineExceededError(std::string message);
Status AbortedError(std::string message);

// Result<T> holds a T or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : value_(std::move(status)) {  // NOLINT: implicit by design
    assert(!std::get<Status>(value_).ok() && "Result built from an OK Status");
  }

  bool ok() const { return std::holds_alternative<T>(value_); }
  Status status() const { return ok() ? Status() : std::get<Status>(value_); }

  // Precondition: ok().
  T& value() & { return std::get<T>(value_); }
  const T& value() const& { return std::get<T>(value_); }
  T&& value() && { return std::get<T>(std::move(value_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  T value_or(T fallback) const& { return ok() ? value() : std::move(fallback); }

 private:
  std::variant<T, Status> value_;
};

}  // namespace shoplytics

#define SHOPLYTICS_CONCAT_INNER(a, b) a##b
#define SHOPLYTICS_CONCAT(a, b) SHOPLYTICS_CONCAT_INNER(a, b)

// Returns the status from the current function when it is not OK.
#define RETURN_IF_ERROR(expr)                                  \
  do {                                                         \
    ::shoplytics::Status _shoplytics_status = (expr);          \
    if (!_shoplytics_status.ok()) return _shoplytics_status;   \
  } while (0)

// ASSIGN_OR_RETURN(auto x, MakeX()); declares x from a Result or returns its status.
#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL(SHOPLYTICS_CONCAT(_shoplytics_result_, __LINE__), lhs, expr)
#define ASSIGN_OR_RETURN_IMPL(result, lhs, expr) \
  auto result = (expr);                          \
  if (!result.ok()) return result.status();      \
  lhs = std::move(result).value()
