#include "transform/jinja/internal/filters.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "transform/jinja/internal/text.h"

namespace shoplytics::transform::jinja::internal {
namespace {

using Filter = std::pair<std::string_view, FilterFunction>;
using Test = std::pair<std::string_view, TestFunction>;

// ---- filters -------------------------------------------------------------------------

Result<Value> FilterLower(const Value& in, const CallArgs&) {
  return Value(ToLowerString(in.ToString()));
}
Result<Value> FilterUpper(const Value& in, const CallArgs&) {
  return Value(ToUpperString(in.ToString()));
}
Result<Value> FilterCapitalize(const Value& in, const CallArgs&) {
  return Value(Capitalize(in.ToString()));
}
Result<Value> FilterTitle(const Value& in, const CallArgs&) { return Value(Title(in.ToString())); }
Result<Value> FilterString(const Value& in, const CallArgs&) { return Value(in.ToString()); }

Result<Value> FilterTrim(const Value& in, const CallArgs& args) {
  return Value(Strip(in.ToString(), args.Get(0, "chars"), true, true));
}

Result<Value> FilterReplace(const Value& in, const CallArgs& args) {
  ASSIGN_OR_RETURN(std::string from, StringArgument("replace", args.Get(0, "old")));
  ASSIGN_OR_RETURN(std::string to, StringArgument("replace", args.Get(1, "new")));
  ASSIGN_OR_RETURN(int64_t count, IntArgument("replace", args.Get(2, "count"), -1));
  return Value(ReplaceAll(in.ToString(), from, to, count));
}

Result<Value> Attribute(const Value& item, const std::string& attribute) {
  if (item.is_dict()) {
    if (const Value* found = item.as_dict().Find(attribute)) return *found;
  }
  return Value::Undefined(attribute);
}

Result<Value> FilterJoin(const Value& in, const CallArgs& args) {
  ASSIGN_OR_RETURN(std::string separator, StringArgument("join", args.Get(0, "d")));
  const Value* attribute = args.Get(1, "attribute");
  ASSIGN_OR_RETURN(List items, Iterate(in));
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += separator;
    if (attribute != nullptr && !attribute->is_none()) {
      ASSIGN_OR_RETURN(Value item, Attribute(items[i], attribute->ToString()));
      item.AppendTo(out);
    } else {
      items[i].AppendTo(out);
    }
  }
  return Value(std::move(out));
}

Result<Value> FilterDefault(const Value& in, const CallArgs& args) {
  const Value* fallback = args.Get(0, "default_value");
  const Value* boolean = args.Get(1, "boolean");
  bool use_fallback =
      in.is_undefined() || (boolean != nullptr && boolean->Truthy() && !in.Truthy());
  if (!use_fallback) return in;
  return fallback != nullptr ? *fallback : Value("");
}

Result<Value> FilterLength(const Value& in, const CallArgs&) {
  switch (in.kind()) {
    case Value::Kind::kUndefined:
      return Value(0);
    case Value::Kind::kString: {
      // Characters, as Python counts them: UTF-8 continuation bytes are not counted.
      int64_t count = 0;
      for (char c : in.as_string()) count += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
      return Value(count);
    }
    case Value::Kind::kList:
      return Value(static_cast<int64_t>(in.as_list().size()));
    case Value::Kind::kDict:
      return Value(static_cast<int64_t>(in.as_dict().size()));
    default:
      return InvalidArgumentError("length(): a " + std::string(in.TypeName()) + " has no length");
  }
}

Result<Value> FilterInt(const Value& in, const CallArgs& args) {
  const Value* fallback = args.Get(0, "default");
  Value otherwise = fallback != nullptr ? *fallback : Value(0);
  switch (in.kind()) {
    case Value::Kind::kInt:
      return in;
    case Value::Kind::kBool:
      return Value(int64_t{in.as_bool()});
    case Value::Kind::kDouble:
      if (!std::isfinite(in.as_double())) return otherwise;
      return Value(static_cast<int64_t>(in.as_double()));
    case Value::Kind::kString: {
      if (auto parsed = ParseNumber<int64_t>(in.as_string())) return Value(*parsed);
      if (auto parsed = ParseNumber<double>(in.as_string()); parsed && std::isfinite(*parsed)) {
        return Value(static_cast<int64_t>(*parsed));
      }
      return otherwise;
    }
    default:
      return otherwise;
  }
}

Result<Value> FilterFloat(const Value& in, const CallArgs& args) {
  const Value* fallback = args.Get(0, "default");
  Value otherwise = fallback != nullptr ? *fallback : Value(0.0);
  if (in.is_number() || in.is_bool()) return Value(in.as_number());
  if (in.is_string()) {
    if (auto parsed = ParseNumber<double>(in.as_string())) return Value(*parsed);
  }
  return otherwise;
}

Result<Value> FilterRound(const Value& in, const CallArgs& args) {
  if (!in.is_number() && !in.is_bool()) {
    return InvalidArgumentError("round(): expected a number, got " + std::string(in.TypeName()));
  }
  ASSIGN_OR_RETURN(int64_t precision, IntArgument("round", args.Get(0, "precision"), 0));
  ASSIGN_OR_RETURN(std::string method, StringArgument("round", args.Get(1, "method"), "common"));
  double scale = std::pow(10.0, static_cast<double>(precision));
  double x = in.as_number() * scale;
  if (method == "common") {
    // Python's round() rounds half to even.
    double r = std::nearbyint(x);
    x = r;
  } else if (method == "ceil") {
    x = std::ceil(x);
  } else if (method == "floor") {
    x = std::floor(x);
  } else {
    return InvalidArgumentError("round(): method must be 'common', 'ceil' or 'floor', not '" +
                                method + "'");
  }
  return Value(x / scale);
}

Result<Value> FilterList(const Value& in, const CallArgs&) {
  ASSIGN_OR_RETURN(List items, Iterate(in));
  return Value(std::move(items));
}

Result<Value> FilterToJson(const Value& in, const CallArgs& args) {
  ASSIGN_OR_RETURN(int64_t indent, IntArgument("tojson", args.Get(0, "indent"), -1));
  ASSIGN_OR_RETURN(std::string json, ToJson(in, static_cast<int>(indent)));
  return Value(std::move(json));
}

Result<Value> FilterFirst(const Value& in, const CallArgs&) {
  ASSIGN_OR_RETURN(List items, Iterate(in));
  return items.empty() ? Value::Undefined("first") : items.front();
}

Result<Value> FilterLast(const Value& in, const CallArgs&) {
  ASSIGN_OR_RETURN(List items, Iterate(in));
  return items.empty() ? Value::Undefined("last") : items.back();
}

Value SortKey(const Value& item, bool case_sensitive) {
  if (!case_sensitive && item.is_string()) return Value(ToLowerString(item.as_string()));
  return item;
}

Result<Value> FilterUnique(const Value& in, const CallArgs& args) {
  const Value* case_sensitive = args.Get(0, "case_sensitive");
  bool sensitive = case_sensitive != nullptr && case_sensitive->Truthy();
  ASSIGN_OR_RETURN(List items, Iterate(in));
  List out, keys;
  for (const Value& item : items) {
    Value key = SortKey(item, sensitive);
    if (std::find(keys.begin(), keys.end(), key) != keys.end()) continue;
    keys.push_back(std::move(key));
    out.push_back(item);
  }
  return Value(std::move(out));
}

Result<Value> FilterSort(const Value& in, const CallArgs& args) {
  const Value* reverse = args.Get(0, "reverse");
  const Value* case_sensitive = args.Get(1, "case_sensitive");
  const Value* attribute = args.Get(2, "attribute");
  bool sensitive = case_sensitive != nullptr && case_sensitive->Truthy();
  ASSIGN_OR_RETURN(List items, Iterate(in));
  std::vector<std::pair<Value, Value>> keyed;
  for (Value& item : items) {
    Value key = item;
    if (attribute != nullptr && !attribute->is_none()) {
      ASSIGN_OR_RETURN(key, Attribute(item, attribute->ToString()));
    }
    keyed.emplace_back(SortKey(key, sensitive), std::move(item));
  }
  Status error;
  std::stable_sort(keyed.begin(), keyed.end(), [&](const auto& a, const auto& b) {
    Result<int> c = Compare(a.first, b.first);
    if (!c.ok()) {
      error = c.status();
      return false;
    }
    return *c < 0;
  });
  if (!error.ok()) return InvalidArgumentError("sort(): " + error.message());
  List out;
  for (auto& [key, item] : keyed) out.push_back(std::move(item));
  if (reverse != nullptr && reverse->Truthy()) std::reverse(out.begin(), out.end());
  return Value(std::move(out));
}

Result<Value> FilterReverse(const Value& in, const CallArgs&) {
  if (in.is_string()) return Value(std::string(in.as_string().rbegin(), in.as_string().rend()));
  ASSIGN_OR_RETURN(List items, Iterate(in));
  std::reverse(items.begin(), items.end());
  return Value(std::move(items));
}

Result<Value> FilterAbs(const Value& in, const CallArgs&) {
  if (in.is_int()) return Value(in.as_int() < 0 ? -in.as_int() : in.as_int());
  if (in.is_double()) return Value(std::fabs(in.as_double()));
  return InvalidArgumentError("abs(): expected a number, got " + std::string(in.TypeName()));
}

Result<Value> FilterItems(const Value& in, const CallArgs&) {
  if (in.is_undefined()) return Value(List{});
  if (!in.is_dict()) {
    return InvalidArgumentError("items(): expected a dict, got " + std::string(in.TypeName()));
  }
  List out;
  for (const auto& [key, value] : in.as_dict()) out.emplace_back(List{Value(key), value});
  return Value(std::move(out));
}

// map(attribute='name') or map('filter', args...).
Result<Value> FilterMap(const Value& in, const CallArgs& args) {
  ASSIGN_OR_RETURN(List items, Iterate(in));
  List out;
  if (const Value* attribute = args.Keyword("attribute")) {
    const Value* fallback = args.Keyword("default");
    for (const Value& item : items) {
      ASSIGN_OR_RETURN(Value value, Attribute(item, attribute->ToString()));
      out.push_back(value.is_undefined() && fallback != nullptr ? *fallback : value);
    }
    return Value(std::move(out));
  }
  if (args.positional.empty() || !args.positional[0].is_string()) {
    return InvalidArgumentError("map(): expected a filter name or attribute=");
  }
  FilterFunction filter = FindFilter(args.positional[0].as_string());
  if (filter == nullptr) {
    return InvalidArgumentError("map(): unknown filter '" + args.positional[0].as_string() + "'");
  }
  CallArgs rest;
  rest.positional.assign(args.positional.begin() + 1, args.positional.end());
  rest.keyword = args.keyword;
  for (const Value& item : items) {
    ASSIGN_OR_RETURN(Value value, filter(item, rest));
    out.push_back(std::move(value));
  }
  return Value(std::move(out));
}

// select/reject('test', args...) and selectattr/rejectattr('attr', 'test', args...).
Result<Value> SelectItems(const Value& in, const CallArgs& args, bool by_attribute, bool keep) {
  ASSIGN_OR_RETURN(List items, Iterate(in));
  size_t next = 0;
  std::string attribute;
  if (by_attribute) {
    if (args.positional.empty()) return InvalidArgumentError("selectattr(): missing attribute");
    attribute = args.positional[next++].ToString();
  }
  TestFunction test = nullptr;
  if (next < args.positional.size()) {
    std::string name = args.positional[next++].ToString();
    test = FindTest(name);
    if (test == nullptr) return InvalidArgumentError("unknown test '" + name + "'");
  }
  CallArgs rest;
  rest.positional.assign(args.positional.begin() + static_cast<long>(next), args.positional.end());
  List out;
  for (const Value& item : items) {
    Value subject = item;
    if (by_attribute) {
      ASSIGN_OR_RETURN(subject, Attribute(item, attribute));
    }
    bool passed = subject.Truthy();
    if (test != nullptr) {
      ASSIGN_OR_RETURN(passed, test(subject, rest));
    }
    if (passed == keep) out.push_back(item);
  }
  return Value(std::move(out));
}

Result<Value> FilterSelect(const Value& in, const CallArgs& args) {
  return SelectItems(in, args, false, true);
}
Result<Value> FilterReject(const Value& in, const CallArgs& args) {
  return SelectItems(in, args, false, false);
}
Result<Value> FilterSelectAttr(const Value& in, const CallArgs& args) {
  return SelectItems(in, args, true, true);
}
Result<Value> FilterRejectAttr(const Value& in, const CallArgs& args) {
  return SelectItems(in, args, true, false);
}

Result<Value> FilterSum(const Value& in, const CallArgs& args) {
  const Value* attribute = args.Get(0, "attribute");
  const Value* start = args.Get(1, "start");
  Value total = start != nullptr ? *start : Value(0);
  ASSIGN_OR_RETURN(List items, Iterate(in));
  for (const Value& item : items) {
    Value term = item;
    if (attribute != nullptr && !attribute->is_none()) {
      ASSIGN_OR_RETURN(term, Attribute(item, attribute->ToString()));
    }
    ASSIGN_OR_RETURN(total, Add(total, term));
  }
  return total;
}

Result<Value> Extreme(const Value& in, bool want_max) {
  ASSIGN_OR_RETURN(List items, Iterate(in));
  if (items.empty()) return Value::Undefined(want_max ? "max" : "min");
  Value best = items[0];
  for (size_t i = 1; i < items.size(); ++i) {
    ASSIGN_OR_RETURN(int c, Compare(items[i], best));
    if (want_max ? c > 0 : c < 0) best = items[i];
  }
  return best;
}

Result<Value> FilterMin(const Value& in, const CallArgs&) { return Extreme(in, false); }
Result<Value> FilterMax(const Value& in, const CallArgs&) { return Extreme(in, true); }

Result<Value> FilterIndent(const Value& in, const CallArgs& args) {
  ASSIGN_OR_RETURN(int64_t width, IntArgument("indent", args.Get(0, "width"), 4));
  const Value* first = args.Get(1, "first");
  const Value* blank = args.Get(2, "blank");
  std::string pad(static_cast<size_t>(std::max<int64_t>(width, 0)), ' ');
  std::string text = in.ToString();
  std::string out;
  size_t line_start = 0;
  bool first_line = true;
  while (line_start <= text.size()) {
    size_t end = text.find('\n', line_start);
    std::string_view line(text.data() + line_start,
                          (end == std::string::npos ? text.size() : end) - line_start);
    bool indent = first_line ? (first != nullptr && first->Truthy())
                             : (!line.empty() || (blank != nullptr && blank->Truthy()));
    if (indent) out += pad;
    out += line;
    if (end == std::string::npos) break;
    out += '\n';
    line_start = end + 1;
    first_line = false;
  }
  return Value(std::move(out));
}

// dbt's filters that turn rendered text back into values.
Result<Value> FilterAsText(const Value& in, const CallArgs&) { return Value(in.ToString()); }

Result<Value> FilterAsBool(const Value& in, const CallArgs&) {
  if (!in.is_string()) return in;
  const std::string& s = in.as_string();
  if (s == "True" || s == "true") return Value(true);
  if (s == "False" || s == "false") return Value(false);
  return in;
}

Result<Value> FilterAsNumber(const Value& in, const CallArgs&) {
  if (!in.is_string()) return in;
  if (auto parsed = ParseNumber<int64_t>(in.as_string())) return Value(*parsed);
  if (auto parsed = ParseNumber<double>(in.as_string())) return Value(*parsed);
  return in;
}

Result<Value> FilterAsNative(const Value& in, const CallArgs& args) {
  if (!in.is_string()) return in;
  if (in.as_string() == "None" || in.as_string() == "none") return Value::None();
  ASSIGN_OR_RETURN(Value b, FilterAsBool(in, args));
  if (b.is_bool()) return b;
  return FilterAsNumber(in, args);
}

constexpr Filter kFilters[] = {
    {"abs", FilterAbs},
    {"as_bool", FilterAsBool},
    {"as_native", FilterAsNative},
    {"as_number", FilterAsNumber},
    {"as_text", FilterAsText},
    {"capitalize", FilterCapitalize},
    {"count", FilterLength},
    {"d", FilterDefault},
    {"default", FilterDefault},
    {"first", FilterFirst},
    {"float", FilterFloat},
    {"indent", FilterIndent},
    {"int", FilterInt},
    {"items", FilterItems},
    {"join", FilterJoin},
    {"last", FilterLast},
    {"length", FilterLength},
    {"list", FilterList},
    {"lower", FilterLower},
    {"map", FilterMap},
    {"max", FilterMax},
    {"min", FilterMin},
    {"reject", FilterReject},
    {"rejectattr", FilterRejectAttr},
    {"replace", FilterReplace},
    {"reverse", FilterReverse},
    {"round", FilterRound},
    {"select", FilterSelect},
    {"selectattr", FilterSelectAttr},
    {"sort", FilterSort},
    {"string", FilterString},
    {"sum", FilterSum},
    {"title", FilterTitle},
    {"tojson", FilterToJson},
    {"trim", FilterTrim},
    {"unique", FilterUnique},
    {"upper", FilterUpper},
};

// ---- tests ---------------------------------------------------------------------------

Result<bool> TestDefined(const Value& in, const CallArgs&) { return !in.is_undefined(); }
Result<bool> TestUndefined(const Value& in, const CallArgs&) { return in.is_undefined(); }
Result<bool> TestNone(const Value& in, const CallArgs&) { return in.is_none(); }
Result<bool> TestBoolean(const Value& in, const CallArgs&) { return in.is_bool(); }
Result<bool> TestTrue(const Value& in, const CallArgs&) { return in.is_bool() && in.as_bool(); }
Result<bool> TestFalse(const Value& in, const CallArgs&) { return in.is_bool() && !in.as_bool(); }
Result<bool> TestString(const Value& in, const CallArgs&) { return in.is_string(); }
Result<bool> TestNumber(const Value& in, const CallArgs&) { return in.is_number(); }
Result<bool> TestInteger(const Value& in, const CallArgs&) { return in.is_int(); }
Result<bool> TestFloat(const Value& in, const CallArgs&) { return in.is_double(); }
Result<bool> TestMapping(const Value& in, const CallArgs&) { return in.is_dict(); }
Result<bool> TestSequence(const Value& in, const CallArgs&) {
  return in.is_list() || in.is_string() || in.is_dict();
}
Result<bool> TestCallable(const Value& in, const CallArgs&) { return in.is_callable(); }
Result<bool> TestLower(const Value& in, const CallArgs&) {
  return in.is_string() && ToLowerString(in.as_string()) == in.as_string();
}
Result<bool> TestUpper(const Value& in, const CallArgs&) {
  return in.is_string() && ToUpperString(in.as_string()) == in.as_string();
}

Result<const Value*> TestArgument(std::string_view test, const CallArgs& args) {
  if (args.positional.empty()) {
    return InvalidArgumentError("test '" + std::string(test) + "' needs an argument");
  }
  return &args.positional[0];
}

Result<bool> TestEven(const Value& in, const CallArgs&) {
  return in.is_int() && in.as_int() % 2 == 0;
}
Result<bool> TestOdd(const Value& in, const CallArgs&) {
  return in.is_int() && in.as_int() % 2 != 0;
}
Result<bool> TestDivisibleBy(const Value& in, const CallArgs& args) {
  ASSIGN_OR_RETURN(const Value* by, TestArgument("divisibleby", args));
  if (!in.is_int() || !by->is_int() || by->as_int() == 0) return false;
  return in.as_int() % by->as_int() == 0;
}

bool IsLess(int c) { return c < 0; }
bool IsLessEqual(int c) { return c <= 0; }
bool IsGreater(int c) { return c > 0; }
bool IsGreaterEqual(int c) { return c >= 0; }

template <bool (*Accept)(int)>
Result<bool> TestCompare(const Value& in, const CallArgs& args) {
  ASSIGN_OR_RETURN(const Value* other, TestArgument("comparison", args));
  ASSIGN_OR_RETURN(int c, Compare(in, *other));
  return Accept(c);
}

Result<bool> TestEqual(const Value& in, const CallArgs& args) {
  ASSIGN_OR_RETURN(const Value* other, TestArgument("eq", args));
  return in == *other;
}
Result<bool> TestNotEqual(const Value& in, const CallArgs& args) {
  ASSIGN_OR_RETURN(const Value* other, TestArgument("ne", args));
  return !(in == *other);
}
Result<bool> TestSameAs(const Value& in, const CallArgs& args) {
  ASSIGN_OR_RETURN(const Value* other, TestArgument("sameas", args));
  return in.kind() == other->kind() && in == *other;
}
Result<bool> TestIn(const Value& in, const CallArgs& args) {
  ASSIGN_OR_RETURN(const Value* other, TestArgument("in", args));
  return Contains(*other, in);
}
Result<bool> TestIterable(const Value& in, const CallArgs&) {
  return in.is_list() || in.is_dict() || in.is_string();
}

constexpr Test kTests[] = {
    {"!=", TestNotEqual},
    {"<", TestCompare<IsLess>},
    {"<=", TestCompare<IsLessEqual>},
    {"==", TestEqual},
    {">", TestCompare<IsGreater>},
    {">=", TestCompare<IsGreaterEqual>},
    {"boolean", TestBoolean},
    {"callable", TestCallable},
    {"defined", TestDefined},
    {"divisibleby", TestDivisibleBy},
    {"eq", TestEqual},
    {"equalto", TestEqual},
    {"even", TestEven},
    {"false", TestFalse},
    {"float", TestFloat},
    {"ge", TestCompare<IsGreaterEqual>},
    {"gt", TestCompare<IsGreater>},
    {"greaterthan", TestCompare<IsGreater>},
    {"in", TestIn},
    {"integer", TestInteger},
    {"iterable", TestIterable},
    {"le", TestCompare<IsLessEqual>},
    {"lower", TestLower},
    {"lt", TestCompare<IsLess>},
    {"lessthan", TestCompare<IsLess>},
    {"mapping", TestMapping},
    {"ne", TestNotEqual},
    {"none", TestNone},
    {"number", TestNumber},
    {"odd", TestOdd},
    {"sameas", TestSameAs},
    {"sequence", TestSequence},
    {"string", TestString},
    {"true", TestTrue},
    {"undefined", TestUndefined},
    {"upper", TestUpper},
};

}  // namespace

