#include "warehouse/huge_pages.h"

#include <sys/mman.h>

#include <cctype>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

namespace shoplytics::warehouse {

namespace {

struct Mapping {
  uintptr_t start = 0;
  uintptr_t end = 0;
  std::string perms;
  std::string path;  // empty for an anonymous mapping
};

// One line of /proc/self/maps: "start-end perms offset dev inode [path]".
bool ParseMapping(const std::string& line, Mapping* mapping) {
  std::istringstream in(line);
  std::string range, offset, device, inode;
  if (!(in >> range >> mapping->perms >> offset >> device >> inode)) return false;
  const size_t dash = range.find('-');
  if (dash == std::string::npos) return false;
  mapping->start = std::strtoull(range.substr(0, dash).c_str(), nullptr, 16);
  mapping->end = std::strtoull(range.substr(dash + 1).c_str(), nullptr, 16);
  std::getline(in >> std::ws, mapping->path);
  return mapping->end > mapping->start;
}

}  // namespace

uint64_t AdviseHugePages(uint64_t min_bytes) {
#ifdef MADV_HUGEPAGE
  const char* setting = std::getenv("SHOPLYTICS_HUGE_PAGES");
  if (setting != nullptr && std::strcmp(setting, "0") == 0) return 0;
  // Advising a mapping again is harmless: every database open advises all of them.
  std::ifstream maps("/proc/self/maps");
  uint64_t total = 0;
  std::string line;
  while (std::getline(maps, line)) {
    Mapping mapping;
    if (!ParseMapping(line, &mapping)) continue;
    if (!mapping.path.empty() || mapping.perms.rfind("rw-p", 0) != 0) continue;
    const uint64_t size = mapping.end - mapping.start;
    if (size < min_bytes) continue;
    if (madvise(reinterpret_cast<void*>(mapping.start), size, MADV_HUGEPAGE) != 0) continue;
    total += size;
  }
  return total;
#else
  (void)min_bytes;
  return 0;
#endif
}

bool IsAdvisedHugePages(const void* address) {
  const auto target = reinterpret_cast<uintptr_t>(address);
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  bool inside = false;
  while (std::getline(smaps, line)) {
    Mapping mapping;
    // A mapping's header line starts with its hex range; its fields ("Size:", ...) do not.
    if (!line.empty() && std::isxdigit(static_cast<unsigned char>(line[0])) &&
        line.find('-') != std::string::npos && ParseMapping(line, &mapping)) {
      inside = mapping.start <= target && target < mapping.end;
      continue;
    }
    if (inside && line.rfind("VmFlags:", 0) == 0) {
      std::istringstream flags(line.substr(8));
      std::string flag;
      while (flags >> flag) {
        if (flag == "hg") return true;
      }
      return false;
    }
  }
  return false;
}

}  // namespace shoplytics::warehouse
