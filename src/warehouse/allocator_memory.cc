#include "warehouse/allocator_memory.h"

#include <dlfcn.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <climits>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace shoplytics::warehouse {

namespace {

// jemalloc's mallctl as DuckDB bundles it (its symbols prefixed duckdb_je_); null when
// this DuckDB has none.
using MallctlFn = int (*)(const char*, void*, size_t*, void*, size_t);

MallctlFn Mallctl() {
  static const MallctlFn fn = reinterpret_cast<MallctlFn>(dlsym(RTLD_DEFAULT, "duckdb_je_mallctl"));
  return fn;
}

std::optional<int64_t> ReadMs(MallctlFn mallctl, const std::string& name) {
  int64_t value = 0;  // jemalloc's ssize_t
  size_t size = sizeof(value);
  if (mallctl(name.c_str(), &value, &size, nullptr, 0) != 0) return std::nullopt;
  return value;
}

bool WriteMs(MallctlFn mallctl, const std::string& name, int64_t value) {
  return mallctl(name.c_str(), nullptr, nullptr, &value, sizeof(value)) == 0;
}

// The process's retention: jemalloc's settings are the process's, so the first holder
// turns decay off and the last one restores it (a daemon may run builds side by side).
struct Retention {
  std::mutex mu;
  int holders = 0;
  // The decay times before: of the defaults (kDefaults) and of each arena there was.
  struct Decay {
    unsigned arena = 0;
    int64_t dirty_ms = 0;
    int64_t muzzy_ms = 0;
  };
  std::vector<Decay> saved;
  // Whether glibc's malloc keeps what it frees (KeepGlibcMemory).
  bool glibc = false;
};
constexpr unsigned kDefaults = ~0u;

Retention& ProcessRetention() {
  static Retention* retention = new Retention();
  return *retention;
}

std::string Prefix(unsigned arena) {
  return arena == kDefaults ? "arenas." : "arena." + std::to_string(arena) + ".";
}

unsigned ArenaCount(MallctlFn mallctl) {
  unsigned arenas = 0;
  size_t size = sizeof(arenas);
  return mallctl("arenas.narenas", &arenas, &size, nullptr, 0) == 0 ? arenas : 0;
}

// Turns decay off on the defaults (first: an arena jemalloc creates meanwhile, such as the
// one for huge allocations on first use, starts with them) and on every arena there is.
void TurnDecayOff(MallctlFn mallctl, Retention& retention) {
  std::vector<unsigned> targets = {kDefaults};
  // One more than counted: the huge allocations' arena, when it exists, may be past it.
  for (unsigned arena = 0, n = ArenaCount(mallctl); arena <= n; ++arena) {
    targets.push_back(arena);
  }
  for (unsigned arena : targets) {
    const std::string prefix = Prefix(arena);
    std::optional<int64_t> dirty = ReadMs(mallctl, prefix + "dirty_decay_ms");
    std::optional<int64_t> muzzy = ReadMs(mallctl, prefix + "muzzy_decay_ms");
    if (!dirty || !muzzy) continue;  // no such arena (not created)
    if (!WriteMs(mallctl, prefix + "dirty_decay_ms", -1)) continue;
    WriteMs(mallctl, prefix + "muzzy_decay_ms", -1);
    retention.saved.push_back({arena, *dirty, *muzzy});
  }
}

void Restore(MallctlFn mallctl, Retention& retention) {
  std::set<unsigned> restored;
  int64_t default_dirty = 0, default_muzzy = 0;
  for (const Retention::Decay& decay : retention.saved) {
    const std::string prefix = Prefix(decay.arena);
    WriteMs(mallctl, prefix + "dirty_decay_ms", decay.dirty_ms);
    WriteMs(mallctl, prefix + "muzzy_decay_ms", decay.muzzy_ms);
    restored.insert(decay.arena);
    if (decay.arena == kDefaults) {
      default_dirty = decay.dirty_ms;
      default_muzzy = decay.muzzy_ms;
    }
  }
  retention.saved.clear();
  // An arena created in between took the defaults then in force: it gets what jemalloc
  // gives a new arena, eager purging (0) where the default decays (the huge allocations'
  // arena) and the default otherwise.
  for (unsigned arena = 0, n = ArenaCount(mallctl); arena <= n; ++arena) {
    if (restored.contains(arena)) continue;
    const std::string prefix = Prefix(arena);
    if (ReadMs(mallctl, prefix + "dirty_decay_ms") != -1) continue;
    WriteMs(mallctl, prefix + "dirty_decay_ms", default_dirty > 0 ? 0 : default_dirty);
    WriteMs(mallctl, prefix + "muzzy_decay_ms", default_muzzy > 0 ? 0 : default_muzzy);
  }
}

// glibc's malloc, which serves DuckDB's std containers (a window's per-partition aggregate
// states, partition offsets), by default maps each block of 128 KB or more on its own and
// unmaps it when freed, and gives the top of its heaps back above 128 KB free: the next
// statement's blocks were page faults again. While a build runs, blocks up to 32 MB (the
// most glibc allows) come from its heaps, which keep up to 2 GB free at their top. At
// --scale full, fact_orders' full statement took 265-268 K minor faults against 354-388 K,
// and 7.8-9.3 CPU-seconds in the kernel against 8.5-14.9; a full build 1.19 M against 1.68 M
// (the window states' faults, half of fact_orders', all but went).
bool KeepGlibcMemory() {
#ifdef __GLIBC__
  return mallopt(M_MMAP_THRESHOLD, 32 << 20) == 1 && mallopt(M_TRIM_THRESHOLD, INT_MAX) == 1;
#else
  return false;
#endif
}

// Back to glibc's defaults (its dynamic threshold stays off: a threshold once set is
// fixed), and the free memory at the top of its heaps back to the system.
void ReleaseGlibcMemory() {
#ifdef __GLIBC__
  mallopt(M_TRIM_THRESHOLD, 128 * 1024);
  mallopt(M_MMAP_THRESHOLD, 128 * 1024);
  malloc_trim(0);
#endif
}

}  // namespace

RetainedAllocatorMemory::RetainedAllocatorMemory() {
  const char* setting = std::getenv("SHOPLYTICS_RETAIN_MEMORY");
  if (setting != nullptr && std::strcmp(setting, "0") == 0) return;
  MallctlFn mallctl = Mallctl();
  Retention& retention = ProcessRetention();
  std::lock_guard<std::mutex> lock(retention.mu);
  if (retention.holders == 0) {
    if (mallctl != nullptr) TurnDecayOff(mallctl, retention);
    retention.glibc = KeepGlibcMemory();
  }
  if (retention.saved.empty() && !retention.glibc) return;  // the allocators refused
  ++retention.holders;
  active_ = true;
}

RetainedAllocatorMemory::~RetainedAllocatorMemory() {
  if (!active_) return;
  Retention& retention = ProcessRetention();
  std::lock_guard<std::mutex> lock(retention.mu);
  if (--retention.holders > 0) return;
  if (Mallctl() != nullptr) Restore(Mallctl(), retention);
  if (retention.glibc) ReleaseGlibcMemory();
  retention.glibc = false;
}

std::optional<int64_t> AllocatorDirtyDecayMs(std::optional<unsigned> arena) {
  MallctlFn mallctl = Mallctl();
  if (mallctl == nullptr) return std::nullopt;
  return ReadMs(mallctl, arena ? "arena." + std::to_string(*arena) + ".dirty_decay_ms"
                               : std::string("arenas.dirty_decay_ms"));
}

}  // namespace shoplytics::warehouse
