#include "seed/copy_writer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace shoplytics::seed {
namespace {

TEST(CopyRowWriter, EncodesPostgresBinaryCopy) {
  std::vector<std::string> chunks;
  CopyRowWriter w([&](std::string&& c) {
    chunks.push_back(std::move(c));
    return OkStatus();
  });
  w.BeginRow(4);
  w.Int64(258);
  w.Text("ab");
  w.Null();
  w.Timestamp(946684801);  // one second after PostgreSQL's epoch
  ASSERT_TRUE(w.EndRow().ok());
  ASSERT_TRUE(w.Finish().ok());
  ASSERT_EQ(chunks.size(), 1u);
  const std::string expected = std::string("PGCOPY\n\377\r\n\0", 11) +
                               std::string("\0\0\0\0\0\0\0\0", 8) +  // flags, extension
                               std::string("\0\4", 2) +               // 4 fields
                               std::string("\0\0\0\10\0\0\0\0\0\0\1\2", 12) +
                               std::string("\0\0\0\2ab", 6) + std::string("\377\377\377\377", 4) +
                               std::string("\0\0\0\10\0\0\0\0\0\17\102\100", 12) +  // 1e6 us
                               std::string("\377\377", 2);
  EXPECT_EQ(chunks[0], expected);
  EXPECT_EQ(w.rows(), 1);
}

TEST(CopyRowWriter, FlushesFullChunksAndKeepsTheFirstError) {
  int flushes = 0;
  CopyRowWriter w(
      [&](std::string&&) {
        ++flushes;
        return flushes == 2 ? UnavailableError("connection dropped") : OkStatus();
      },
      /*flush_bytes=*/64);
  Status last;
  for (int i = 0; i < 100; ++i) {
    w.BeginRow(1);
    w.Text("0123456789012345678901234567890123456789");
    last = w.EndRow();
  }
  EXPECT_EQ(flushes, 2);  // nothing more is sent after the failure
  EXPECT_EQ(last.code(), StatusCode::kUnavailable);
  EXPECT_EQ(w.Finish().code(), StatusCode::kUnavailable);
}

TEST(CopyRowWriter, WritesTextsOfEveryShortLength) {
  std::string out;
  CopyRowWriter w([&](std::string&& c) {
    out += c;
    return OkStatus();
  });
  std::string expected = std::string("PGCOPY\n\377\r\n\0", 11) + std::string(8, '\0');
  const std::string text = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  for (size_t n = 0; n <= text.size(); ++n) {
    w.BeginRow(1);
    w.Text(std::string_view(text).substr(0, n));
    ASSERT_TRUE(w.EndRow().ok());
    expected += std::string("\0\1\0\0\0", 5) + static_cast<char>(n) + text.substr(0, n);
  }
  ASSERT_TRUE(w.Finish().ok());
  EXPECT_EQ(out, expected + "\377\377");
}

TEST(CopyRowWriter, OverwritesABufferTheFlushHandsBack) {
  std::vector<std::string> chunks;
  std::string spent(200, 'x');  // a sent buffer, returned dirty
  CopyRowWriter w(
      [&](std::string&& c) {
        chunks.push_back(c);
        c.swap(spent);
        return OkStatus();
      },
      /*flush_bytes=*/64);
  for (int i = 0; i < 6; ++i) {
    w.BeginRow(1);
    w.Text("0123456789012345678901234567890123456789");
    ASSERT_TRUE(w.EndRow().ok());
  }
  ASSERT_TRUE(w.Finish().ok());
  std::string all;
  for (const std::string& c : chunks) all += c;
  std::string expected = std::string("PGCOPY\n\377\r\n\0", 11) + std::string(8, '\0');
  for (int i = 0; i < 6; ++i) {
    expected += std::string("\0\1\0\0\0\50", 6) + "0123456789012345678901234567890123456789";
  }
  expected += "\377\377";
  EXPECT_GT(chunks.size(), 2u);
  EXPECT_EQ(all, expected);
}

}  // namespace
}  // namespace shoplytics::seed
