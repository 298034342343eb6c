#include "pg/connection.h"

#include <libpq-fe.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <utility>

namespace shoplytics::pg {

namespace {

constexpr size_t kCopyChunkBytes = 1 << 20;
constexpr size_t kSqlQuoteChars = 80;

// SQL as it appears in messages: one line, cut at kSqlQuoteChars.
std::string SqlForMessage(std::string_view sql) {
  std::string out;
  bool space = false;
  for (char c : sql) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
    if (out.size() >= kSqlQuoteChars) {
      out += "...";
      break;
    }
  }
  return out;
}

std::string Trimmed(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return std::string(text);
}

// libpq's messages for a dropped connection or a failure before the server answered.
std::string ConnectionMessage(const PGconn* conn) {
  const char* message = conn != nullptr ? PQerrorMessage(conn) : nullptr;
  std::string text = message != nullptr ? Trimmed(message) : "";
  std::replace(text.begin(), text.end(), '\n', ' ');
  std::replace(text.begin(), text.end(), '\t', ' ');
  return text.empty() ? "no message from libpq" : text;
}

// "primary; DETAIL: ...; HINT: ...; CONTEXT: ... (SQLSTATE xxxxx)".
std::string ServerMessage(const PGresult* result) {
  auto field = [result](int code) -> std::string {
    const char* value = PQresultErrorField(result, code);
    return value != nullptr ? Trimmed(value) : "";
  };
  std::string text = field(PG_DIAG_MESSAGE_PRIMARY);
  if (text.empty()) text = Trimmed(PQresultErrorMessage(result));
  if (std::string detail = field(PG_DIAG_MESSAGE_DETAIL); !detail.empty()) {
    text += "; DETAIL: " + detail;
  }
  if (std::string hint = field(PG_DIAG_MESSAGE_HINT); !hint.empty()) text += "; HINT: " + hint;
  if (std::string context = field(PG_DIAG_CONTEXT); !context.empty()) {
    text += "; CONTEXT: " + context;
  }
  if (std::string sqlstate = field(PG_DIAG_SQLSTATE); !sqlstate.empty()) {
    text += " (SQLSTATE " + sqlstate + ")";
  }
  std::replace(text.begin(), text.end(), '\n', ' ');
  return text;
}

// The Status for a failed result. A result without SQLSTATE came from libpq itself: the
// connection broke (kUnavailable) or the client misused the protocol (kInternal).
Status ResultError(const PGconn* conn, const PGresult* result, std::string_view what) {
  if (result == nullptr) {
    StatusCode code =
        PQstatus(conn) == CONNECTION_BAD ? StatusCode::kUnavailable : StatusCode::kInternal;
    return Status(code, std::string(what) + ": " + ConnectionMessage(conn));
  }
  const char* sqlstate = PQresultErrorField(result, PG_DIAG_SQLSTATE);
  StatusCode code;
  if (sqlstate != nullptr) {
    code = StatusCodeForSqlState(sqlstate);
  } else {
    code = PQstatus(conn) == CONNECTION_BAD ? StatusCode::kUnavailable : StatusCode::kInternal;
  }
  return Status(code, std::string(what) + ": " + ServerMessage(result));
}

struct ResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
using OwnedResult = std::unique_ptr<PGresult, ResultDeleter>;

// Reads and discards results until libpq has none left, returning the first error (or OK).
Status DrainResults(PGconn* conn, std::string_view what) {
  Status first;
  while (PGresult* raw = PQgetResult(conn)) {
    OwnedResult result(raw);
    ExecStatusType status = PQresultStatus(raw);
    if (status == PGRES_COPY_IN) {
      PQputCopyEnd(conn, "unexpected COPY FROM STDIN");
    } else if (status == PGRES_COPY_OUT) {
      char* chunk = nullptr;
      while (PQgetCopyData(conn, &chunk, 0) > 0) PQfreemem(chunk);
    } else if (status == PGRES_FATAL_ERROR && first.ok()) {
      first = ResultError(conn, raw, what);
    }
    if (PQstatus(conn) == CONNECTION_BAD) break;
  }
  return first;
}

// An unfinished COPY TO must be read to its end before the connection can be used again;
// cancelling first keeps that short for a large table.
void CancelCopyOut(PGconn* conn) {
  if (conn == nullptr) return;
  if (PGcancel* cancel = PQgetCancel(conn)) {
    char error[256];
    PQcancel(cancel, error, sizeof error);
    PQfreeCancel(cancel);
  }
  char* chunk = nullptr;
  while (PQgetCopyData(conn, &chunk, 0) > 0) PQfreemem(chunk);
  DrainResults(conn, "COPY OUT cancel").IgnoreError();
}

// Splits the password values out of a DSN so that libpq messages can be scrubbed of them.
std::vector<std::string> PasswordsIn(const std::string& dsn) {
  std::vector<std::string> passwords;
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(dsn.c_str(), &error);
  if (error != nullptr) PQfreemem(error);
  if (options == nullptr) return passwords;
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (std::string_view(o->keyword) == "password" && o->val != nullptr && *o->val != '\0') {
      passwords.emplace_back(o->val);
    }
  }
  PQconninfoFree(options);
  return passwords;
}

