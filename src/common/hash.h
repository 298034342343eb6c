// A fast 64-bit content hash: XXH64 (xxHash, by Yann Collet), implemented here.
//
// For checksums of content (files, batches, compiled SQL) and for hash tables; not for
// security: anyone can build collisions. The value is the reference XXH64 of the bytes,
// the same on every platform and in every release, so it may be stored (manifests)
// and compared with `xxhsum -H1` output.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace shoplytics {

// XXH64 of `data` with `seed`.
uint64_t Hash64(std::string_view data, uint64_t seed = 0);

// 16 lower-case hex digits, zero-padded: the form stored in manifests.
std::string HashToHex(uint64_t hash);

// Streaming XXH64: Update() with pieces in order, then Digest(). Digest() does not
// change the state, so more Update() calls may follow. Hash64(a + b) equals
// Hasher64().Update(a).Update(b).Digest(). Not thread-safe.
class Hasher64 {
 public:
  explicit Hasher64(uint64_t seed = 0);
  Hasher64& Update(std::string_view data);
  uint64_t Digest() const;

 private:
  uint64_t seed_;
  uint64_t total_length_ = 0;
  uint64_t v_[4];
  unsigned char buffer_[32];
  size_t buffered_ = 0;
};

}  // namespace shoplytics
