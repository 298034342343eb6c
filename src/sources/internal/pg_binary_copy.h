// Decoding of PostgreSQL's binary COPY format (COPY ... TO STDOUT (FORMAT binary)) for the
// PostgreSQL connector: an 11-byte signature, int32 flags and a header extension, then
// tuples (int16 field count, then per field an int32 length, -1 for NULL, and the bytes)
// until a field count of -1. All integers are big-endian.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace shoplytics::sources::internal {

inline uint16_t Load16(const char* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return __builtin_bswap16(v);
}
inline uint32_t Load32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return __builtin_bswap32(v);
}
inline uint64_t Load64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return __builtin_bswap64(v);
}

// Takes the stream in chunks of any size (libpq hands over one CopyData message at a time,
// usually one row) and calls on_row(base, offsets, lengths) for each complete tuple:
// field i is `lengths[i]` bytes at base + offsets[i], or NULL when lengths[i] < 0. The
// pointers are valid during the call only. A tuple split across chunks is kept until it
// is complete. An error from on_row stops the stream and is returned. A tuple whose field
// count differs from `columns` is kDataLoss. Not thread-safe.
class BinaryCopyReader {
 public:
  explicit BinaryCopyReader(size_t columns) : offsets_(columns), lengths_(columns) {}

  template <typename OnRow>
  Status Feed(std::string_view chunk, OnRow&& on_row) {
    std::string_view data = chunk;
    if (!pending_.empty()) {
      pending_.append(chunk);
      data = pending_;
    }
    size_t used = 0;
    RETURN_IF_ERROR(Parse(data, &used, on_row));
    if (pending_.empty()) {
      pending_.assign(data.substr(used));
    } else {
      pending_.erase(0, used);
    }
    return OkStatus();
  }

  // kDataLoss unless the stream ended with its trailer and no partial tuple.
  Status Finish() const {
    if (!done_ || !pending_.empty()) {
      return DataLossError("the binary COPY stream ended in the middle of a row");
    }
    return OkStatus();
  }

 private:
  template <typename OnRow>
  Status Parse(std::string_view data, size_t* used, OnRow& on_row) {
    static constexpr char kSignature[] = "PGCOPY\n\377\r\n";
    size_t pos = 0;
    if (!header_done_) {
      if (data.size() < 19) return OkStatus();
      if (std::memcmp(data.data(), kSignature, 11) != 0) {
        return DataLossError("the COPY stream does not start with the binary signature");
      }
      const size_t extension = Load32(data.data() + 15);
      if (data.size() < 19 + extension) return OkStatus();
      pos = 19 + extension;
      header_done_ = true;
    }
    while (!done_ && data.size() - pos >= 2) {
      const int16_t fields = static_cast<int16_t>(Load16(data.data() + pos));
      if (fields == -1) {
        done_ = true;
        pos += 2;
        break;
      }
      if (static_cast<size_t>(fields) != offsets_.size()) {
        return DataLossError("a COPY row has " + std::to_string(fields) + " fields, expected " +
                             std::to_string(offsets_.size()));
      }
      size_t p = pos + 2;
      bool complete = true;
      for (size_t i = 0; i < offsets_.size(); ++i) {
        if (data.size() - p < 4) {
          complete = false;
          break;
        }
        const int32_t len = static_cast<int32_t>(Load32(data.data() + p));
        p += 4;
        offsets_[i] = p;
        lengths_[i] = len;
        if (len > 0) {
          if (data.size() - p < static_cast<size_t>(len)) {
            complete = false;
            break;
          }
          p += static_cast<size_t>(len);
        }
      }
      if (!complete) break;
      RETURN_IF_ERROR(on_row(data.data(), offsets_, lengths_));
      pos = p;
    }
    *used = pos;
    return OkStatus();
  }

  std::vector<size_t> offsets_;
  std::vector<int32_t> lengths_;
  std::string pending_;
  bool header_done_ = false;
  bool done_ = false;
};

}  // namespace shoplytics::sources::internal
