#include "lake/lake.h"

#include <chrono>
#include <set>

#include "warehouse/prepared_statement.h"

namespace shoplytics::lake {

namespace fs = std::filesystem;

namespace {

// The lake files that meta.batches lists: the rest of the lake is orphans.
Result<std::set<std::string>> ListedFiles(warehouse::Connection& conn) {
  ASSIGN_OR_RETURN(warehouse::QueryResult r,
                   conn.Query("SELECT lake_path FROM meta.batches WHERE lake_path <> ''"));
  std::set<std::string> files;
  for (uint64_t i = 0; i < r.row_count(); ++i) {
    ASSIGN_OR_RETURN(std::string path, r.GetString(0, i));
    files.insert(std::move(path));
  }
  return files;
}

}  // namespace

Result<RetentionReport> ApplyRetention(warehouse::Connection& conn, const fs::path& lake_dir,
                                       int keep_days, int64_t today) {
  RetentionReport report;
  std::error_code ec;
  if (lake_dir.empty() || !fs::exists(lake_dir, ec)) return report;
  ASSIGN_OR_RETURN(std::set<std::string> known, ListedFiles(conn));
  const auto now = fs::file_time_type::clock::now();
  // Partitions are lake/<source>/<table>/dt=YYYY-MM-DD.
  for (const auto& source : fs::directory_iterator(lake_dir, ec)) {
    if (!source.is_directory()) continue;
    for (const auto& table : fs::directory_iterator(source.path(), ec)) {
      if (!table.is_directory()) continue;
      for (const auto& part : fs::directory_iterator(table.path(), ec)) {
        const std::string name = part.path().filename().string();
        if (!part.is_directory() || name.rfind("dt=", 0) != 0) continue;
        int y = 0, m = 0, d = 0;
        const bool dated = std::sscanf(name.c_str(), "dt=%d-%d-%d", &y, &m, &d) == 3;
        const auto ymd = std::chrono::year_month_day{std::chrono::year{y},
                                                     std::chrono::month{static_cast<unsigned>(m)},
                                                     std::chrono::day{static_cast<unsigned>(d)}};
        const int64_t day =
            dated && ymd.ok() ? std::chrono::sys_days{ymd}.time_since_epoch().count() : today;
        if (keep_days > 0 && day < today - keep_days) {
          ASSIGN_OR_RETURN(warehouse::PreparedStatement del,
                           conn.Prepare("DELETE FROM meta.batches WHERE starts_with(lake_path, "
                                        "$1)"));
          RETURN_IF_ERROR(del.BindString(1, part.path().string() + "/"));
          RETURN_IF_ERROR(del.Execute().status());
          report.files_deleted += static_cast<int64_t>(
              std::distance(fs::directory_iterator(part.path()), fs::directory_iterator()));
          fs::remove_all(part.path(), ec);
          if (ec) return DataLossError("cannot delete " + part.path().string() + ": " + ec.message());
          ++report.partitions_deleted;
          continue;
        }
        // Files of loads that died before committing: not in meta.batches, and old
        // enough not to belong to a load running now.
        for (const auto& file : fs::directory_iterator(part.path(), ec)) {
          if (known.count(file.path().string())) continue;
          if (now - file.last_write_time() < std::chrono::hours(1)) continue;
          fs::remove(file.path(), ec);
          if (!ec) ++report.orphans_deleted;
        }
      }
    }
  }
  return report;
}

}  // namespace shoplytics::lake
