// sandbox::Server: local stand-ins for the Stripe and catalog APIs, served over HTTP from
// the generated shop, so connectors are tested against the APIs' behaviour.
//
// Stripe (from PostgreSQL schema `stripe`, read through a small pool of connections):
//   GET /v1/charges, /v1/refunds, /v1/disputes, /v1/balance_transactions
// with Stripe's list semantics: newest first (created desc, id desc); `limit` 1..100
// (default 10); `starting_after` / `ending_before` an object id of that list (unknown: 400
// resource_missing); `created=N` and `created[gt|gte|lt|lte]=N`; the answer is
// {"object":"list","url":...,"has_more":...,"data":[...]} with objects in Stripe's shape.
// Every /v1 request needs `Authorization: Bearer <key>`: without one, or with a key that
// is not accepted (see ServerOptions), 401 with Stripe's error JSON. Errors are always
// {"error":{"type","message","code"?,"param"?}}.
//
// Catalog (FakeStore's shape, from <files_dir>/products.json, read on each request):
//   GET /products, GET /products/<id> (404 when there is no such product).
//
// Fault injection, on every route: `latency` delays each answer; `rate_limit` N lets N
// requests through per second and answers the rest 429 with Retry-After: 1 and Stripe's
// rate_limit error; `fail_rate` F answers that share of the requests (after the rate limit)
// with a 500 carrying Stripe-Should-Retry: true, or a connection dropped mid-body (half and
// half).
//
// Thread-safety: the server runs its own threads (cpp-httplib's pool); the public methods
// may be called from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "common/status.h"

namespace shoplytics::sandbox {

struct ServerOptions {
  std::string dsn;                  // the generated shop (schema stripe)
  std::filesystem::path files_dir;  // holds products.json
  std::string bind = "127.0.0.1";
  int port = 0;  // 0: a free port (see Server::port())
  // Accepted API keys: exactly `api_key` when set, else any key starting with sk_test_.
  std::string api_key;
  double fail_rate = 0;  // 0..1
  int rate_limit = 0;    // requests per second; 0: unlimited
  int latency_ms = 0;
  uint64_t seed = 0;  // for the fault-injection dice; 0: random
};

// What the server did, for tests and the CLI.
struct ServerStats {
  int64_t requests = 0;
  int64_t rate_limited = 0;  // 429s
  int64_t failed = 0;        // injected 500s
  int64_t dropped = 0;       // injected dropped connections
};

class Server {
 public:
  // Checks the options and the database (schema stripe must exist: kFailedPrecondition
  // otherwise), binds (kUnavailable when the address is taken) and starts serving on a
  // background thread.
  static Result<std::unique_ptr<Server>> Start(const ServerOptions& options);

  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;
  // Stops serving and waits for the threads.
  ~Server();

  int port() const;
  // "http://127.0.0.1:PORT"
  std::string url() const;
  ServerStats stats() const;
  // Stops serving; idempotent.
  void Stop();

  struct Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace shoplytics::sandbox