std::string Scrub(std::string text, const std::vector<std::string>& secrets) {
  for (const std::string& secret : secrets) {
    for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 3)) {
      text.replace(at, secret.size(), "***");
    }
  }
  return text;
}

StatusCode ConnectFailureCode(std::string_view message) {
  auto has = [message](std::string_view needle) {
    return message.find(needle) != std::string_view::npos;
  };
  if (has("authentication failed") || has("no password supplied") || has("no pg_hba.conf entry") ||
      (has("role \"") && has("does not exist")) || has("permission denied")) {
    return StatusCode::kPermissionDenied;
  }
  if (has("database \"") && has("does not exist")) return StatusCode::kNotFound;
  if (has("invalid connection option") || has("missing \"=\"") || has("invalid URI") ||
      has("unterminated quoted string") || has("invalid integer value") ||
      has("invalid port number") || has("invalid value for parameter")) {
    return StatusCode::kInvalidArgument;
  }
  return StatusCode::kUnavailable;
}

void IgnoreNotice(void* /*arg*/, const char* /*message*/) {}

std::string ManualQuote(std::string_view text, char quote) {
  std::string out(1, quote);
  for (char c : text) {
    if (c == quote) out += quote;
    out += c;
  }
  out += quote;
  return out;
}

// An "ISOLATION LEVEL" clause accepts only these; anything else would be SQL injection.
bool IsIsolationLevel(std::string_view level) {
  std::string upper;
  for (char c : level) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return upper == "SERIALIZABLE" || upper == "REPEATABLE READ" || upper == "READ COMMITTED" ||
         upper == "READ UNCOMMITTED";
}

}  // namespace

StatusCode StatusCodeForSqlState(std::string_view s) {
  if (s.size() != 5) return StatusCode::kInternal;
  std::string_view cls = s.substr(0, 2);
  if (s == "57P01" || s == "57P02" || s == "57P03") return StatusCode::kUnavailable;
  if (s == "57014") return StatusCode::kCancelled;
  if (s == "55P03") return StatusCode::kAborted;
  if (s == "42501") return StatusCode::kPermissionDenied;
  if (s == "42P04" || s == "42P06" || s == "42P07" || s == "42710" || s == "42723") {
    return StatusCode::kAlreadyExists;
  }
  if (cls == "08") return StatusCode::kUnavailable;
  if (cls == "40") return StatusCode::kAborted;
  if (cls == "28") return StatusCode::kPermissionDenied;
  if (cls == "42" || cls == "22" || cls == "54" || cls == "2F" || cls == "34") {
    return StatusCode::kInvalidArgument;
  }
  if (cls == "23" || cls == "25" || cls == "55" || cls == "2B" || cls == "2D") {
    return StatusCode::kFailedPrecondition;
  }
  if (cls == "3D" || cls == "3F") return StatusCode::kNotFound;
  if (cls == "53") return StatusCode::kResourceExhausted;
  if (cls == "0A") return StatusCode::kUnimplemented;
  return StatusCode::kInternal;
}

