#include "warehouse/allocator_memory.h"

#include <dlfcn.h>

#include <cstdlib>
#include <cstring>
#include <set>
#include <string>

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

std::string Prefix(unsigned arena, unsigned defaults) {
  return arena == defaults ? "arenas." : "arena." + std::to_string(arena) + ".";
}

}  // namespace

RetainedAllocatorMemory::RetainedAllocatorMemory() {
  const char* setting = std::getenv("SHOPLYTICS_RETAIN_MEMORY");
  if (setting != nullptr && std::strcmp(setting, "0") == 0) return;
  MallctlFn mallctl = Mallctl();
  if (mallctl == nullptr) return;
  unsigned arenas = 0;
  size_t size = sizeof(arenas);
  if (mallctl("arenas.narenas", &arenas, &size, nullptr, 0) != 0) return;
  // The defaults first: an arena created meanwhile (jemalloc makes the one for huge
  // allocations on first use, purging eagerly unless the default is off) starts with them.
  std::vector<unsigned> targets = {kDefaults};
  // One more than counted: the huge allocations' arena, when it exists, may be past it.
  for (unsigned arena = 0; arena <= arenas; ++arena) targets.push_back(arena);
  for (unsigned arena : targets) {
    const std::string prefix = Prefix(arena, kDefaults);
    std::optional<int64_t> dirty = ReadMs(mallctl, prefix + "dirty_decay_ms");
    std::optional<int64_t> muzzy = ReadMs(mallctl, prefix + "muzzy_decay_ms");
    if (!dirty || !muzzy) continue;  // no such arena (not created)
    if (!WriteMs(mallctl, prefix + "dirty_decay_ms", -1)) continue;
    WriteMs(mallctl, prefix + "muzzy_decay_ms", -1);
    saved_.push_back({arena, *dirty, *muzzy});
  }
  active_ = !saved_.empty();
}

RetainedAllocatorMemory::~RetainedAllocatorMemory() {
  MallctlFn mallctl = Mallctl();
  if (mallctl == nullptr || !active_) return;
  std::set<unsigned> restored;
  for (const Decay& decay : saved_) {
    const std::string prefix = Prefix(decay.arena, kDefaults);
    WriteMs(mallctl, prefix + "dirty_decay_ms", decay.dirty_ms);
    WriteMs(mallctl, prefix + "muzzy_decay_ms", decay.muzzy_ms);
    restored.insert(decay.arena);
  }
  // An arena created during the build took the defaults then in force (never purge): it is
  // the one for huge allocations, which jemalloc purges at once.
  unsigned arenas = 0;
  size_t size = sizeof(arenas);
  if (mallctl("arenas.narenas", &arenas, &size, nullptr, 0) != 0) return;
  for (unsigned arena = 0; arena <= arenas; ++arena) {
    if (restored.contains(arena)) continue;
    const std::string prefix = Prefix(arena, kDefaults);
    if (ReadMs(mallctl, prefix + "dirty_decay_ms") != -1) continue;
    WriteMs(mallctl, prefix + "dirty_decay_ms", 0);
    WriteMs(mallctl, prefix + "muzzy_decay_ms", 0);
  }
}

std::optional<int64_t> AllocatorDirtyDecayMs(std::optional<unsigned> arena) {
  MallctlFn mallctl = Mallctl();
  if (mallctl == nullptr) return std::nullopt;
  return ReadMs(mallctl, arena ? "arena." + std::to_string(*arena) + ".dirty_decay_ms"
                               : std::string("arenas.dirty_decay_ms"));
}

}  // namespace shoplytics::warehouse
