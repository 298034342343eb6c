#include "seed/generator.h"

#include <chrono>
#include <filesystem>
#include <memory>
#include <thread>

#include "common/logging.h"
#include "pg/connection.h"
#include "seed/async_copy.h"
#include "seed/calendar.h"
#include "seed/day_emitter.h"
#include "seed/schema.h"
#include "seed/shop_files.h"

namespace shoplytics::seed {

namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// Orders older than this cannot change any more (the longest life: a dispute closing
// about 135 days after payment).
constexpr int64_t kLifeWindowSeconds = 160 * kSecondsPerDay;

// Autovacuum stays off during the bulk load (the rows are frozen by COPY FREEZE); the
// generator analyzes the tables itself and turns it back on.
std::string CreateTableSql(const TableDef& t, bool with_key) {
  std::string sql = "CREATE TABLE ";
  sql += t.name;
  sql += " (";
  sql += t.columns;
  if (with_key) {
    sql += ", PRIMARY KEY (";
    sql += t.key;
    sql += ")";
  }
  sql += ") WITH (autovacuum_enabled = false)";
  return sql;
}

Status EnableAutovacuum(pg::Connection& conn) {
  std::string sql;
  for (const TableDef& t : SourceTables()) {
    sql += std::string("ALTER TABLE ") + t.name + " RESET (autovacuum_enabled); ";
  }
  return conn.Execute(sql);
}

Status PrepareSchemas(pg::Connection& conn, bool force) {
  ASSIGN_OR_RETURN(pg::QueryResult r,
                   conn.Query("SELECT to_regclass('shop.orders') IS NOT NULL, "
                              "to_regclass('shoplytics_generator.state') IS NOT NULL"));
  const bool has_shop = r.Get(0, 0) == "t";
  const bool ours = r.Get(0, 1) == "t";
  if (has_shop && !ours && !force) {
    return FailedPreconditionError(
        "schema shop already holds tables that shoplytics generate did not make; "
        "point --source-dsn at another database, or pass --force to replace them");
  }
  return conn.Execute(
      "DROP SCHEMA IF EXISTS shop CASCADE; DROP SCHEMA IF EXISTS stripe CASCADE; "
      "DROP SCHEMA IF EXISTS shoplytics_generator CASCADE; "
      "CREATE SCHEMA shop; CREATE SCHEMA stripe; CREATE SCHEMA shoplytics_generator; " +
      std::string(kStateDdl));
}

void WriteProduct(CopyRowWriter& w, const ShopModel& model, const Product& p, int64_t t) {
  w.BeginRow(10);
  w.Int64(p.id);
  w.Text(p.sku);
  w.Text(p.name);
  w.Text(p.category);
  w.Text(p.brand);
  w.Int64(model.PriceAt(p, t));
  w.Int64(p.cost_cents);
  w.Bool(true);
  w.Timestamp(p.created_at);
  w.Timestamp(model.PriceUpdatedAt(p, t));
}

// Two warehouses stock every product; stock levels are redrawn each time they change.
void WriteInventory(CopyRowWriter& w, uint64_t seed, const Product& p, int warehouse,
                    int64_t updated_at) {
  Rng r({seed, 11, static_cast<uint64_t>(p.id), static_cast<uint64_t>(warehouse),
         static_cast<uint64_t>(updated_at)});
  w.BeginRow(6);
  w.Int64(p.id * 2 - 1 + warehouse);
  w.Int64(p.id);
  w.Text(warehouse == 0 ? "US-EAST" : "EU-CENTRAL");
  w.Int32(static_cast<int32_t>(r.Int(0, 400)));
  w.Int32(static_cast<int32_t>(r.Int(10, 40)));
  w.Timestamp(updated_at);
}

int64_t InventoryUpdatedAt(uint64_t seed, const Product& p, int warehouse, int64_t now) {
  Rng r({seed, 12, static_cast<uint64_t>(p.id), static_cast<uint64_t>(warehouse)});
  return std::max(p.created_at, now - r.Int(3600, 20 * kSecondsPerDay));
}

// A synchronous COPY into one table on a connection, through a CopyRowWriter.
class SyncCopy {
 public:
  static Result<std::unique_ptr<SyncCopy>> Start(pg::Connection& conn, const std::string& sql) {
    ASSIGN_OR_RETURN(pg::CopyIn copy, conn.BeginCopyIn(sql));
    return std::unique_ptr<SyncCopy>(new SyncCopy(std::move(copy)));
  }
  CopyRowWriter& writer() { return writer_; }
  Result<int64_t> Finish() {
    RETURN_IF_ERROR(writer_.Finish());
    return copy_.Finish();
  }