// Each recognised password value is replaced by ***, keeping the rest of the text as is.
std::string RedactDsn(std::string_view dsn) {
  std::string out(dsn);
  const bool uri = dsn.starts_with("postgresql://") || dsn.starts_with("postgres://");
  if (uri) {
    size_t start = out.find("://") + 3;
    size_t end = out.find_first_of("/?", start);
    if (end == std::string::npos) end = out.size();
    size_t at = out.rfind('@', end);
    if (at != std::string::npos && at >= start) {
      size_t colon = out.find(':', start);
      if (colon != std::string::npos && colon < at) out.replace(colon + 1, at - colon - 1, "***");
    }
    size_t query = out.find('?');
    while (query != std::string::npos) {
      size_t key = query + 1;
      size_t next = out.find('&', key);
      size_t stop = next == std::string::npos ? out.size() : next;
      if (out.compare(key, 9, "password=") == 0 && key + 9 <= stop) {
        out.replace(key + 9, stop - key - 9, "***");
        next = out.find('&', key);
      }
      query = next;
    }
    return out;
  }
  // key = value pairs; values may be 'quoted' with \' and \\ escapes.
  std::string result;
  size_t i = 0;
  while (i < out.size()) {
    if (std::isspace(static_cast<unsigned char>(out[i]))) {
      result += out[i++];
      continue;
    }
    size_t key_start = i;
    while (i < out.size() && out[i] != '=' && !std::isspace(static_cast<unsigned char>(out[i]))) {
      ++i;
    }
    std::string key = out.substr(key_start, i - key_start);
    while (i < out.size() && std::isspace(static_cast<unsigned char>(out[i]))) ++i;
    if (i >= out.size() || out[i] != '=') {
      result += out.substr(key_start, i - key_start);
      continue;
    }
    ++i;
    while (i < out.size() && std::isspace(static_cast<unsigned char>(out[i]))) ++i;
    size_t value_start = i;
    if (i < out.size() && out[i] == '\'') {
      ++i;
      while (i < out.size() && out[i] != '\'') i += (out[i] == '\\' && i + 1 < out.size()) ? 2 : 1;
      if (i < out.size()) ++i;
    } else {
      while (i < out.size() && !std::isspace(static_cast<unsigned char>(out[i]))) {
        i += (out[i] == '\\' && i + 1 < out.size()) ? 2 : 1;
      }
    }
    result += key + "=";
    result += key == "password" ? "***" : out.substr(value_start, i - value_start);
  }
  return result;
}

// ---------------------------------------------------------------------------------------
// QueryResult

QueryResult::QueryResult(pg_result* result) : result_(result) {}

QueryResult::QueryResult(QueryResult&& other) noexcept
    : result_(std::exchange(other.result_, nullptr)) {}

QueryResult& QueryResult::operator=(QueryResult&& other) noexcept {
  if (this != &other) {
    if (result_ != nullptr) PQclear(result_);
    result_ = std::exchange(other.result_, nullptr);
  }
  return *this;
}

QueryResult::~QueryResult() {
  if (result_ != nullptr) PQclear(result_);
}

int QueryResult::rows() const { return result_ != nullptr ? PQntuples(result_) : 0; }

int QueryResult::columns() const { return result_ != nullptr ? PQnfields(result_) : 0; }

std::string QueryResult::column_name(int col) const {
  const char* name = result_ != nullptr ? PQfname(result_, col) : nullptr;
  return name != nullptr ? name : "";
}

