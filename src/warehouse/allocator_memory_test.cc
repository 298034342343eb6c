#include "warehouse/allocator_memory.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <cstring>

#include "warehouse/database.h"

namespace shoplytics::warehouse {
namespace {

// Whether this DuckDB bundles jemalloc (initialised by opening a database).
bool HasJemalloc() {
  Result<Database> db = Database::OpenInMemory();
  return db.ok() && AllocatorDirtyDecayMs().has_value();
}

TEST(WarehouseAllocatorMemory, KeepsFreedPagesWhileItLivesAndThenRestores) {
  if (!HasJemalloc()) GTEST_SKIP() << "this DuckDB bundles no jemalloc";
  const std::optional<int64_t> defaults = AllocatorDirtyDecayMs();
  const std::optional<int64_t> first = AllocatorDirtyDecayMs(0);
  ASSERT_TRUE(first.has_value());
  {
    RetainedAllocatorMemory retained;
    EXPECT_TRUE(retained.active());
    EXPECT_EQ(AllocatorDirtyDecayMs(), -1);
    EXPECT_EQ(AllocatorDirtyDecayMs(0), -1);
    // A database opened meanwhile allocates, and frees on closing, under the setting.
    Result<Database> db = Database::OpenInMemory();
    ASSERT_TRUE(db.ok()) << db.status().ToString();
  }
  EXPECT_EQ(AllocatorDirtyDecayMs(), defaults);
  EXPECT_EQ(AllocatorDirtyDecayMs(0), first);
}

TEST(WarehouseAllocatorMemory, TheLastOfSeveralRestores) {
  if (!HasJemalloc()) GTEST_SKIP() << "this DuckDB bundles no jemalloc";
  const std::optional<int64_t> defaults = AllocatorDirtyDecayMs();
  {
    RetainedAllocatorMemory first;
    {
      RetainedAllocatorMemory second;
      EXPECT_TRUE(second.active());
    }
    // The first build still runs: the second one's end leaves the memory kept.
    EXPECT_EQ(AllocatorDirtyDecayMs(), -1);
    EXPECT_EQ(AllocatorDirtyDecayMs(0), -1);
  }
  EXPECT_EQ(AllocatorDirtyDecayMs(), defaults);
}

TEST(WarehouseAllocatorMemory, TheEnvironmentCanTurnItOff) {
  if (!HasJemalloc()) GTEST_SKIP() << "this DuckDB bundles no jemalloc";
  const std::optional<int64_t> defaults = AllocatorDirtyDecayMs();
  setenv("SHOPLYTICS_RETAIN_MEMORY", "0", 1);
  {
    RetainedAllocatorMemory retained;
    EXPECT_FALSE(retained.active());
    EXPECT_EQ(AllocatorDirtyDecayMs(), defaults);
  }
  unsetenv("SHOPLYTICS_RETAIN_MEMORY");
  EXPECT_EQ(AllocatorDirtyDecayMs(), defaults);
}

#ifdef __GLIBC__
TEST(WarehouseAllocatorMemory, GlibcKeepsMidSizedBlocksInItsHeapsWhileItLives) {
  // Under the 32 MB it serves from its heaps, far above glibc's default 128 KB.
  constexpr size_t kBlock = size_t{24} << 20;
  size_t mapped = 0;
  {
    RetainedAllocatorMemory retained;
    ASSERT_TRUE(retained.active());
    mapped = mallinfo2().hblkhd;
    void* block = malloc(kBlock);
    ASSERT_NE(block, nullptr);
    std::memset(block, 1, kBlock);
    // From a heap, not a mapping of its own that free would unmap.
    EXPECT_EQ(mallinfo2().hblkhd, mapped);
    free(block);
    // Kept free in the heap, not trimmed.
    EXPECT_GE(mallinfo2().fordblks, kBlock);
  }
  // Afterwards such a block is mapped on its own again.
  void* block = malloc(kBlock);
  ASSERT_NE(block, nullptr);
  EXPECT_GE(mallinfo2().hblkhd, mapped + kBlock);
  free(block);
}
#endif

}  // namespace
}  // namespace shoplytics::warehouse