 private:
  explicit SyncCopy(pg::CopyIn copy)
      : copy_(std::move(copy)),
        writer_([this](std::string&& chunk) { return copy_.Write(chunk); }) {}
  pg::CopyIn copy_;
  CopyRowWriter writer_;
};

Status WriteState(pg::Connection& conn, const ShopParams& p, const char* status,
                  int64_t end_time, int64_t next_item_id, int advanced_days) {
  return conn
      .Query(
          "INSERT INTO shoplytics_generator.state (id, status, seed, start_day, months, "
          "orders_per_month, products, clickstream_days, end_time, next_item_id, advanced_days) "
          "VALUES (1, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10) "
          "ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, end_time = "
          "EXCLUDED.end_time, next_item_id = EXCLUDED.next_item_id, advanced_days = "
          "EXCLUDED.advanced_days, updated_at = now()",
          {status, std::to_string(static_cast<int64_t>(p.seed)), std::to_string(p.start_day),
           std::to_string(p.months), std::to_string(p.orders_per_month),
           std::to_string(p.products), std::to_string(p.clickstream_days),
           std::to_string(end_time), std::to_string(next_item_id),
           std::to_string(advanced_days)})
      .status();
}

std::string IdArray(const std::vector<int64_t>& ids) {
  std::string s = "{";
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i) s += ",";
    s += std::to_string(ids[i]);
  }
  return s + "}";
}

// Erases customers whose deletion was a hard one, when they never ordered (the shop keeps
// customers with orders, soft-deleted, for its books).
Result<int64_t> HardDelete(pg::Connection& conn, const std::vector<int64_t>& ids) {
  if (ids.empty()) return int64_t{0};
  // A join with the unnested ids (not "= ANY"), so a long list stays one index probe each.
  ASSIGN_OR_RETURN(pg::QueryResult r,
                   conn.Query("DELETE FROM shop.customers c USING unnest($1::bigint[]) AS d(id) "
                              "WHERE c.customer_id = d.id AND NOT EXISTS (SELECT 1 FROM "
                              "shop.orders o WHERE o.customer_id = c.customer_id)",
                              {IdArray(ids)}));
  return r.affected_rows();
}

Status RunPostLoadDdl(const std::string& dsn) {
  Status lane_status[2];
  std::thread lanes[2];
  for (int lane = 0; lane < 2; ++lane) {
    lanes[lane] = std::thread([&, lane] {
      Result<pg::Connection> conn = pg::Connection::Open(dsn);
      if (!conn.ok()) {
        lane_status[lane] = conn.status();
        return;
      }
      for (const std::string& ddl : PostLoadDdl(lane)) {
        const auto started = Clock::now();
        Status st = conn->Execute(ddl);
        LOG_DEBUG("{}: {:.1f}s", ddl, SecondsSince(started));
        if (!st.ok()) {
          lane_status[lane] = st.WithContext(ddl);
          return;
        }
      }
    });
  }
  for (auto& t : lanes) t.join();
  RETURN_IF_ERROR(lane_status[0]);
  return lane_status[1];
}

}  // namespace

int64_t GenerateReport::total_rows() const {
  int64_t n = 0;
  for (const TableReport& t : tables) n += t.rows;
  return n;
}

