// CopyRowWriter encodes rows in PostgreSQL's binary COPY format, so the server does no
// text parsing (timestamps and integers go in as they are stored). Full buffers are handed
// to a flush callback (typically an AsyncCopy feeding a COPY ... FROM STDIN).
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace shoplytics::seed {

class CopyRowWriter {
 public:
  // PostgreSQL timestamps count microseconds from 2000-01-01 00:00:00 UTC.
  static constexpr int64_t kPgEpochUnixSeconds = 946684800;

  // Receives each full buffer. It may move the buffer out, or swap a spent one of its own
  // into `chunk` for the writer to fill next (saving an allocation and a zero-fill).
  using FlushFn = std::function<Status(std::string&& chunk)>;

  // Writes the binary COPY header into the first chunk.
  explicit CopyRowWriter(FlushFn flush, size_t flush_bytes = 1 << 20);

  void BeginRow(int16_t fields) {
    const uint16_t be = __builtin_bswap16(static_cast<uint16_t>(fields));
    std::memcpy(Take(2), &be, 2);
  }
  void Int64(int64_t v) {
    char* p = Take(12);
    const uint32_t len = __builtin_bswap32(8);
    const uint64_t be = __builtin_bswap64(static_cast<uint64_t>(v));
    std::memcpy(p, &len, 4);
    std::memcpy(p + 4, &be, 8);
  }
  void Int32(int32_t v) {
    BigEndian32(4);
    BigEndian32(static_cast<uint32_t>(v));
  }
  void Bool(bool v) {
    BigEndian32(1);
    *Take(1) = v ? 1 : 0;
  }
  void Text(std::string_view v) {
    char* p = Take(4 + v.size());
    const uint32_t len = __builtin_bswap32(static_cast<uint32_t>(v.size()));
    std::memcpy(p, &len, 4);
    CopyShort(p + 4, v.data(), v.size());
  }
  void Null() { BigEndian32(0xFFFFFFFFu); }
  // A timestamptz from Unix seconds.
  void Timestamp(int64_t unix_seconds) {
    Int64((unix_seconds - kPgEpochUnixSeconds) * 1000000);
  }
  // A timestamptz, or NULL when unix_seconds < 0.
  void TimestampOrNull(int64_t unix_seconds);
  void TextOrNull(std::string_view v) { v.empty() ? Null() : Text(v); }
  // Ends a row; flushes when the buffer is full. An error from the flush sticks.
  Status EndRow();
  // Writes the trailer and flushes the rest.
  Status Finish();

  int64_t rows() const { return rows_; }
  int64_t bytes() const { return bytes_ + static_cast<int64_t>(used_); }

 private:
  // The buffer is sized ahead and filled through used_; fixed-size fields are single
  // stores (memcpy of a constant size), and only growing leaves the inline path.
  char* Take(size_t n) {
    if (used_ + n > buffer_.size()) Grow(n);
    char* p = buffer_.data() + used_;
    used_ += n;
    return p;
  }
  void Grow(size_t n);
  void Raw(const void* data, size_t n) { std::memcpy(Take(n), data, n); }
  // memcpy without the call for the short strings of most columns: two fixed-size copies
  // that overlap cover any length between their size and twice it.
  static void CopyShort(char* dst, const char* src, size_t n) {
    if (n > 32) {
      std::memcpy(dst, src, n);
    } else if (n >= 16) {
      Copy2<16>(dst, src, n);
    } else if (n >= 8) {
      Copy2<8>(dst, src, n);
    } else if (n >= 4) {
      Copy2<4>(dst, src, n);
    } else {
      for (size_t i = 0; i < n; ++i) dst[i] = src[i];
    }
  }
  template <size_t kSize>
  static void Copy2(char* dst, const char* src, size_t n) {
    char head[kSize], tail[kSize];
    std::memcpy(head, src, kSize);
    std::memcpy(tail, src + n - kSize, kSize);
    std::memcpy(dst, head, kSize);
    std::memcpy(dst + n - kSize, tail, kSize);
  }
  void BigEndian32(uint32_t v) {
    const uint32_t be = __builtin_bswap32(v);
    std::memcpy(Take(4), &be, 4);
  }
  void BigEndian64(uint64_t v) {
    const uint64_t be = __builtin_bswap64(v);
    std::memcpy(Take(8), &be, 8);
  }
  Status Flush();

  FlushFn flush_;
  size_t flush_bytes_;
  std::string buffer_;
  size_t used_ = 0;
  int64_t rows_ = 0;
  int64_t bytes_ = 0;
  Status status_;
};

}  // namespace shoplytics::seed
