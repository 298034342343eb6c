#include "sandbox/sandbox.h"

#include <httplib.h>

#include <charconv>
#include <chrono>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <thread>
#include <vector>

#include "common/files.h"
#include "pg/connection.h"

namespace shoplytics::sandbox {

namespace {

using nlohmann::json;
using Params = std::vector<std::optional<std::string>>;

// One list endpoint: the object's Stripe name and the query that reads it.
struct ListSpec {
  const char* path;    // "/v1/charges"
  const char* table;   // "stripe.charges"
  const char* object;  // "charge"
  const char* noun;    // "charge", for "No such charge"
  const char* select;  // columns, in the order the renderer reads them
};

const ListSpec kLists[] = {
    {"/v1/charges", "stripe.charges", "charge", "charge",
     "id, amount, amount_captured, amount_refunded, currency, status, paid, captured, refunded, "
     "disputed, failure_code, customer, description, order_id, card_brand, card_last4, "
     "balance_transaction, created"},
    {"/v1/refunds", "stripe.refunds", "refund", "refund",
     "id, charge, amount, currency, status, reason, balance_transaction, order_id, created"},
    {"/v1/disputes", "stripe.disputes", "dispute", "dispute",
     "id, charge, amount, currency, status, reason, evidence_due_by, order_id, created"},
    {"/v1/balance_transactions", "stripe.balance_transactions", "balance_transaction",
     "balance transaction",
     "id, amount, fee, net, currency, type, reporting_category, source, status, description, "
     "available_on, created"},
};

// An error answer in Stripe's shape.
struct ApiError {
  int status = 400;
  std::string type = "invalid_request_error";
  std::string message;
  std::string code;
  std::string param;
};

void SendError(httplib::Response& res, const ApiError& e) {
  json err = {{"type", e.type}, {"message", e.message}};
  if (!e.code.empty()) err["code"] = e.code;
  if (!e.param.empty()) err["param"] = e.param;
  res.status = e.status;
  res.set_content(json{{"error", err}}.dump(), "application/json");
}

// A row of a pg result, read by column position.
class Row {
 public:
  Row(const pg::QueryResult& r, int row) : r_(r), row_(row) {}
  json Str(int col) const {
    if (r_.IsNull(row_, col)) return nullptr;
    return std::string(r_.Get(row_, col));
  }
  json Int(int col) const {
    if (r_.IsNull(row_, col)) return nullptr;
    Result<int64_t> v = r_.GetInt64(row_, col);
    return v.ok() ? json(*v) : json(nullptr);
  }
  json Bool(int col) const {
    if (r_.IsNull(row_, col)) return nullptr;
    return r_.Get(row_, col) == "t";
  }
  json Metadata(int col) const {
    if (r_.IsNull(row_, col)) return json::object();
    return json{{"order_id", std::string(r_.Get(row_, col))}};
  }

 private:
  const pg::QueryResult& r_;
  int row_;
};

json RenderCharge(const Row& r) {
  return {{"id", r.Str(0)},
          {"object", "charge"},
          {"amount", r.Int(1)},
          {"amount_captured", r.Int(2)},
          {"amount_refunded", r.Int(3)},
          {"balance_transaction", r.Str(16)},
          {"captured", r.Bool(7)},
          {"created", r.Int(17)},
          {"currency", r.Str(4)},
          {"customer", r.Str(11)},
          {"description", r.Str(12)},
          {"disputed", r.Bool(9)},
          {"failure_code", r.Str(10)},
          {"livemode", false},
          {"metadata", r.Metadata(13)},
          {"paid", r.Bool(6)},
          {"payment_method_details",
           {{"card", {{"brand", r.Str(14)}, {"last4", r.Str(15)}}}, {"type", "card"}}},
          {"refunded", r.Bool(8)},
          {"status", r.Str(5)}};
}

json RenderRefund(const Row& r) {
  return {{"id", r.Str(0)},       {"object", "refund"},
          {"amount", r.Int(2)},   {"balance_transaction", r.Str(6)},
          {"charge", r.Str(1)},   {"created", r.Int(8)},
          {"currency", r.Str(3)}, {"metadata", r.Metadata(7)},
          {"reason", r.Str(5)},   {"status", r.Str(4)}};
}

json RenderDispute(const Row& r) {
  return {{"id", r.Str(0)},
          {"object", "dispute"},
          {"amount", r.Int(2)},
          {"charge", r.Str(1)},
          {"created", r.Int(8)},
          {"currency", r.Str(3)},
          {"evidence_details", {{"due_by", r.Int(6)}}},
          {"livemode", false},
          {"metadata", r.Metadata(7)},
          {"reason", r.Str(5)},
          {"status", r.Str(4)}};
}

json RenderBalanceTransaction(const Row& r) {
  return {{"id", r.Str(0)},          {"object", "balance_transaction"},
          {"amount", r.Int(1)},      {"available_on", r.Int(10)},
          {"created", r.Int(11)},    {"currency", r.Str(4)},
          {"description", r.Str(9)}, {"fee", r.Int(2)},
          {"net", r.Int(3)},         {"reporting_category", r.Str(6)},
          {"source", r.Str(7)},      {"status", r.Str(8)},
          {"type", r.Str(5)}};
}

json Render(const ListSpec& spec, const Row& r) {
  const std::string_view object = spec.object;
  if (object == "charge") return RenderCharge(r);
  if (object == "refund") return RenderRefund(r);
  if (object == "dispute") return RenderDispute(r);
  return RenderBalanceTransaction(r);
}

std::optional<int64_t> ParseInt(std::string_view text) {
  int64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return v;
}

// A few PostgreSQL connections shared by the server's threads.
class ConnectionPool {
 public:
  explicit ConnectionPool(std::string dsn) : dsn_(std::move(dsn)) {}