bool QueryResult::IsNull(int row, int col) const {
  return result_ == nullptr || PQgetisnull(result_, row, col) != 0;
}

std::string_view QueryResult::Get(int row, int col) const {
  if (result_ == nullptr) return {};
  return std::string_view(PQgetvalue(result_, row, col),
                          static_cast<size_t>(PQgetlength(result_, row, col)));
}

Result<int64_t> QueryResult::GetInt64(int row, int col) const {
  if (row < 0 || row >= rows() || col < 0 || col >= columns()) {
    return InvalidArgumentError("row " + std::to_string(row) + ", column " + std::to_string(col) +
                                " is outside the result (" + std::to_string(rows()) + " rows, " +
                                std::to_string(columns()) + " columns)");
  }
  if (IsNull(row, col)) {
    return InvalidArgumentError("column \"" + column_name(col) + "\" row " + std::to_string(row) +
                                " is NULL, not an integer");
  }
  std::string_view text = Get(row, col);
  int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) {
    return InvalidArgumentError("column \"" + column_name(col) + "\" row " + std::to_string(row) +
                                ": '" + std::string(text.substr(0, 40)) +
                                "' is not a 64-bit integer");
  }
  return value;
}

int64_t QueryResult::affected_rows() const {
  if (result_ == nullptr) return 0;
  std::string_view text = PQcmdTuples(result_);
  int64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

// ---------------------------------------------------------------------------------------
// CopyIn

CopyIn::CopyIn(pg_conn* conn, std::string table_hint)
    : conn_(conn), table_hint_(std::move(table_hint)) {
  buffer_.reserve(kCopyChunkBytes + kCopyChunkBytes / 4);
}

CopyIn::CopyIn(CopyIn&& other) noexcept
    : conn_(std::exchange(other.conn_, nullptr)),
      table_hint_(std::move(other.table_hint_)),
      buffer_(std::move(other.buffer_)) {}

CopyIn& CopyIn::operator=(CopyIn&& other) noexcept {
  if (this != &other) {
    if (conn_ != nullptr) Abort("COPY replaced before Finish");
    conn_ = std::exchange(other.conn_, nullptr);
    table_hint_ = std::move(other.table_hint_);
    buffer_ = std::move(other.buffer_);
  }
  return *this;
}

CopyIn::~CopyIn() {
  if (conn_ != nullptr) Abort("COPY abandoned before Finish");
}

Status CopyIn::Write(std::string_view data) {
  if (conn_ == nullptr) {
    return FailedPreconditionError("COPY IN (" + table_hint_ + "): no COPY in progress");
  }
  if (buffer_.empty() && data.size() >= kCopyChunkBytes) {
    // A caller that already sends large chunks skips the extra copy into buffer_.
    return Send(data);
  }
  buffer_.append(data);
  if (buffer_.size() >= kCopyChunkBytes) return Flush();
  return OkStatus();
}

// A failed PQputCopyData usually means the server already rejected a row: its error is
// waiting in the results, and it is the message worth returning.
Status CopyIn::Flush() {
  if (buffer_.empty()) return OkStatus();
  Status st = Send(buffer_);
  buffer_.clear();
  return st;
}

Status CopyIn::Send(std::string_view data) {
  PGconn* conn = conn_;
  int rc = PQputCopyData(conn, data.data(), static_cast<int>(data.size()));
  if (rc == 1) return OkStatus();
  std::string what = "COPY IN (" + table_hint_ + ")";
  Status libpq_error(
      PQstatus(conn) == CONNECTION_BAD ? StatusCode::kUnavailable : StatusCode::kInternal,
      what + ": sending data failed: " + ConnectionMessage(conn));
  Status server_error = DrainResults(conn, what);
  conn_ = nullptr;
  return server_error.ok() ? libpq_error : server_error;
}

Result<int64_t> CopyIn::Finish() {
  if (conn_ == nullptr) {
    return FailedPreconditionError("COPY IN (" + table_hint_ + "): no COPY in progress");
  }
  RETURN_IF_ERROR(Flush());
  PGconn* conn = conn_;
  conn_ = nullptr;
  std::string what = "COPY IN (" + table_hint_ + ")";
  if (PQputCopyEnd(conn, nullptr) != 1) {
    Status server_error = DrainResults(conn, what);
    if (!server_error.ok()) return server_error;
    return UnavailableError(what + ": ending the COPY failed: " + ConnectionMessage(conn));
  }
  OwnedResult result(PQgetResult(conn));
  if (result == nullptr || PQresultStatus(result.get()) != PGRES_COMMAND_OK) {
    Status error = ResultError(conn, result.get(), what);
    DrainResults(conn, what).IgnoreError();
    return error;
  }
  int64_t rows = QueryResult(result.release()).affected_rows();
  RETURN_IF_ERROR(DrainResults(conn, what));
  return rows;
}

void CopyIn::Abort(std::string_view reason) {
  if (conn_ == nullptr) return;
  PGconn* conn = conn_;
  conn_ = nullptr;
  buffer_.clear();
  PQputCopyEnd(conn, std::string(reason).c_str());
  DrainResults(conn, "COPY IN abort").IgnoreError();
}

// ---------------------------------------------------------------------------------------
// CopyOut

CopyOut::CopyOut(pg_conn* conn) : conn_(conn) {}

CopyOut::CopyOut(CopyOut&& other) noexcept
    : conn_(std::exchange(other.conn_, nullptr)),
      chunk_(std::exchange(other.chunk_, nullptr)),
      done_(std::exchange(other.done_, true)) {}

CopyOut& CopyOut::operator=(CopyOut&& other) noexcept {
  if (this != &other) {
    Release();
    if (conn_ != nullptr && !done_) CancelCopyOut(conn_);
    conn_ = std::exchange(other.conn_, nullptr);
    chunk_ = std::exchange(other.chunk_, nullptr);
    done_ = std::exchange(other.done_, true);
  }
  return *this;
}

CopyOut::~CopyOut() {
  Release();
  if (conn_ != nullptr && !done_) CancelCopyOut(conn_);
}

void CopyOut::Release() {
  if (chunk_ != nullptr) PQfreemem(chunk_);
  chunk_ = nullptr;
}

Result<std::optional<std::string_view>> CopyOut::Next() {
  Release();
  if (done_) return std::optional<std::string_view>();
  if (conn_ == nullptr) {
    return FailedPreconditionError("COPY OUT: no COPY in progress");
  }
  PGconn* conn = conn_;
  int n = PQgetCopyData(conn, &chunk_, 0);
  if (n > 0) return std::optional<std::string_view>(std::string_view(chunk_, n));
  done_ = true;
  if (n == -2) {
    Status error = UnavailableError("COPY OUT: reading data failed: " + ConnectionMessage(conn));
    Status server_error = DrainResults(conn, "COPY OUT");
    return server_error.ok() ? error : server_error;
  }
  OwnedResult result(PQgetResult(conn));
  if (result == nullptr || PQresultStatus(result.get()) != PGRES_COMMAND_OK) {
    Status error = ResultError(conn, result.get(), "COPY OUT");
    DrainResults(conn, "COPY OUT").IgnoreError();
    return error;
  }
  result.reset();
  RETURN_IF_ERROR(DrainResults(conn, "COPY OUT"));
  return std::optional<std::string_view>();
}

// ---------------------------------------------------------------------------------------
// Connection

Result<Connection> Connection::Open(const std::string& dsn) {
  const std::string what = "connecting to PostgreSQL (" + RedactDsn(dsn) + ")";
  // "dbname" is expanded into the DSN's own settings; the fallback name and the options
  // apply only when the DSN does not set them.
  const char* keywords[] = {"options", "dbname", "fallback_application_name", nullptr};
  const char* values[] = {"-c client_min_messages=warning", dsn.c_str(), "shoplytics", nullptr};
  PGconn* conn = PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
  if (conn == nullptr) return ResourceExhaustedError(what + ": out of memory");
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string message = Scrub(ConnectionMessage(conn), PasswordsIn(dsn));
    PQfinish(conn);
    return Status(ConnectFailureCode(message), what + ": " + message);
  }
  PQsetNoticeProcessor(conn, IgnoreNotice, nullptr);
  return Connection(conn);
}

