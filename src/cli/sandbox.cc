// shoplytics sandbox: the generated Stripe objects and catalog over HTTP, with faults.
#include "sandbox/sandbox.h"

#include <csignal>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/command.h"
#include "pg/local_server.h"

namespace shoplytics::cli {

namespace {

struct SandboxFlags {
  int port = 12111;
  std::string bind = "127.0.0.1";
  std::string source_dsn;
  std::string files;
  double fail_rate = 0;
  int rate_limit = 0;
  int latency_ms = 0;
  std::string api_key;
};

constexpr const char* kFooter = R"(
Serves, from the generated shop ('shoplytics generate'):
  GET /v1/charges, /v1/refunds, /v1/disputes, /v1/balance_transactions
      Stripe's list API: newest first, limit (1..100), starting_after, ending_before,
      created / created[gt|gte|lt|lte], has_more; 'Authorization: Bearer sk_test_...'
      (any sk_test_ key, or exactly --api-key), Stripe's error JSON
  GET /products, /products/<id>
      the catalog (products.json from --files) in FakeStore's shape

Faults: --fail-rate 0.2 answers 20% of requests with a 500 (Stripe-Should-Retry: true) or a
dropped connection; --rate-limit 5 answers beyond 5 requests/s with 429 and Retry-After: 1;
--latency 200 delays every answer by 200 ms.

Examples:
  shoplytics sandbox --port 0
  STRIPE_API_BASE=http://127.0.0.1:12111 CATALOG_API_BASE=http://127.0.0.1:12111 \
    STRIPE_API_KEY=sk_test_local shoplytics extract --source stripe)";

int Fail(const Status& st) {
  std::fprintf(stderr, "shoplytics sandbox: %s\n", st.message().c_str());
  switch (st.code()) {
    case StatusCode::kInvalidArgument:
    case StatusCode::kFailedPrecondition:
    case StatusCode::kUnavailable:
    case StatusCode::kPermissionDenied:
    case StatusCode::kNotFound:
      return kExitUsage;  // as generate: the setup (DSN, data, port) needs fixing
    default:
      return kExitFailed;
  }
}

int Run(const SandboxFlags& f, const GlobalOptions& g) {
  // Block the stop signals before any thread starts, so only sigwait below sees them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  std::unique_ptr<pg::LocalServer> pg_server;
  sandbox::ServerOptions options;
  options.dsn = f.source_dsn;
  if (options.dsn.empty()) {
    pg::LocalServerOptions po;
    po.data_dir = g.project_dir + "/.shoplytics/pg";
    po.keep_running = true;
    Result<std::unique_ptr<pg::LocalServer>> started = pg::LocalServer::Start(po);
    if (!started.ok()) {
      return Fail(
          started.status().WithContext("starting the private PostgreSQL in " + po.data_dir));
    }
    pg_server = std::move(started).value();
    options.dsn = pg_server->dsn();
  }
  options.files_dir = f.files.empty() ? g.project_dir + "/data" : f.files;
  options.bind = f.bind;
  options.port = f.port;
  options.api_key = f.api_key;
  options.fail_rate = f.fail_rate;
  options.rate_limit = f.rate_limit;
  options.latency_ms = f.latency_ms;
  Result<std::unique_ptr<sandbox::Server>> server = sandbox::Server::Start(options);
  if (!server.ok()) return Fail(server.status());
  if (g.json) {
    std::printf(
        "%s\n",
        nlohmann::json{{"url", (*server)->url()}, {"port", (*server)->port()}}.dump().c_str());
  } else {
    std::printf("Sandbox listening on %s (Stripe at /v1, catalog at /products); Ctrl-C stops\n",
                (*server)->url().c_str());
  }
  std::fflush(stdout);
  int received = 0;
  sigwait(&signals, &received);
  (*server)->Stop();
  const sandbox::ServerStats stats = (*server)->stats();
  std::fprintf(stderr,
               "Sandbox stopped: %lld requests, %lld rate-limited, %lld failed, %lld dropped\n",
               static_cast<long long>(stats.requests), static_cast<long long>(stats.rate_limited),
               static_cast<long long>(stats.failed), static_cast<long long>(stats.dropped));
  return kExitOk;
}

}  // namespace

void RegisterSandbox(CLI::App& app, Context& ctx) {
  auto flags = std::make_shared<SandboxFlags>();
  CLI::App* sub = app.add_subcommand(
      "sandbox",
      "Serve the generated Stripe objects and catalog with the real APIs' semantics, with "
      "fault injection (--fail-rate, --rate-limit, --latency)");
  sub->footer(kFooter);
  sub->add_option("--port", flags->port, "Port to listen on (0: pick a free one)")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  sub->add_option("--bind", flags->bind, "Address to listen on")->capture_default_str();
  sub->add_option("--source-dsn", flags->source_dsn,
                  "PostgreSQL DSN of the generated shop (default: the project's private server)")
      ->envname("SHOPLYTICS_SOURCE_DSN");
  sub->add_option("--files", flags->files, "Folder holding products.json (default: <project>/data)")
      ->envname("SHOPLYTICS_FILES");
  sub->add_option("--fail-rate", flags->fail_rate, "Share of requests that fail (0..1)")
      ->check(CLI::Range(0.0, 1.0));
  sub->add_option("--rate-limit", flags->rate_limit, "Requests per second before 429 (0: none)")
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--latency", flags->latency_ms, "Delay of every answer, in milliseconds")
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--api-key", flags->api_key,
                  "The one accepted API key (default: any key starting with sk_test_)");
  sub->callback([flags, &ctx] { ctx.exit_code = Run(*flags, ctx.globals); });
}

}  // namespace shoplytics::cli