Result<GenerateReport> GenerateShop(const GenerateOptions& options, const ProgressFn& progress) {
  const auto started = Clock::now();
  const ShopParams& params = options.params;
  GenerateReport report;
  std::error_code ec;
  fs::create_directories(options.out_dir, ec);
  if (ec) return InvalidArgumentError("cannot create " + options.out_dir + ": " + ec.message());
  RETURN_IF_ERROR(RemoveGeneratedFiles(options.out_dir));

  ASSIGN_OR_RETURN(pg::Connection control, pg::Connection::Open(options.dsn));
  RETURN_IF_ERROR(PrepareSchemas(control, options.force));

  const ShopModel model(params, 0);
  const int64_t now = model.end_day() * kSecondsPerDay;
  report.start_time = model.start_day() * kSecondsPerDay;
  report.end_time = now;
  RETURN_IF_ERROR(WriteState(control, params, "generating", now, 1, 0));
  const auto& tables = SourceTables();

  // The small catalog tables first, keyed from the start.
  for (SourceTable t : {kProducts, kInventory}) {
    RETURN_IF_ERROR(control.Execute("BEGIN; " + CreateTableSql(tables[t], true)));
    ASSIGN_OR_RETURN(auto copy,
                     SyncCopy::Start(control, std::string("COPY ") + tables[t].name +
                                                  " FROM STDIN (FORMAT binary, FREEZE)"));
    for (const Product& p : model.products()) {
      if (t == kProducts) {
        WriteProduct(copy->writer(), model, p, now);
        RETURN_IF_ERROR(copy->writer().EndRow());
      } else {
        for (int w = 0; w < 2; ++w) {
          WriteInventory(copy->writer(), params.seed, p, w,
                         InventoryUpdatedAt(params.seed, p, w, now));
          RETURN_IF_ERROR(copy->writer().EndRow());
        }
      }
    }
    const int64_t bytes = copy->writer().bytes();
    ASSIGN_OR_RETURN(int64_t rows, copy->Finish());
    RETURN_IF_ERROR(control.Execute("COMMIT"));
    report.tables.push_back({tables[t].name, rows, bytes});
  }

  // The big tables stream in parallel, one connection each. Creating the table in the
  // COPY's own transaction lets PostgreSQL skip WAL (wal_level=minimal) and freeze rows.
  std::vector<std::unique_ptr<AsyncCopy>> streams(kSourceTableCount);
  std::vector<std::unique_ptr<CopyRowWriter>> writer_storage(kSourceTableCount);
  Writers writers{};
  for (int t = 0; t < kSourceTableCount; ++t) {
    if (t == kProducts || t == kInventory) continue;
    ASSIGN_OR_RETURN(pg::Connection conn, pg::Connection::Open(options.dsn));
    ASSIGN_OR_RETURN(streams[t],
                     AsyncCopy::Start(std::move(conn), "BEGIN; " + CreateTableSql(tables[t], false),
                                      std::string("COPY ") + tables[t].name +
                                          " FROM STDIN (FORMAT binary, FREEZE)",
                                      tables[t].name));
    AsyncCopy* stream = streams[t].get();
    writer_storage[t] = std::make_unique<CopyRowWriter>(
        [stream](std::string&& chunk) { return stream->Push(std::move(chunk)); });
    writers[t] = writer_storage[t].get();
  }

  DayEmitter emitter(model, 1);
  const EmitWindow window{kNever, now};
  ASSIGN_OR_RETURN(MarketingFiles marketing, MarketingFiles::Open(options.out_dir, true));
  BackgroundClickstream clickstream(model, options.out_dir);
  std::vector<PlacedOrder> placed;
  RETURN_IF_ERROR(
      emitter.EmitCustomers(1, model.FirstCustomerIdOn(model.start_day()), window, writers));
  const int64_t days = model.end_day() - model.start_day();
  const int64_t clickstream_from = model.end_day() - params.clickstream_days;
  for (int64_t day = model.start_day(); day < model.end_day(); ++day) {
    RETURN_IF_ERROR(emitter.EmitCustomers(model.FirstCustomerIdOn(day),
                                          model.FirstCustomerIdOn(day + 1), window, writers));
    const bool with_clickstream = day >= clickstream_from;
    RETURN_IF_ERROR(emitter.EmitDay(day, window, writers, &placed, with_clickstream));
    RETURN_IF_ERROR(marketing.AddDay(model, day, placed));
    if (with_clickstream) RETURN_IF_ERROR(clickstream.AddDay(day, placed));
    if (progress) {
      int64_t rows = 0;
      for (auto* w : writers) rows += w ? w->rows() : 0;
      progress(day - model.start_day() + 1, days, rows);
    }
  }
  RETURN_IF_ERROR(marketing.Close());
  for (int t = 0; t < kSourceTableCount; ++t) {
    if (!streams[t]) continue;
    RETURN_IF_ERROR(writers[t]->Finish());
    ASSIGN_OR_RETURN(int64_t rows, streams[t]->Finish("COMMIT"));
    report.tables.push_back({tables[t].name, rows, writers[t]->bytes()});
  }
  streams.clear();
  report.load_seconds = SecondsSince(started);

  const auto indexing = Clock::now();
  LOG_DEBUG("bulk load: {:.1f}s", report.load_seconds);
  // The clickstream writer finishes its last days while PostgreSQL builds keys and indexes.
  RETURN_IF_ERROR(RunPostLoadDdl(options.dsn));
  RETURN_IF_ERROR(clickstream.Finish());
  RETURN_IF_ERROR(control.Execute("SET jit = off; ANALYZE"));
  auto deleting = Clock::now();
  ASSIGN_OR_RETURN(int64_t erased, HardDelete(control, emitter.hard_deleted()));
  LOG_DEBUG("erased {} customers: {:.1f}s", erased, SecondsSince(deleting));
  for (TableReport& t : report.tables) {
    if (t.table == "shop.customers") t.rows -= erased;
  }
  RETURN_IF_ERROR(EnableAutovacuum(control));
  report.index_seconds = SecondsSince(indexing);

  RETURN_IF_ERROR(WriteState(control, params, "complete", now, emitter.next_item_id(), 0));
  RETURN_IF_ERROR(WriteCatalogJson(model, now, options.out_dir + "/products.json"));
  report.events = clickstream.events();
  report.event_files = clickstream.files();
  report.marketing_rows = marketing.rows();
  report.total_seconds = SecondsSince(started);
  return report;
}