Connection::Connection(Connection&& other) noexcept : conn_(std::exchange(other.conn_, nullptr)) {}

Connection& Connection::operator=(Connection&& other) noexcept {
  if (this != &other) {
    if (conn_ != nullptr) PQfinish(conn_);
    conn_ = std::exchange(other.conn_, nullptr);
  }
  return *this;
}

Connection::~Connection() {
  if (conn_ != nullptr) PQfinish(conn_);
}

Status Connection::LastError(std::string_view what) const {
  StatusCode code =
      PQstatus(conn_) == CONNECTION_BAD ? StatusCode::kUnavailable : StatusCode::kInternal;
  return Status(code, std::string(what) + ": " + ConnectionMessage(conn_));
}

Status Connection::Execute(std::string_view sql) {
  const std::string what = "executing \"" + SqlForMessage(sql) + "\"";
  if (conn_ == nullptr) return FailedPreconditionError(what + ": the connection is closed");
  OwnedResult result(PQexec(conn_, std::string(sql).c_str()));
  if (result == nullptr) return LastError(what);
  switch (PQresultStatus(result.get())) {
    case PGRES_COMMAND_OK:
    case PGRES_TUPLES_OK:
    case PGRES_EMPTY_QUERY:
      return OkStatus();
    case PGRES_COPY_IN:
    case PGRES_COPY_OUT:
      result.reset();
      DrainResults(conn_, what).IgnoreError();
      return InvalidArgumentError(what + ": COPY needs BeginCopyIn or BeginCopyOut");
    default:
      return ResultError(conn_, result.get(), what);
  }
}