  Result<pg::Connection> Acquire() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!idle_.empty()) {
        pg::Connection c = std::move(idle_.back());
        idle_.pop_back();
        return c;
      }
    }
    return pg::Connection::Open(dsn_);
  }

  // A connection that failed is dropped rather than returned.
  void Release(pg::Connection conn) {
    std::lock_guard<std::mutex> lock(mu_);
    if (idle_.size() < kMaxIdle) idle_.push_back(std::move(conn));
  }

 private:
  static constexpr size_t kMaxIdle = 8;
  const std::string dsn_;
  std::mutex mu_;
  std::vector<pg::Connection> idle_;  // GUARDED_BY(mu_)
};

}  // namespace

struct Server::Impl {
  explicit Impl(const ServerOptions& o)
      : options(o), pool(o.dsn), rng(o.seed ? o.seed : std::random_device{}()) {}

  const ServerOptions options;
  ConnectionPool pool;
  httplib::Server http;
  std::thread thread;
  int port = 0;

  mutable std::mutex mu;
  std::mt19937_64 rng;          // GUARDED_BY(mu)
  int64_t window_second = -1;   // GUARDED_BY(mu)
  int64_t window_requests = 0;  // GUARDED_BY(mu)
  ServerStats stats;            // GUARDED_BY(mu)

  void Routes();
  httplib::Server::HandlerResponse Faults(const httplib::Request& req, httplib::Response& res);
  std::optional<ApiError> Authorize(const httplib::Request& req) const;
  void List(const ListSpec& spec, const httplib::Request& req, httplib::Response& res);
  Result<json> QueryList(const ListSpec& spec, const httplib::Request& req, ApiError* error);
  void Products(const httplib::Request& req, httplib::Response& res);
};

httplib::Server::HandlerResponse Server::Impl::Faults(const httplib::Request&,
                                                      httplib::Response& res) {
  if (options.latency_ms > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(options.latency_ms));
  }
  enum { kPass, kLimited, kFail, kDrop } fault = kPass;
  {
    std::lock_guard<std::mutex> lock(mu);
    ++stats.requests;
    const int64_t second = std::chrono::duration_cast<std::chrono::seconds>(
                               std::chrono::steady_clock::now().time_since_epoch())
                               .count();
    if (second != window_second) {
      window_second = second;
      window_requests = 0;
    }
    if (options.rate_limit > 0 && ++window_requests > options.rate_limit) {
      fault = kLimited;
      ++stats.rate_limited;
    } else if (options.fail_rate > 0 &&
               std::uniform_real_distribution<double>(0, 1)(rng) < options.fail_rate) {
      fault = (rng() & 1) ? kFail : kDrop;
      ++(fault == kFail ? stats.failed : stats.dropped);
    }
  }
  switch (fault) {
    case kPass:
      return httplib::Server::HandlerResponse::Unhandled;
    case kLimited:
      res.set_header("Retry-After", "1");
      SendError(res, {429, "invalid_request_error",
                      "Too many requests hit the API too quickly. We recommend an exponential "
                      "backoff of your requests.",
                      "rate_limit", ""});
      break;
    case kFail:
      res.set_header("Stripe-Should-Retry", "true");
      SendError(res,
                {500, "api_error", "Something went wrong on Stripe's end (injected).", "", ""});
      break;
    case kDrop:
      // Promise a body, send a piece of it and give up: the client sees the connection
      // close mid-response.
      res.set_content_provider(1024, "application/json",
                               [](size_t, size_t, httplib::DataSink& sink) {
                                 sink.write("{\"object\":", 10);
                                 return false;
                               });
      break;
  }
  return httplib::Server::HandlerResponse::Handled;
}

