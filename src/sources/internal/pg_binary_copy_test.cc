#include "sources/internal/pg_binary_copy.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace shoplytics::sources::internal {
namespace {

std::string Be32(int32_t v) {
  const uint32_t u = static_cast<uint32_t>(v);
  return {static_cast<char>(u >> 24), static_cast<char>(u >> 16), static_cast<char>(u >> 8),
          static_cast<char>(u)};
}
std::string Be16(int16_t v) {
  const uint16_t u = static_cast<uint16_t>(v);
  return {static_cast<char>(u >> 8), static_cast<char>(u)};
}

// A stream of two-column tuples; std::nullopt fields are NULL.
std::string Stream(const std::vector<std::vector<std::optional<std::string>>>& rows,
                   bool trailer = true) {
  std::string s("PGCOPY\n\377\r\n\0", 11);
  s += Be32(0) + Be32(3) + "ext";  // flags, and a header extension to skip
  for (const auto& row : rows) {
    s += Be16(static_cast<int16_t>(row.size()));
    for (const auto& field : row) {
      s += field ? Be32(static_cast<int32_t>(field->size())) + *field : Be32(-1);
    }
  }
  if (trailer) s += Be16(-1);
  return s;
}

// Feeds `stream` in pieces cut at `cuts`; returns the rows as "a|b" (NULL as "~").
Result<std::vector<std::string>> Decode(const std::string& stream, std::vector<size_t> cuts) {
  BinaryCopyReader reader(2);
  std::vector<std::string> rows;
  auto on_row = [&](const char* base, const std::vector<size_t>& offsets,
                    const std::vector<int32_t>& lengths) {
    std::string row;
    for (size_t i = 0; i < offsets.size(); ++i) {
      if (i) row += '|';
      row += lengths[i] < 0 ? std::string("~") : std::string(base + offsets[i], lengths[i]);
    }
    rows.push_back(row);
    return OkStatus();
  };
  cuts.push_back(stream.size());
  size_t from = 0;
  for (size_t cut : cuts) {
    RETURN_IF_ERROR(reader.Feed(std::string_view(stream).substr(from, cut - from), on_row));
    from = cut;
  }
  RETURN_IF_ERROR(reader.Finish());
  return rows;
}

const std::vector<std::vector<std::optional<std::string>>> kRows = {
    {"1", "one"}, {"22", std::nullopt}, {"", std::string(70000, 'x')}, {"4", "four"}};
const std::vector<std::string> kExpected = {"1|one", "22|~", "|" + std::string(70000, 'x'),
                                            "4|four"};

TEST(PgBinaryCopy, DecodesTuplesWithNullsAndEmptyValues) {
  auto rows = Decode(Stream(kRows), {});
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ(*rows, kExpected);
}

TEST(PgBinaryCopy, TuplesSplitAtAnyByteAcrossChunksDecodeTheSame) {
  const std::string stream = Stream(kRows);
  for (size_t cut = 0; cut <= stream.size(); cut += (cut < 200 ? 1 : 997)) {
    auto rows = Decode(stream, {cut});
    ASSERT_TRUE(rows.ok()) << "cut at " << cut << ": " << rows.status().ToString();
    EXPECT_EQ(*rows, kExpected) << "cut at " << cut;
  }
  std::vector<size_t> every_byte;
  for (size_t i = 1; i < 300; ++i) every_byte.push_back(i);
  auto rows = Decode(stream, every_byte);
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ(*rows, kExpected);
}

TEST(PgBinaryCopy, TruncatedStreamIsDataLoss) {
  const std::string stream = Stream(kRows, /*trailer=*/false);
  auto rows = Decode(stream.substr(0, stream.size() - 3), {});
  EXPECT_EQ(rows.status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(Decode(Stream(kRows, false), {}).status().code(), StatusCode::kDataLoss);
}

TEST(PgBinaryCopy, WrongFieldCountOrSignatureIsDataLoss) {
  auto rows = Decode(Stream({{"1", "2"}, {"only one"}}), {});
  EXPECT_EQ(rows.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(rows.status().message().find("1 fields, expected 2"), std::string::npos);
  EXPECT_EQ(Decode("COPY\n" + std::string(30, '\0'), {}).status().code(), StatusCode::kDataLoss);
}

TEST(PgBinaryCopy, AnErrorFromTheRowCallbackStopsTheStream) {
  BinaryCopyReader reader(2);
  int calls = 0;
  Status s = reader.Feed(Stream(kRows),
                         [&](const char*, const std::vector<size_t>&, const std::vector<int32_t>&) {
                           return ++calls == 2 ? InvalidArgumentError("bad row") : OkStatus();
                         });
  EXPECT_EQ(s.message(), "bad row");
  EXPECT_EQ(calls, 2);
}

}  // namespace
}  // namespace shoplytics::sources::internal