Result<QueryResult> Connection::Query(std::string_view sql,
                                      const std::vector<std::optional<std::string>>& params) {
  const std::string what = "querying \"" + SqlForMessage(sql) + "\"";
  if (conn_ == nullptr) return FailedPreconditionError(what + ": the connection is closed");
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& param : params) values.push_back(param ? param->c_str() : nullptr);
  OwnedResult result(PQexecParams(conn_, std::string(sql).c_str(), static_cast<int>(params.size()),
                                  /*paramTypes=*/nullptr, values.data(), /*paramLengths=*/nullptr,
                                  /*paramFormats=*/nullptr, /*resultFormat=*/0));
  if (result == nullptr) return LastError(what);
  switch (PQresultStatus(result.get())) {
    case PGRES_COMMAND_OK:
    case PGRES_TUPLES_OK:
    case PGRES_EMPTY_QUERY:
      return QueryResult(result.release());
    case PGRES_COPY_IN:
    case PGRES_COPY_OUT:
      result.reset();
      DrainResults(conn_, what).IgnoreError();
      return InvalidArgumentError(what + ": COPY needs BeginCopyIn or BeginCopyOut");
    default:
      return ResultError(conn_, result.get(), what);
  }
}

Result<CopyIn> Connection::BeginCopyIn(std::string_view sql) {
  const std::string hint = SqlForMessage(sql);
  const std::string what = "starting \"" + hint + "\"";
  if (conn_ == nullptr) return FailedPreconditionError(what + ": the connection is closed");
  OwnedResult result(PQexec(conn_, std::string(sql).c_str()));
  if (result == nullptr) return LastError(what);
  ExecStatusType status = PQresultStatus(result.get());
  if (status == PGRES_COPY_IN) return CopyIn(conn_, hint);
  if (status == PGRES_FATAL_ERROR) return ResultError(conn_, result.get(), what);
  result.reset();
  DrainResults(conn_, what).IgnoreError();
  return InvalidArgumentError(what + ": not a COPY ... FROM STDIN statement");
}