std::optional<ApiError> Server::Impl::Authorize(const httplib::Request& req) const {
  const std::string header = req.get_header_value("Authorization");
  const std::string prefix = "Bearer ";
  const std::string key = header.rfind(prefix, 0) == 0 ? header.substr(prefix.size()) : "";
  if (key.empty()) {
    return ApiError{401, "invalid_request_error",
                    "You did not provide an API key. You need to provide your API key in the "
                    "Authorization header, using Bearer auth (e.g. 'Authorization: Bearer "
                    "YOUR_SECRET_KEY').",
                    "", ""};
  }
  const bool ok = options.api_key.empty() ? key.rfind("sk_test_", 0) == 0 && key.size() > 8
                                          : key == options.api_key;
  if (ok) return std::nullopt;
  const std::string masked = key.substr(0, std::min<size_t>(8, key.size() / 2)) + "****" +
                             (key.size() > 12 ? key.substr(key.size() - 4) : "");
  return ApiError{401, "invalid_request_error", "Invalid API Key provided: " + masked,
                  "api_key_invalid", ""};
}

Result<json> Server::Impl::QueryList(const ListSpec& spec, const httplib::Request& req,
                                     ApiError* error) {
  int64_t limit = 10;
  if (req.has_param("limit")) {
    std::optional<int64_t> v = ParseInt(req.get_param_value("limit"));
    if (!v || *v < 1 || *v > 100) {
      *error = {400, "invalid_request_error",
                "Invalid limit: must be an integer between 1 and 100 (got '" +
                    req.get_param_value("limit") + "')",
                "parameter_invalid_integer", "limit"};
      return InvalidArgumentError("limit");
    }
    limit = *v;
  }
  const bool after = req.has_param("starting_after");
  const bool before = req.has_param("ending_before");
  if (after && before) {
    *error = {400, "invalid_request_error",
              "You may only specify one of these parameters: starting_after, ending_before.", "",
              "ending_before"};
    return InvalidArgumentError("cursor");
  }
  ASSIGN_OR_RETURN(pg::Connection conn, pool.Acquire());
  std::string sql = std::string("SELECT ") + spec.select + " FROM " + spec.table + " WHERE true";
  Params params;
  auto param = [&](std::string value) {
    params.emplace_back(std::move(value));
    return "$" + std::to_string(params.size());
  };
  static const std::pair<const char*, const char*> kCreated[] = {{"created", "="},
                                                                 {"created[gt]", ">"},
                                                                 {"created[gte]", ">="},
                                                                 {"created[lt]", "<"},
                                                                 {"created[lte]", "<="}};
  for (const auto& [name, op] : kCreated) {
    if (!req.has_param(name)) continue;
    const std::string value = req.get_param_value(name);
    if (!ParseInt(value)) {
      *error = {400, "invalid_request_error", "Invalid integer: " + value,
                "parameter_invalid_integer", name};
      return InvalidArgumentError(name);
    }
    sql += std::string(" AND created ") + op + " " + param(value) + "::bigint";
  }
  if (after || before) {
    const std::string id = req.get_param_value(after ? "starting_after" : "ending_before");
    ASSIGN_OR_RETURN(
        pg::QueryResult found,
        conn.Query(std::string("SELECT created FROM ") + spec.table + " WHERE id = $1", {id}));
    if (found.rows() == 0) {
      pool.Release(std::move(conn));
      *error = {400, "invalid_request_error",
                std::string("No such ") + spec.noun + ": '" + id + "'", "resource_missing",
                after ? "starting_after" : "ending_before"};
      return NotFoundError(id);
    }
    const std::string c = param(std::string(found.Get(0, 0)));
    const std::string k = param(id);
    sql += std::string(" AND (created, id) ") + (after ? "<" : ">") + " (" + c + "::bigint, " + k +
           "::text)";
  }
  sql += before ? " ORDER BY created ASC, id ASC" : " ORDER BY created DESC, id DESC";
  sql += " LIMIT " + param(std::to_string(limit + 1)) + "::bigint";
  ASSIGN_OR_RETURN(pg::QueryResult rows, conn.Query(sql, params));
  pool.Release(std::move(conn));
  const int n = std::min<int>(rows.rows(), static_cast<int>(limit));
  json data = json::array();
  for (int i = 0; i < n; ++i) data.push_back(Render(spec, Row(rows, i)));
  if (before) std::reverse(data.begin(), data.end());
  return json{{"object", "list"},
              {"url", spec.path},
              {"has_more", rows.rows() > limit},
              {"data", std::move(data)}};
}