namespace {

struct StoredState {
  ShopParams params;
  int64_t end_time = 0;
  int64_t next_item_id = 0;
  int advanced_days = 0;
};

Result<StoredState> ReadState(pg::Connection& conn) {
  ASSIGN_OR_RETURN(pg::QueryResult r,
                   conn.Query("SELECT to_regclass('shoplytics_generator.state') IS NOT NULL"));
  if (r.Get(0, 0) != "t") {
    return FailedPreconditionError(
        "no generated shop in this database (no shoplytics_generator.state); run "
        "'shoplytics generate' first");
  }
  ASSIGN_OR_RETURN(r, conn.Query("SELECT status, seed, start_day, months, orders_per_month, "
                                 "products, clickstream_days, end_time, next_item_id, "
                                 "advanced_days FROM shoplytics_generator.state WHERE id = 1"));
  if (r.rows() != 1 || r.Get(0, 0) != "complete") {
    return FailedPreconditionError(
        "the generated shop in this database is incomplete (a generate was interrupted); "
        "run 'shoplytics generate' again");
  }
  StoredState s;
  ASSIGN_OR_RETURN(int64_t seed, r.GetInt64(0, 1));
  s.params.seed = static_cast<uint64_t>(seed);
  ASSIGN_OR_RETURN(s.params.start_day, r.GetInt64(0, 2));
  ASSIGN_OR_RETURN(int64_t months, r.GetInt64(0, 3));
  s.params.months = static_cast<int>(months);
  ASSIGN_OR_RETURN(s.params.orders_per_month, r.GetInt64(0, 4));
  ASSIGN_OR_RETURN(int64_t products, r.GetInt64(0, 5));
  s.params.products = static_cast<int>(products);
  ASSIGN_OR_RETURN(int64_t clickstream_days, r.GetInt64(0, 6));
  s.params.clickstream_days = static_cast<int>(clickstream_days);
  ASSIGN_OR_RETURN(s.end_time, r.GetInt64(0, 7));
  ASSIGN_OR_RETURN(s.next_item_id, r.GetInt64(0, 8));
  ASSIGN_OR_RETURN(int64_t advanced, r.GetInt64(0, 9));
  s.advanced_days = static_cast<int>(advanced);
  return s;
}

// An order that may still change: read back from the database.
struct LiveOrder {
  int64_t order_id, customer_id, placed_at, total_cents;
};

// Streams the orders placed within the life window before `now` (COPY TO STDOUT, so
// memory stays flat) and calls fn for each.
Status ForEachLiveOrder(const std::string& dsn, int64_t now,
                        const std::function<Status(const LiveOrder&)>& fn) {
  ASSIGN_OR_RETURN(pg::Connection reader, pg::Connection::Open(dsn));
  // COPY takes no parameters; the bound is an integer formatted here.
  ASSIGN_OR_RETURN(
      pg::CopyOut out,
      reader.BeginCopyOut("COPY (SELECT order_id, customer_id, extract(epoch FROM created_at)"
                          "::bigint, total_cents FROM shop.orders WHERE created_at > "
                          "to_timestamp(" + std::to_string(now - kLifeWindowSeconds) +
                          ") ORDER BY order_id) TO STDOUT"));
  while (true) {
    ASSIGN_OR_RETURN(std::optional<std::string_view> line, out.Next());
    if (!line) return OkStatus();
    LiveOrder o{};
    int64_t* fields[4] = {&o.order_id, &o.customer_id, &o.placed_at, &o.total_cents};
    size_t pos = 0;
    for (int i = 0; i < 4; ++i) {
      const size_t end = line->find_first_of("\t\n", pos);
      *fields[i] = std::stoll(std::string(line->substr(pos, end - pos)));
      pos = end + 1;
    }
    RETURN_IF_ERROR(fn(o));
  }
}

// Copies rows into a temporary table and applies them with UPDATE ... FROM.
Result<int64_t> ApplyUpdates(pg::Connection& conn, const std::string& tmp,
                             const std::string& copy_columns, const std::string& update_sql,
                             const std::function<Status(CopyRowWriter&)>& fill) {
  ASSIGN_OR_RETURN(auto copy, SyncCopy::Start(conn, "COPY " + tmp + " (" + copy_columns +
                                                        ") FROM STDIN (FORMAT binary)"));
  RETURN_IF_ERROR(fill(copy->writer()));
  RETURN_IF_ERROR(copy->Finish().status());
  ASSIGN_OR_RETURN(pg::QueryResult r, conn.Query(update_sql));
  return r.affected_rows();
}

}  // namespace