Result<CopyOut> Connection::BeginCopyOut(std::string_view sql) {
  const std::string what = "starting \"" + SqlForMessage(sql) + "\"";
  if (conn_ == nullptr) return FailedPreconditionError(what + ": the connection is closed");
  OwnedResult result(PQexec(conn_, std::string(sql).c_str()));
  if (result == nullptr) return LastError(what);
  ExecStatusType status = PQresultStatus(result.get());
  if (status == PGRES_COPY_OUT) return CopyOut(conn_);
  if (status == PGRES_FATAL_ERROR) return ResultError(conn_, result.get(), what);
  result.reset();
  DrainResults(conn_, what).IgnoreError();
  return InvalidArgumentError(what + ": not a COPY ... TO STDOUT statement");
}

std::string Connection::QuoteIdentifier(std::string_view name) const {
  if (conn_ != nullptr) {
    if (char* quoted = PQescapeIdentifier(conn_, name.data(), name.size())) {
      std::string out(quoted);
      PQfreemem(quoted);
      return out;
    }
  }
  return ManualQuote(name, '"');
}

std::string Connection::QuoteLiteral(std::string_view value) const {
  if (conn_ != nullptr) {
    if (char* quoted = PQescapeLiteral(conn_, value.data(), value.size())) {
      std::string out(quoted);
      PQfreemem(quoted);
      return out;
    }
  }
  if (value.find('\\') != std::string_view::npos) {
    std::string doubled;
    for (char c : value) {
      if (c == '\\') doubled += '\\';
      doubled += c;
    }
    return "E" + ManualQuote(doubled, '\'');
  }
  return ManualQuote(value, '\'');
}

int Connection::server_version() const { return conn_ != nullptr ? PQserverVersion(conn_) : 0; }

// ---------------------------------------------------------------------------------------
// Transaction

Result<Transaction> Transaction::Begin(Connection& conn, std::string_view isolation) {
  std::string sql = "BEGIN";
  if (!isolation.empty()) {
    if (!IsIsolationLevel(isolation)) {
      return InvalidArgumentError("BEGIN: unknown isolation level '" + std::string(isolation) +
                                  "' (SERIALIZABLE, REPEATABLE READ, READ COMMITTED)");
    }
    sql += " ISOLATION LEVEL " + std::string(isolation);
  }
  RETURN_IF_ERROR(conn.Execute(sql));
  return Transaction(&conn);
}

Transaction::Transaction(Transaction&& other) noexcept
    : conn_(std::exchange(other.conn_, nullptr)) {}

Transaction::~Transaction() {
  if (conn_ != nullptr) Rollback().IgnoreError();
}

// PostgreSQL answers COMMIT of a failed transaction with "ROLLBACK", not an error.
Status Transaction::Commit() {
  if (conn_ == nullptr) return FailedPreconditionError("COMMIT: the transaction is over");
  Connection* conn = std::exchange(conn_, nullptr);
  if (conn->raw() == nullptr) return FailedPreconditionError("COMMIT: the connection is closed");
  OwnedResult result(PQexec(conn->raw(), "COMMIT"));
  if (result == nullptr || PQresultStatus(result.get()) != PGRES_COMMAND_OK) {
    return ResultError(conn->raw(), result.get(), "COMMIT");
  }
  if (std::string_view(PQcmdStatus(result.get())) == "ROLLBACK") {
    return AbortedError("COMMIT: the transaction was rolled back because a statement in it failed");
  }
  return OkStatus();
}

Status Transaction::Rollback() {
  if (conn_ == nullptr) return FailedPreconditionError("ROLLBACK: the transaction is over");
  Connection* conn = std::exchange(conn_, nullptr);
  return conn->Execute("ROLLBACK");
}

}  // namespace shoplytics::pg