void Server::Impl::List(const ListSpec& spec, const httplib::Request& req, httplib::Response& res) {
  if (std::optional<ApiError> denied = Authorize(req)) {
    res.set_header("WWW-Authenticate", "Bearer realm=\"Stripe\"");
    SendError(res, *denied);
    return;
  }
  ApiError error;
  Result<json> page = QueryList(spec, req, &error);
  if (page.ok()) {
    res.set_content(page->dump(), "application/json");
  } else if (!error.message.empty()) {
    SendError(res, error);
  } else {
    SendError(res, {500, "api_error", "sandbox: " + page.status().message(), "", ""});
  }
}

void Server::Impl::Products(const httplib::Request& req, httplib::Response& res) {
  const std::filesystem::path file = options.files_dir / "products.json";
  Result<std::string> text = ReadFile(file);
  if (!text.ok()) {
    SendError(res, {500, "api_error", "sandbox: " + text.status().message(), "", ""});
    return;
  }
  if (req.matches.size() < 2) {
    res.set_content(*text, "application/json");
    return;
  }
  json products = json::parse(*text, nullptr, /*allow_exceptions=*/false);
  std::optional<int64_t> id = ParseInt(req.matches[1].str());
  if (products.is_array() && id) {
    for (const json& p : products) {
      if (p.contains("id") && p["id"].is_number_integer() && p["id"].get<int64_t>() == *id) {
        res.set_content(p.dump(), "application/json");
        return;
      }
    }
  }
  SendError(res, {404, "invalid_request_error", "No such product: '" + req.matches[1].str() + "'",
                  "resource_missing", "id"});
}

void Server::Impl::Routes() {
  // Idle keep-alive connections hold a worker until they time out, and Stop() waits for
  // the workers: keep that wait short.
  http.set_keep_alive_timeout(1);
  // Without it, small responses on a kept-alive connection wait for delayed ACKs (~40 ms).
  http.set_tcp_nodelay(true);
  http.set_pre_routing_handler(
      [this](const httplib::Request& req, httplib::Response& res) { return Faults(req, res); });
  for (const ListSpec& spec : kLists) {
    http.Get(spec.path, [this, &spec](const httplib::Request& req, httplib::Response& res) {
      List(spec, req, res);
    });
  }
  auto products = [this](const httplib::Request& req, httplib::Response& res) {
    Products(req, res);
  };
  http.Get("/products", products);
  http.Get(R"(/products/([^/]+))", products);
  http.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (res.status == 404 && res.body.empty()) {
      SendError(res, {404, "invalid_request_error",
                      "Unrecognized request URL (GET: " + req.path + ").", "", ""});
    }
  });
}

Result<std::unique_ptr<Server>> Server::Start(const ServerOptions& options) {
  if (options.fail_rate < 0 || options.fail_rate > 1) {
    return InvalidArgumentError("sandbox: --fail-rate must be between 0 and 1");
  }
  if (options.rate_limit < 0 || options.latency_ms < 0) {
    return InvalidArgumentError("sandbox: --rate-limit and --latency must not be negative");
  }
  {
    ASSIGN_OR_RETURN(pg::Connection conn, pg::Connection::Open(options.dsn));
    ASSIGN_OR_RETURN(pg::QueryResult r,
                     conn.Query("SELECT count(*) FROM information_schema.tables WHERE "
                                "table_schema = 'stripe'"));
    ASSIGN_OR_RETURN(int64_t tables, r.GetInt64(0, 0));
    if (tables < 4) {
      return FailedPreconditionError("sandbox: no Stripe data (schema stripe) in " +
                                     pg::RedactDsn(options.dsn) +
                                     ": run 'shoplytics generate' first");
    }
  }
  auto impl = std::make_unique<Impl>(options);
  impl->Routes();
  impl->port = options.port == 0
                   ? impl->http.bind_to_any_port(options.bind)
                   : (impl->http.bind_to_port(options.bind, options.port) ? options.port : -1);
  if (impl->port <= 0) {
    return UnavailableError("sandbox: cannot listen on " + options.bind + ":" +
                            std::to_string(options.port));
  }
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] { raw->http.listen_after_bind(); });
  // Stop() before the listen loop runs would not end it: wait until it does.
  for (int i = 0; i < 5000 && !impl->http.is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() { Stop(); }

int Server::port() const { return impl_->port; }

std::string Server::url() const {
  const std::string host = impl_->options.bind == "0.0.0.0" ? "127.0.0.1" : impl_->options.bind;
  return "http://" + host + ":" + std::to_string(impl_->port);
}

ServerStats Server::stats() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->stats;
}

void Server::Stop() {
  impl_->http.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

}  // namespace shoplytics::sandbox
