#include "warehouse/huge_pages.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/mman.h>

#include <filesystem>

#include "warehouse/database.h"

namespace shoplytics::warehouse {
namespace {

// An anonymous private mapping of `bytes`, unmapped on destruction.
class Mapped {
 public:
  explicit Mapped(size_t bytes) : bytes_(bytes) {
    void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    address_ = p == MAP_FAILED ? nullptr : p;
  }
  ~Mapped() {
    if (address_) munmap(address_, bytes_);
  }
  void* address() const { return address_; }

 private:
  size_t bytes_;
  void* address_;
};

bool KernelHasTransparentHugePages() {
  return std::filesystem::exists("/sys/kernel/mm/transparent_hugepage/enabled");
}

TEST(WarehouseHugePages, AdvisesLargeAnonymousMappingsOnly) {
  if (!KernelHasTransparentHugePages()) GTEST_SKIP() << "no transparent huge pages here";
  Mapped large(size_t{1} << 30);
  Mapped small(size_t{1} << 20);
  ASSERT_NE(large.address(), nullptr);
  ASSERT_NE(small.address(), nullptr);
  EXPECT_FALSE(IsAdvisedHugePages(large.address()));
  EXPECT_GE(AdviseHugePages(), uint64_t{1} << 30);
  EXPECT_TRUE(IsAdvisedHugePages(large.address()));
  EXPECT_TRUE(IsAdvisedHugePages(static_cast<char*>(large.address()) + (size_t{1} << 29)));
  EXPECT_FALSE(IsAdvisedHugePages(small.address()));
}

TEST(WarehouseHugePages, OpeningADatabaseAdvisesItsBufferPool) {
  if (!KernelHasTransparentHugePages()) GTEST_SKIP() << "no transparent huge pages here";
  // A mapping as large as DuckDB's, made before the open: the open advises it too (it
  // cannot tell the two apart), which shows that opening a database gives the advice.
  Mapped large(size_t{1} << 30);
  ASSERT_NE(large.address(), nullptr);
  Result<Database> db = Database::OpenInMemory();
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  EXPECT_TRUE(IsAdvisedHugePages(large.address()));
}

TEST(WarehouseHugePages, TheEnvironmentCanTurnItOff) {
  if (!KernelHasTransparentHugePages()) GTEST_SKIP() << "no transparent huge pages here";
  Mapped large(size_t{1} << 30);
  ASSERT_NE(large.address(), nullptr);
  setenv("SHOPLYTICS_HUGE_PAGES", "0", 1);
  const uint64_t advised = AdviseHugePages();
  unsetenv("SHOPLYTICS_HUGE_PAGES");
  EXPECT_EQ(advised, 0u);
  EXPECT_FALSE(IsAdvisedHugePages(large.address()));
}

}  // namespace
}  // namespace shoplytics::warehouse
