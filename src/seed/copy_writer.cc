#include "seed/copy_writer.h"

#include <cstring>

namespace shoplytics::seed {

namespace {
constexpr char kHeader[] = "PGCOPY\n\377\r\n\0";  // 11 bytes, then flags and extension length
}  // namespace

CopyRowWriter::CopyRowWriter(FlushFn flush, size_t flush_bytes)
    : flush_(std::move(flush)), flush_bytes_(flush_bytes) {
  buffer_.resize(flush_bytes_ + 4096);
  Raw(kHeader, 11);
  BigEndian32(0);  // flags
  BigEndian32(0);  // header extension length
}

void CopyRowWriter::Grow(size_t n) {
  buffer_.resize(std::max(buffer_.size() * 2, used_ + n));
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
  if (used_ >= flush_bytes_) return Flush();
  return status_;
}

Status CopyRowWriter::Flush() {
  if (!status_.ok() || used_ == 0) return status_;
  bytes_ += static_cast<int64_t>(used_);
  const size_t size = std::max(buffer_.size(), flush_bytes_ + 4096);
  buffer_.resize(used_);
  used_ = 0;
  status_ = flush_(std::move(buffer_));
  // The callee moved the buffer out (the next one is allocated and zero-filled here) or
  // handed back a spent one whose bytes are simply overwritten.
  if (buffer_.size() < size) buffer_.resize(size);
  return status_;
}

Status CopyRowWriter::Finish() {
  const uint16_t trailer = 0xFFFF;
  Raw(&trailer, 2);
  return Flush();
}

}  // namespace shoplytics::seed
