#include "transform/jinja/value.h"

#include <gtest/gtest.h>

namespace shoplytics::transform::jinja {
namespace {

TEST(JinjaValue, TruthinessFollowsJinja) {
  EXPECT_FALSE(Value().Truthy());
  EXPECT_FALSE(Value::None().Truthy());
  EXPECT_FALSE(Value(false).Truthy());
  EXPECT_FALSE(Value(0).Truthy());
  EXPECT_FALSE(Value(0.0).Truthy());
  EXPECT_FALSE(Value("").Truthy());
  EXPECT_FALSE(Value(List{}).Truthy());
  EXPECT_FALSE(Value(Dict{}).Truthy());
  EXPECT_TRUE(Value("0").Truthy());
  EXPECT_TRUE(Value(List{Value::None()}).Truthy());
  EXPECT_TRUE(Value(-1).Truthy());
}

TEST(JinjaValue, PrintsAsPython) {
  EXPECT_EQ(Value().ToString(), "");
  EXPECT_EQ(Value::None().ToString(), "None");
  EXPECT_EQ(Value(true).ToString(), "True");
  EXPECT_EQ(Value(3.0).ToString(), "3.0");
  EXPECT_EQ(Value(0.5).ToString(), "0.5");
  EXPECT_EQ(Value(-12).ToString(), "-12");
  EXPECT_EQ(Value(List{"a", 1, Value::None()}).ToString(), "['a', 1, None]");
  EXPECT_EQ(Value(Dict{{"b", 1}, {"a", "x"}}).ToString(), "{'b': 1, 'a': 'x'}");
  EXPECT_EQ(Value("it's").Repr(), "\"it's\"");
}

TEST(JinjaValue, EqualityAcrossNumericTypes) {
  EXPECT_EQ(Value(1), Value(1.0));
  EXPECT_EQ(Value(1), Value(true));
  EXPECT_FALSE(Value(1) == Value("1"));
  EXPECT_EQ(Value(List{1, "a"}), Value(List{1.0, "a"}));
  EXPECT_EQ(Value(Dict{{"a", 1}, {"b", 2}}), Value(Dict{{"b", 2}, {"a", 1}}));
}

TEST(JinjaValue, ListsAndDictsAreSharedByReference) {
  Value list(List{1});
  Value alias = list;
  alias.as_list().push_back(2);
  EXPECT_EQ(list.as_list().size(), 2u);
}

TEST(JinjaValue, DictKeepsInsertionOrderAndOverwritesInPlace) {
  Dict dict;
  for (int i = 20; i > 0; --i) dict.Set("k" + std::to_string(i), i);
  dict.Set("k20", 0);
  EXPECT_EQ(dict.entries().front().first, "k20");
  EXPECT_EQ(*dict.Find("k20"), Value(0));
  EXPECT_EQ(*dict.Find("k7"), Value(7));
  EXPECT_TRUE(dict.Erase("k7"));
  EXPECT_EQ(dict.Find("k7"), nullptr);
  EXPECT_EQ(*dict.Find("k6"), Value(6));
  EXPECT_EQ(dict.size(), 19u);
}

TEST(JinjaValue, ArithmeticAsPython) {
  EXPECT_EQ(*FloorDivide(Value(-7), Value(2)), Value(-4));
  EXPECT_EQ(*Modulo(Value(-7), Value(3)), Value(2));
  EXPECT_EQ(*Divide(Value(1), Value(4)), Value(0.25));
  EXPECT_EQ(*Power(Value(3), Value(3)), Value(27));
  EXPECT_FALSE(Divide(Value(1), Value(0)).ok());
  EXPECT_FALSE(Add(Value(INT64_MAX), Value(1)).ok());
  EXPECT_EQ(*Compare(Value("a"), Value("b")), -1);
  EXPECT_EQ(*Compare(Value(List{1, 2}), Value(List{1})), 1);
  EXPECT_FALSE(Compare(Value(1), Value("1")).ok());
}

TEST(JinjaValue, ToJsonSortsKeysAndEscapes) {
  Value value(Dict{{"z", List{1, 2.5, Value::None()}}, {"a", "x\"y\n"}});
  EXPECT_EQ(*ToJson(value), "{\"a\": \"x\\\"y\\n\", \"z\": [1, 2.5, null]}");
  EXPECT_EQ(*ToJson(Value(List{1, 2}), 2), "[\n  1,\n  2\n]");
  EXPECT_EQ(*ToJson(Value("\xF0\x9F\x98\x80")), "\"\\ud83d\\ude00\"");
}

}  // namespace
}  // namespace shoplytics::transform::jinja
