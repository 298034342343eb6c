#include "common/hash.h"

#include <fmt/format.h>

#include <bit>
#include <cstring>

namespace shoplytics {

namespace {

constexpr uint64_t kPrime1 = 0x9E3779B185EBCA87ULL;
constexpr uint64_t kPrime2 = 0xC2B2AE3D27D4EB4FULL;
constexpr uint64_t kPrime3 = 0x165667B19E3779F9ULL;
constexpr uint64_t kPrime4 = 0x85EBCA77C2B2AE63ULL;
constexpr uint64_t kPrime5 = 0x27D4EB2F165667C5ULL;

uint64_t Read64(const unsigned char* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap64(v);
  return v;
}

uint32_t Read32(const unsigned char* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof v);
  if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap32(v);
  return v;
}

uint64_t Round(uint64_t acc, uint64_t input) {
  acc += input * kPrime2;
  acc = std::rotl(acc, 31);
  return acc * kPrime1;
}

uint64_t MergeRound(uint64_t acc, uint64_t v) {
  acc ^= Round(0, v);
  return acc * kPrime1 + kPrime4;
}

void InitLanes(uint64_t seed, uint64_t v[4]) {
  v[0] = seed + kPrime1 + kPrime2;
  v[1] = seed + kPrime2;
  v[2] = seed;
  v[3] = seed - kPrime1;
}

void ConsumeStripe(const unsigned char* p, uint64_t v[4]) {
  for (int i = 0; i < 4; ++i) v[i] = Round(v[i], Read64(p + 8 * i));
}

uint64_t MergeLanes(const uint64_t v[4]) {
  uint64_t h = std::rotl(v[0], 1) + std::rotl(v[1], 7) + std::rotl(v[2], 12) + std::rotl(v[3], 18);
  for (int i = 0; i < 4; ++i) h = MergeRound(h, v[i]);
  return h;
}

// Mixes the last (< 32) bytes into `h` and avalanches.
uint64_t Finish(uint64_t h, const unsigned char* p, size_t length) {
  for (; length >= 8; p += 8, length -= 8) {
    h ^= Round(0, Read64(p));
    h = std::rotl(h, 27) * kPrime1 + kPrime4;
  }
  if (length >= 4) {
    h ^= static_cast<uint64_t>(Read32(p)) * kPrime1;
    h = std::rotl(h, 23) * kPrime2 + kPrime3;
    p += 4;
    length -= 4;
  }
  for (; length > 0; ++p, --length) {
    h ^= (*p) * kPrime5;
    h = std::rotl(h, 11) * kPrime1;
  }
  h ^= h >> 33;
  h *= kPrime2;
  h ^= h >> 29;
  h *= kPrime3;
  h ^= h >> 32;
  return h;
}

}  // namespace

uint64_t Hash64(std::string_view data, uint64_t seed) {
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  size_t length = data.size();
  uint64_t h;
  if (length >= 32) {
    uint64_t v[4];
    InitLanes(seed, v);
    for (; length >= 32; p += 32, length -= 32) ConsumeStripe(p, v);
    h = MergeLanes(v);
  } else {
    h = seed + kPrime5;
  }
  h += data.size();
  return Finish(h, p, length);
}

std::string HashToHex(uint64_t hash) { return fmt::format("{:016x}", hash); }

Hasher64::Hasher64(uint64_t seed) : seed_(seed) { InitLanes(seed, v_); }

Hasher64& Hasher64::Update(std::string_view data) {
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  size_t length = data.size();
  total_length_ += length;
  if (buffered_ > 0) {
    const size_t take = std::min(length, sizeof buffer_ - buffered_);
    std::memcpy(buffer_ + buffered_, p, take);
    buffered_ += take;
    p += take;
    length -= take;
    if (buffered_ < sizeof buffer_) return *this;
    ConsumeStripe(buffer_, v_);
    buffered_ = 0;
  }
  for (; length >= 32; p += 32, length -= 32) ConsumeStripe(p, v_);
  if (length > 0) {
    std::memcpy(buffer_, p, length);
    buffered_ = length;
  }
  return *this;
}

uint64_t Hasher64::Digest() const {
  uint64_t h = total_length_ >= 32 ? MergeLanes(v_) : seed_ + kPrime5;
  h += total_length_;
  return Finish(h, buffer_, buffered_);
}

}  // namespace shoplytics