FilterFunction FindFilter(std::string_view name) {
  auto it = std::lower_bound(std::begin(kFilters), std::end(kFilters), name,
                             [](const Filter& f, std::string_view n) { return f.first < n; });
  return it != std::end(kFilters) && it->first == name ? it->second : nullptr;
}

TestFunction FindTest(std::string_view name) {
  for (const Test& test : kTests) {
    if (test.first == name) return test.second;
  }
  return nullptr;
}

Result<List> Iterate(const Value& value) {
  switch (value.kind()) {
    case Value::Kind::kUndefined:
      return List{};
    case Value::Kind::kList:
      return value.as_list();
    case Value::Kind::kDict: {
      List keys;
      keys.reserve(value.as_dict().size());
      for (const auto& entry : value.as_dict()) keys.emplace_back(entry.first);
      return keys;
    }
    case Value::Kind::kString: {
      // One item per UTF-8 character.
      List chars;
      const std::string& s = value.as_string();
      for (size_t i = 0; i < s.size();) {
        size_t n = 1;
        while (i + n < s.size() && (static_cast<unsigned char>(s[i + n]) & 0xC0) == 0x80) ++n;
        chars.emplace_back(s.substr(i, n));
        i += n;
      }
      return chars;
    }
    default:
      return InvalidArgumentError("a " + std::string(value.TypeName()) + " is not iterable");
  }
}

}  // namespace shoplytics::transform::jinja::internal
