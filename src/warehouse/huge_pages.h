// Transparent huge pages for DuckDB's buffer memory.
//
// When its block allocator is on (block_allocator_memory, which the runner sets for a
// build), DuckDB reserves the buffer pool as one anonymous mapping the size of its memory
// limit, and touches each 4 KB page of a block the first time it hands the block out. On a machine whose transparent huge pages are "madvise" (Debian's
// default), every page of a multi-GB build is then a page fault, and every lookup in a
// hash table of several GB a TLB miss. Advising the mapping MADV_HUGEPAGE lets the kernel
// back it with 2 MB pages: at full scale, fact_orders alone took 2.0 M page faults and 75
// CPU-seconds of user time, and 0.2 M and 60-67 with huge pages.
//
// Nothing changes where the kernel has no transparent huge pages (or "never"): the advice
// is a hint, and failing to give it is not an error.
#pragma once

#include <cstdint>
#include <string>

namespace shoplytics::warehouse {

// Advises MADV_HUGEPAGE every private anonymous read-write mapping of this process of at
// least `min_bytes` (DuckDB's buffer pools; nothing else in this process maps that much at
// once; advising one again is harmless). Returns how many bytes it advised: 0 when
// /proc/self/maps cannot be read or the kernel refuses, or when the environment sets
// SHOPLYTICS_HUGE_PAGES=0.
uint64_t AdviseHugePages(uint64_t min_bytes = uint64_t{1} << 30);

// Whether the mapping containing `address` is advised MADV_HUGEPAGE (its VmFlags in
// /proc/self/smaps hold "hg"); false when unknown. For tests.
bool IsAdvisedHugePages(const void* address);

}  // namespace shoplytics::warehouse
