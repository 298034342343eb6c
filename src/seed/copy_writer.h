// CopyRowWriter encodes rows in PostgreSQL's binary COPY format, so the server does no
// text parsing (timestamps and integers go in as they are stored). Full buffers are handed
// to a flush callback (typically an AsyncCopy feeding a COPY ... FROM STDIN).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace shoplytics::seed {

class CopyRowWriter {
 public:
  using FlushFn = std::function<Status(std::string&& chunk)>;

  // Writes the binary COPY header into the first chunk.
  explicit CopyRowWriter(FlushFn flush, size_t flush_bytes = 1 << 20);

  void BeginRow(int16_t fields);
  void Int64(int64_t v);
  void Int32(int32_t v);
  void Bool(bool v);
  void Text(std::string_view v);
  void Null();
  // A timestamptz from Unix seconds.
  void Timestamp(int64_t unix_seconds);
  // A timestamptz, or NULL when unix_seconds < 0.
  void TimestampOrNull(int64_t unix_seconds);
  void TextOrNull(std::string_view v) { v.empty() ? Null() : Text(v); }
  // Ends a row; flushes when the buffer is full. An error from the flush sticks.
  Status EndRow();
  // Writes the trailer and flushes the rest.
  Status Finish();

  int64_t rows() const { return rows_; }
  int64_t bytes() const { return bytes_ + static_cast<int64_t>(buffer_.size()); }

 private:
  void Raw(const void* data, size_t n) { buffer_.append(static_cast<const char*>(data), n); }
  void BigEndian32(uint32_t v);
  void BigEndian64(uint64_t v);
  Status Flush();

  FlushFn flush_;
  size_t flush_bytes_;
  std::string buffer_;
  int64_t rows_ = 0;
  int64_t bytes_ = 0;
  Status status_;
};

}  // namespace shoplytics::seed
