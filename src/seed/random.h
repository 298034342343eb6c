// Deterministic randomness for the synthetic shop.
//
// Everything the generator makes is a pure function of the seed and a few integers (a
// day, an order id, a customer id), so a later `--advance` can recompute any entity's
// life without having stored it. Rng is SplitMix64-seeded xoshiro256**: fast, small,
// and identical on every platform (no std:: distributions, whose output varies by
// standard library).
#pragma once

#include <cmath>
#include <cstdint>
#include <initializer_list>

namespace shoplytics::seed {

inline uint64_t SplitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Continues a HashKey from the key of its first parts:
// HashKeyFrom(HashKey({a, b}), {c, d}) == HashKey({a, b, c, d}), so keys that share a
// prefix (the seed and a stream) need not mix it again each time.
inline uint64_t HashKeyFrom(uint64_t prefix_key, std::initializer_list<uint64_t> parts) {
  uint64_t h = prefix_key;
  for (uint64_t p : parts) {
    uint64_t s = h ^ p;
    h = SplitMix64(s);
  }
  return h;
}

// Mixes any number of integers into one 64-bit key.
inline uint64_t HashKey(std::initializer_list<uint64_t> parts) {
  return HashKeyFrom(0x6a09e667f3bcc909ULL, parts);
}

class Rng {
 public:
  explicit Rng(uint64_t seed) {
    for (auto& s : s_) s = SplitMix64(seed);
  }
  Rng(std::initializer_list<uint64_t> parts) : Rng(HashKey(parts)) {}

  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, 1).
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  double Uniform(double lo, double hi) { return lo + (hi - lo) * Uniform(); }
  // Uniform integer in [lo, hi].
  int64_t Int(int64_t lo, int64_t hi) {
    const uint64_t span = static_cast<uint64_t>(hi - lo) + 1;
    return lo + static_cast<int64_t>(Next() % span);
  }
  bool Chance(double p) { return Uniform() < p; }
  // Standard normal (Box-Muller; one value per call keeps the stream simple).
  double Normal() {
    double u1 = Uniform();
    if (u1 < 1e-300) u1 = 1e-300;
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * Uniform());
  }
  double Exponential(double mean) { return -mean * std::log(1.0 - Uniform()); }
  // Pareto with minimum 1 and shape alpha (mean alpha/(alpha-1) for alpha > 1).
  double Pareto(double alpha) { return std::pow(1.0 - Uniform(), -1.0 / alpha); }
  // Number of failures before the first success, success probability p.
  int Geometric(double p) {
    return static_cast<int>(std::floor(std::log(1.0 - Uniform()) / std::log(1.0 - p)));
  }
  // Index drawn from weights (small tables only: linear scan).
  template <typename T, size_t N>
  int Pick(const T (&weights)[N]) {
    double total = 0;
    for (const T& w : weights) total += w;
    double u = Uniform() * total;
    for (size_t i = 0; i < N; ++i) {
      u -= weights[i];
      if (u < 0) return static_cast<int>(i);
    }
    return static_cast<int>(N - 1);
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

}  // namespace shoplytics::seed
