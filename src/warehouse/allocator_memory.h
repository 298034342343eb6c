// Keeping the memory DuckDB's allocator frees, for the length of a build.
//
// DuckDB allocates its hash tables, sort runs and most other working memory (everything
// but its fixed-size buffer blocks) through the jemalloc it bundles, which hands freed
// pages back to the system a second later (its decay). A build frees gigabytes at the end
// of each model and takes them again for the next, so those pages came back as page faults
// on first touch, and a 4 KB fault costs about 15 us on the virtual machines here. At
// --scale full, keeping them halved a full build's minor faults in every run (1.0-1.7 M
// against 3.0-4.4 M; three of those runs set it through jemalloc's environment) and took
// its wall time to 171-214 s (median 200 s, five runs) from 207-279 s (median 218 s, four
// runs), daily builds to 23.4 and 28.8 s from 27.1 and 34.9 s in alternating pairs; peak
// RSS grew about 1 GB (11.1-11.8 GB), the memory staying with the process until the build
// ends.
//
// The rest of DuckDB's memory (its std containers: a window's per-partition aggregate
// states, say) comes from glibc's malloc, which is told likewise to keep what is freed:
// see KeepGlibcMemory in allocator_memory.cc.
//
// Nothing changes where DuckDB is built without jemalloc (its allocator control is then
// absent) and the C library is not glibc, or where the environment sets
// SHOPLYTICS_RETAIN_MEMORY=0.
#pragma once

#include <cstdint>
#include <optional>

namespace shoplytics::warehouse {

// While one lives, jemalloc keeps the pages freed in every arena (decay off on the
// arenas there are and the defaults of those created later), and glibc serves blocks up
// to 32 MB from heaps that keep their free memory; when the last one in the process ends,
// each arena gets back its own decay times, and glibc its default thresholds (trimming
// its heaps). Not copyable: one per build.
class RetainedAllocatorMemory {
 public:
  RetainedAllocatorMemory();
  ~RetainedAllocatorMemory();
  RetainedAllocatorMemory(const RetainedAllocatorMemory&) = delete;
  RetainedAllocatorMemory& operator=(const RetainedAllocatorMemory&) = delete;

  // Whether an allocator took the setting (false without jemalloc's control and glibc,
  // or when SHOPLYTICS_RETAIN_MEMORY=0).
  bool active() const { return active_; }

 private:
  bool active_ = false;
};

// jemalloc's dirty-page decay time, in ms (-1: never purged), of arena `arena`, or the
// default of arenas created later when `arena` is omitted; nullopt when unknown. For tests.
std::optional<int64_t> AllocatorDirtyDecayMs(std::optional<unsigned> arena = std::nullopt);

}  // namespace shoplytics::warehouse
