#include "warehouse/huge_pages.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/mman.h>

#include <filesystem>

#include "warehouse/database.h"

namespace shoplytics::warehouse {
namespace {

// An anonymous private read-write mapping of `bytes` between two inaccessible guard pages,
// so that the kernel cannot merge it with a neighbouring mapping (which would then be
// advised or not with it); unmapped on destruction.
class Mapped {
 public:
  explicit Mapped(size_t bytes) : bytes_(bytes + 2 * kGuard) {
    void* p = mmap(nullptr, bytes_, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return;
    reserved_ = p;
    char* inner = static_cast<char*>(p) + kGuard;
    if (mprotect(inner, bytes, PROT_READ | PROT_WRITE) == 0) address_ = inner;
  }
  ~Mapped() {
    if (reserved_) munmap(reserved_, bytes_);
  }
  void* address() const { return address_; }

 private:
  static constexpr size_t kGuard = 4096;
  size_t bytes_;
  void* reserved_ = nullptr;
  void* address_ = nullptr;
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
