#include "sources/csv_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace shoplytics::sources {
namespace {

using ::testing::HasSubstr;

// One record as the test expects it: its line, fields, and an error fragment ("" = none).
struct Rec {
  int64_t line;
  std::vector<std::string> fields;
  std::string error = "";
  std::string raw = "*";  // "*": not checked
};

struct Case {
  const char* name;
  std::string input;
  std::vector<Rec> want;
  size_t expected_fields = 0;
  char delimiter = ',';
};

std::vector<Case> Cases() {
  return {
      {"simple", "a,b,c\n1,2,3\n", {{1, {"a", "b", "c"}}, {2, {"1", "2", "3"}}}},
      {"no final newline", "a,b\n1,2", {{1, {"a", "b"}}, {2, {"1", "2"}, "", "1,2"}}},
      {"crlf", "a,b\r\n1,2\r\n", {{1, {"a", "b"}, "", "a,b"}, {2, {"1", "2"}, "", "1,2"}}},
      {"bom", "\xEF\xBB\xBFid,name\n1,x\n", {{1, {"id", "name"}}, {2, {"1", "x"}}}},
      {"bom and crlf",
       "\xEF\xBB\xBF"
       "a\r\n1\r\n",
       {{1, {"a"}}, {2, {"1"}}}},
      {"empty fields", ",,\n", {{1, {"", "", ""}}}},
      {"quoted delimiter", "\"a,b\",c\n", {{1, {"a,b", "c"}}}},
      {"doubled quotes", "\"say \"\"hi\"\"\",x\n", {{1, {"say \"hi\"", "x"}}}},
      {"empty quoted", "\"\",\"\"\n", {{1, {"", ""}}}},
      {"embedded newline",
       "a,\"line1\nline2\",b\nnext,1,2\n",
       {{1, {"a", "line1\nline2", "b"}, "", "a,\"line1\nline2\",b"}, {3, {"next", "1", "2"}}}},
      {"embedded crlf kept", "\"x\r\ny\"\n", {{1, {"x\r\ny"}}}},
      {"lone cr is data", "a\rb,c\n", {{1, {"a\rb", "c"}}}},
      {"blank lines skipped", "a\n\n\r\nb\n", {{1, {"a"}}, {4, {"b"}}}},
      {"semicolon delimiter", "a;\"b;c\"\n", {{1, {"a", "b;c"}}}, 0, ';'},
      {"tab delimiter", "a\tb\n", {{1, {"a", "b"}}}, 0, '\t'},
      {"stray quote",
       "a,b\"c,d\n1,2,3\n",
       {{1, {}, "stray quote in unquoted field 2", "a,b\"c,d"}, {2, {"1", "2", "3"}}}},
      {"text after closing quote",
       "\"ab\"c,d\nx,y\n",
       {{1, {}, "unexpected character after closing quote in field 1"}, {2, {"x", "y"}}}},
      {"unterminated quote resumes on next line",
       "a,\"open\nb,c\nd,e\n",
       {{1, {}, "unterminated quoted field", "a,\"open"}, {2, {"b", "c"}}, {3, {"d", "e"}}}},
      {"unterminated quote on last line", "a,b\n\"x,y", {{1, {"a", "b"}}, {2, {}, "unterminated"}}},
      {"too few fields",
       "a,b,c\n1,2\n",
       {{1, {"a", "b", "c"}}, {2, {}, "expected 3 fields, got 2"}},
       3},
      {"too many fields",
       "a,b\n1,2,3\n",
       {{1, {"a", "b"}}, {2, {}, "expected 2 fields, got 3"}},
       2},
      {"line numbers count embedded newlines", "\"a\n\nb\"\nc\n", {{1, {"a\n\nb"}}, {4, {"c"}}}},
      {"empty input", "", {}},
      {"only bom", "\xEF\xBB\xBF", {}},
  };
}

TEST(CsvReader, ReadsRecordsAndReportsMalformedOnes) {
  for (const Case& c : Cases()) {
    SCOPED_TRACE(c.name);
    CsvReader reader(c.input, CsvOptions{c.delimiter});
    reader.set_expected_fields(c.expected_fields);
    CsvRecord rec;
    size_t i = 0;
    while (reader.Next(&rec)) {
      ASSERT_LT(i, c.want.size()) << "extra record at line " << rec.line << ": " << rec.raw;
      const Rec& want = c.want[i];
      SCOPED_TRACE("record " + std::to_string(i));
      EXPECT_EQ(rec.line, want.line);
      if (want.error.empty()) {
        EXPECT_EQ(rec.error, "");
        EXPECT_EQ(rec.fields, want.fields);
      } else {
        EXPECT_THAT(rec.error, HasSubstr(want.error));
      }
      if (want.raw != "*") {
        EXPECT_EQ(rec.raw, want.raw);
      }
      ++i;
    }
    EXPECT_EQ(i, c.want.size());
  }
}

}  // namespace
}  // namespace shoplytics::sources
