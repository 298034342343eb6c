#include "seed/copy_writer.h"

#include <cstring>

namespace shoplytics::seed {

namespace {
// PostgreSQL timestamps count microseconds from 2000-01-01 00:00:00 UTC.
constexpr int64_t kPgEpochUnixSeconds = 946684800;
constexpr char kHeader[] = "PGCOPY\n\377\r\n\0";  // 11 bytes, then flags and extension length
}  // namespace

CopyRowWriter::CopyRowWriter(FlushFn flush, size_t flush_bytes)
    : flush_(std::move(flush)), flush_bytes_(flush_bytes) {
  buffer_.reserve(flush_bytes_ + 4096);
  Raw(kHeader, 11);
  BigEndian32(0);  // flags
  BigEndian32(0);  // header extension length
}

void CopyRowWriter::BigEndian32(uint32_t v) {
  const uint32_t be = __builtin_bswap32(v);
  Raw(&be, 4);
}

void CopyRowWriter::BigEndian64(uint64_t v) {
  const uint64_t be = __builtin_bswap64(v);
  Raw(&be, 8);
}

void CopyRowWriter::BeginRow(int16_t fields) {
  const uint16_t be = __builtin_bswap16(static_cast<uint16_t>(fields));
  Raw(&be, 2);
}

void CopyRowWriter::Int64(int64_t v) {
  BigEndian32(8);
  BigEndian64(static_cast<uint64_t>(v));
}

void CopyRowWriter::Int32(int32_t v) {
  BigEndian32(4);
  BigEndian32(static_cast<uint32_t>(v));
}

void CopyRowWriter::Bool(bool v) {
  BigEndian32(1);
  buffer_.push_back(v ? 1 : 0);
}

void CopyRowWriter::Text(std::string_view v) {
  BigEndian32(static_cast<uint32_t>(v.size()));
  Raw(v.data(), v.size());
}

void CopyRowWriter::Null() { BigEndian32(0xFFFFFFFFu); }

void CopyRowWriter::Timestamp(int64_t unix_seconds) {
  Int64((unix_seconds - kPgEpochUnixSeconds) * 1000000);
}

void CopyRowWriter::TimestampOrNull(int64_t unix_seconds) {
  if (unix_seconds < 0) {
    Null();
  } else {
    Timestamp(unix_seconds);
  }
}

Status CopyRowWriter::EndRow() {
  ++rows_;
  if (buffer_.size() >= flush_bytes_) return Flush();
  return status_;
}

Status CopyRowWriter::Flush() {
  if (!status_.ok() || buffer_.empty()) return status_;
  bytes_ += static_cast<int64_t>(buffer_.size());
  std::string chunk;
  chunk.reserve(flush_bytes_ + 4096);
  chunk.swap(buffer_);
  status_ = flush_(std::move(chunk));
  return status_;
}

Status CopyRowWriter::Finish() {
  const uint16_t trailer = 0xFFFF;
  Raw(&trailer, 2);
  return Flush();
}

}  // namespace shoplytics::seed