Result<GenerateReport> AdvanceShop(const std::string& dsn, const std::string& out_dir, int days,
                                   const ProgressFn& progress) {
  if (days < 1) return InvalidArgumentError("--advance takes a number of days of at least 1");
  const auto started = Clock::now();
  ASSIGN_OR_RETURN(pg::Connection conn, pg::Connection::Open(dsn));
  ASSIGN_OR_RETURN(StoredState state, ReadState(conn));
  const int64_t old_now = state.end_time;
  const int64_t new_now = old_now + int64_t{days} * kSecondsPerDay;
  const int64_t first_new_day = old_now / kSecondsPerDay;
  const int64_t end_new_day = new_now / kSecondsPerDay;
  const ShopModel model(state.params, end_new_day - ShopModel::EndDay(state.params));
  const EmitWindow window{old_now, new_now};
  const auto& tables = SourceTables();
  GenerateReport report;
  report.start_time = state.params.start_day * kSecondsPerDay;
  report.end_time = new_now;

  ASSIGN_OR_RETURN(pg::Transaction tx, pg::Transaction::Begin(conn));

  // Customers: edits and deletions of existing ones, then the new sign-ups.
  const int64_t first_new_customer = model.FirstCustomerIdOn(first_new_day);
  std::vector<int64_t> hard_deleted;
  RETURN_IF_ERROR(conn.Execute(
      // Same columns, no constraints: updates carry only the columns that change.
      "CREATE TEMP TABLE tmp_customers ON COMMIT DROP AS SELECT * FROM shop.customers WITH NO DATA; "
      "CREATE TEMP TABLE tmp_orders ON COMMIT DROP AS SELECT * FROM shop.orders WITH NO DATA; "
      "CREATE TEMP TABLE tmp_products ON COMMIT DROP AS SELECT * FROM shop.products WITH NO DATA; "
      "CREATE TEMP TABLE tmp_charges ON COMMIT DROP AS SELECT * FROM stripe.charges WITH NO DATA; "
      "CREATE TEMP TABLE tmp_disputes ON COMMIT DROP AS SELECT * FROM stripe.disputes WITH NO DATA"));
  DayEmitter customer_emitter(model, state.next_item_id);
  ASSIGN_OR_RETURN(
      report.customers_updated,
      ApplyUpdates(conn, "tmp_customers",
                   "customer_id, email, first_name, last_name, country, city, marketing_opt_in, "
                   "acquisition_channel, created_at, updated_at, deleted_at",
                   "UPDATE shop.customers c SET email = t.email, country = t.country, city = "
                   "t.city, updated_at = t.updated_at, deleted_at = t.deleted_at FROM "
                   "tmp_customers t WHERE c.customer_id = t.customer_id",
                   [&](CopyRowWriter& w) -> Status {
                     Writers ws{};
                     ws[kCustomers] = &w;
                     for (int64_t id = 1; id < first_new_customer; ++id) {
                       if (!model.CustomerChangedBetween(id, old_now, new_now)) continue;
                       RETURN_IF_ERROR(customer_emitter.EmitCustomers(id, id + 1, window, ws));
                     }
                     return OkStatus();
                   }));
  hard_deleted = customer_emitter.hard_deleted();

  // Prices that changed in the window.
  ASSIGN_OR_RETURN(
      report.prices_changed,
      ApplyUpdates(conn, "tmp_products",
                   "product_id, sku, name, category, brand, price_cents, cost_cents, is_active, "
                   "created_at, updated_at",
                   "UPDATE shop.products p SET price_cents = t.price_cents, updated_at = "
                   "t.updated_at FROM tmp_products t WHERE p.product_id = t.product_id",
                   [&](CopyRowWriter& w) -> Status {
                     for (const Product& p : model.products()) {
                       const int64_t changed = model.PriceUpdatedAt(p, new_now);
                       if (changed <= old_now || p.created_at > old_now) continue;
                       WriteProduct(w, model, p, new_now);
                       RETURN_IF_ERROR(w.EndRow());
                     }
                     return OkStatus();
                   }));

  // Existing orders whose life moved on: status changes, new refunds and disputes.
  ASSIGN_OR_RETURN(
      report.orders_updated,
      ApplyUpdates(
          conn, "tmp_orders",
          "order_id, status, updated_at, paid_at, shipped_at, delivered_at, cancelled_at, "
          "returned_at",
          "UPDATE shop.orders o SET status = t.status, updated_at = t.updated_at, paid_at = "
          "t.paid_at, shipped_at = t.shipped_at, delivered_at = t.delivered_at, cancelled_at = "
          "t.cancelled_at, returned_at = t.returned_at FROM tmp_orders t WHERE o.order_id = "
          "t.order_id",
          [&](CopyRowWriter& w) {
            return ForEachLiveOrder(dsn, old_now, [&](const LiveOrder& o) -> Status {
              const OrderLife life = model.LifeOf(o.order_id, o.placed_at);
              if (life.UpdatedAt(new_now) <= old_now) return OkStatus();
              w.BeginRow(8);
              w.Int64(o.order_id);
              w.Text(life.StatusAt(new_now));
              WriteOrderProgress(w, life, new_now);
              return w.EndRow();
            });
          }));
  RETURN_IF_ERROR(
      ApplyUpdates(
          conn, "tmp_charges",
          "id, amount, amount_captured, amount_refunded, currency, status, paid, captured, "
          "refunded, disputed, failure_code, customer, description, order_id, card_brand, "
          "card_last4, balance_transaction, created",
          "UPDATE stripe.charges c SET amount_refunded = t.amount_refunded, refunded = "
          "t.refunded, disputed = t.disputed FROM tmp_charges t WHERE c.id = t.id",
          [&](CopyRowWriter& w) {
            return ForEachLiveOrder(dsn, old_now, [&](const LiveOrder& o) -> Status {
              const OrderLife life = model.LifeOf(o.order_id, o.placed_at);
              if (life.paid_at == kNever || life.paid_at > old_now) return OkStatus();
              if (!window.Contains(RefundAt(life)) && !window.Contains(life.dispute_at)) {
                return OkStatus();
              }
              customer_emitter.WriteCharge(w, o.order_id, o.customer_id, o.total_cents, life,
                                           new_now);
              return w.EndRow();
            });
          })
          .status());
  RETURN_IF_ERROR(
      ApplyUpdates(conn, "tmp_disputes",
                   "id, charge, amount, currency, status, reason, evidence_due_by, order_id, "
                   "created",
                   "UPDATE stripe.disputes d SET status = t.status FROM tmp_disputes t WHERE "
                   "d.id = t.id AND d.status <> t.status",
                   [&](CopyRowWriter& w) {
                     return ForEachLiveOrder(dsn, old_now, [&](const LiveOrder& o) -> Status {
                       const OrderLife life = model.LifeOf(o.order_id, o.placed_at);
                       if (life.dispute_at == kNever || life.dispute_at > old_now) {
                         return OkStatus();
                       }
                       customer_emitter.WriteDispute(w, o.order_id, o.total_cents, life, new_now);
                       return w.EndRow();
                     });
                   })
          .status());

  // New rows, one table at a time on this one transaction: the new days are regenerated
  // for each table (they are deterministic), plus the new Stripe objects of older orders.
  int64_t next_item_id = state.next_item_id;
  for (int t = 0; t < kSourceTableCount; ++t) {
    if (t == kProducts || t == kInventory) continue;
    ASSIGN_OR_RETURN(auto copy, SyncCopy::Start(conn, std::string("COPY ") + tables[t].name +
                                                          " FROM STDIN (FORMAT binary)"));
    Writers ws{};
    ws[t] = &copy->writer();
    DayEmitter emitter(model, state.next_item_id);
    if (t == kCustomers) {
      RETURN_IF_ERROR(emitter.EmitCustomers(first_new_customer,
                                            model.FirstCustomerIdOn(end_new_day), window, ws));
      hard_deleted.insert(hard_deleted.end(), emitter.hard_deleted().begin(),
                          emitter.hard_deleted().end());
    } else {
      if (t >= kCharges) {
        RETURN_IF_ERROR(ForEachLiveOrder(dsn, old_now, [&](const LiveOrder& o) {
          return emitter.EmitStripe(o.order_id, o.customer_id, o.total_cents,
                                    model.LifeOf(o.order_id, o.placed_at), window, ws);
        }));
      }
      for (int64_t day = first_new_day; day < end_new_day; ++day) {
        RETURN_IF_ERROR(emitter.EmitDay(day, window, ws, nullptr));
      }
    }
    const int64_t bytes = copy->writer().bytes();
    ASSIGN_OR_RETURN(int64_t rows, copy->Finish());
    report.tables.push_back({tables[t].name, rows, bytes});
    next_item_id = std::max(next_item_id, emitter.next_item_id());
    if (progress) progress(t + 1, kSourceTableCount, report.total_rows());
  }

  // Inventory moves every day; balances become available two days after the charge.
  RETURN_IF_ERROR(conn.Query("UPDATE shop.inventory SET quantity_on_hand = "
                             "(quantity_on_hand * 7 + inventory_id) % 400, updated_at = $1::timestamptz "
                             "WHERE (inventory_id + $2::bigint) % 5 = 0",
                             {FormatDate(end_new_day - 1) + " 12:00:00+00",
                              std::to_string(end_new_day)})
                      .status());
  RETURN_IF_ERROR(conn.Query("UPDATE stripe.balance_transactions SET status = 'available' "
                             "WHERE status = 'pending' AND available_on <= $1::bigint",
                             {std::to_string(new_now)})
                      .status());
  ASSIGN_OR_RETURN(int64_t erased, HardDelete(conn, hard_deleted));
  report.customers_updated += erased;
  RETURN_IF_ERROR(WriteState(conn, state.params, "complete", new_now, next_item_id,
                             state.advanced_days + days));
  RETURN_IF_ERROR(tx.Commit());
  report.load_seconds = SecondsSince(started);

  // Files follow the database: the new days' marketing rows and clickstream.
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec) return InvalidArgumentError("cannot create " + out_dir + ": " + ec.message());
  ASSIGN_OR_RETURN(MarketingFiles marketing, MarketingFiles::Open(out_dir, false));
  ClickstreamFiles clickstream(out_dir);
  DayEmitter emitter(model, state.next_item_id);
  std::vector<PlacedOrder> placed;
  for (int64_t day = first_new_day; day < end_new_day; ++day) {
    RETURN_IF_ERROR(emitter.EmitDay(day, window, Writers{}, &placed));
    RETURN_IF_ERROR(marketing.AddDay(model, day, placed));
    RETURN_IF_ERROR(clickstream.AddDay(model, day, placed));
  }
  RETURN_IF_ERROR(marketing.Close());
  RETURN_IF_ERROR(WriteCatalogJson(model, new_now, out_dir + "/products.json"));
  report.events = clickstream.events();
  report.event_files = clickstream.files();
  report.marketing_rows = marketing.rows();
  report.total_seconds = SecondsSince(started);
  return report;
}

}  // namespace shoplytics::seed
