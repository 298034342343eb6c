#include "transform/jinja/internal/methods.h"

#include <algorithm>
#include <iterator>
#include <string>

#include "transform/jinja/internal/filters.h"
#include "transform/jinja/internal/text.h"

namespace shoplytics::transform::jinja::internal {
namespace {

// ---- methods -------------------------------------------------------------------------

// Python's str.format for "{}", "{0}" and "{name}" fields ("{{" and "}}" are braces).
Result<Value> FormatString(const std::string& format, const CallArgs& args) {
  std::string out;
  size_t next_auto = 0;
  for (size_t i = 0; i < format.size(); ++i) {
    char c = format[i];
    if (c == '}' && i + 1 < format.size() && format[i + 1] == '}') {
      out += '}';
      ++i;
      continue;
    }
    if (c != '{') {
      out += c;
      continue;
    }
    if (i + 1 < format.size() && format[i + 1] == '{') {
      out += '{';
      ++i;
      continue;
    }
    size_t close = format.find('}', i);
    if (close == std::string::npos) return InvalidArgumentError("format(): unmatched '{'");
    std::string field = format.substr(i + 1, close - i - 1);
    const Value* value = nullptr;
    if (field.empty()) {
      value = next_auto < args.positional.size() ? &args.positional[next_auto++] : nullptr;
    } else if (auto index = ParseNumber<int64_t>(field)) {
      if (*index >= 0 && static_cast<size_t>(*index) < args.positional.size()) {
        value = &args.positional[static_cast<size_t>(*index)];
      }
    } else {
      value = args.Keyword(field);
    }
    if (value == nullptr) {
      return InvalidArgumentError("format(): no argument for field '{" + field + "}'");
    }
    value->AppendTo(out);
    i = close;
  }
  return Value(std::move(out));
}

bool MatchesAny(const std::string& s, const Value& affix, bool prefix) {
  auto match = [&](const Value& v) {
    if (!v.is_string()) return false;
    return prefix ? s.starts_with(v.as_string()) : s.ends_with(v.as_string());
  };
  if (affix.is_list()) {
    return std::any_of(affix.as_list().begin(), affix.as_list().end(), match);
  }
  return match(affix);
}

Result<Value> StringMethod(const std::string& s, std::string_view name, const CallArgs& args) {
  if (name == "lower") return Value(ToLowerString(s));
  if (name == "upper") return Value(ToUpperString(s));
  if (name == "title") return Value(Title(s));
  if (name == "capitalize") return Value(Capitalize(s));
  if (name == "strip") return Value(Strip(s, args.Get(0, "chars"), true, true));
  if (name == "lstrip") return Value(Strip(s, args.Get(0, "chars"), true, false));
  if (name == "rstrip") return Value(Strip(s, args.Get(0, "chars"), false, true));
  if (name == "startswith" || name == "endswith") {
    const Value* affix = args.Get(0, "prefix");
    if (affix == nullptr) return ArgumentError(name, "missing argument");
    return Value(MatchesAny(s, *affix, name == "startswith"));
  }
  if (name == "split") {
    ASSIGN_OR_RETURN(int64_t max, IntArgument("split", args.Get(1, "maxsplit"), -1));
    return Value(SplitString(s, args.Get(0, "sep"), max));
  }
  if (name == "replace") {
    ASSIGN_OR_RETURN(std::string from, StringArgument("replace", args.Get(0, "old")));
    ASSIGN_OR_RETURN(std::string to, StringArgument("replace", args.Get(1, "new")));
    ASSIGN_OR_RETURN(int64_t count, IntArgument("replace", args.Get(2, "count"), -1));
    return Value(ReplaceAll(s, from, to, count));
  }
  if (name == "join") {
    const Value* items = args.Get(0, "iterable");
    if (items == nullptr) return ArgumentError("join", "missing argument");
    ASSIGN_OR_RETURN(List list, Iterate(*items));
    std::string out;
    for (size_t i = 0; i < list.size(); ++i) {
      if (i > 0) out += s;
      list[i].AppendTo(out);
    }
    return Value(std::move(out));
  }
  if (name == "find" || name == "count") {
    ASSIGN_OR_RETURN(std::string needle, StringArgument(name, args.Get(0, "sub")));
    if (name == "find") {
      size_t at = s.find(needle);
      return Value(at == std::string::npos ? int64_t{-1} : static_cast<int64_t>(at));
    }
    int64_t count = 0;
    for (size_t at = s.find(needle); !needle.empty() && at != std::string::npos;
         at = s.find(needle, at + needle.size())) {
      ++count;
    }
    return Value(count);
  }
  if (name == "format") return FormatString(s, args);
  if (name == "isdigit") {
    return Value(!s.empty() &&
                 std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }));
  }
  return ArgumentError(name, "no such string method");
}

Result<int64_t> ListIndex(const List& list, const Value* index, int64_t fallback) {
  ASSIGN_OR_RETURN(int64_t i, IntArgument("pop", index, fallback));
  int64_t size = static_cast<int64_t>(list.size());
  if (i < 0) i += size;
  if (i < 0 || i >= size) return InvalidArgumentError("list index out of range");
  return i;
}

Result<Value> ListMethod(List& list, std::string_view name, const CallArgs& args) {
  const Value* first = args.Get(0, "x");
  if (name == "append") {
    if (first == nullptr) return ArgumentError("append", "missing argument");
    list.push_back(*first);
    return Value::None();
  }
  if (name == "extend") {
    if (first == nullptr) return ArgumentError("extend", "missing argument");
    ASSIGN_OR_RETURN(List items, Iterate(*first));
    list.insert(list.end(), items.begin(), items.end());
    return Value::None();
  }
  if (name == "pop") {
    ASSIGN_OR_RETURN(int64_t i, ListIndex(list, args.Get(0, "index"), -1));
    Value out = list[static_cast<size_t>(i)];
    list.erase(list.begin() + i);
    return out;
  }
  if (name == "insert") {
    ASSIGN_OR_RETURN(int64_t i, IntArgument("insert", args.Get(0, "index"), 0));
    const Value* item = args.Get(1, "object");
    if (item == nullptr) return ArgumentError("insert", "missing argument");
    int64_t size = static_cast<int64_t>(list.size());
    if (i < 0) i = std::max<int64_t>(0, i + size);
    list.insert(list.begin() + std::min(i, size), *item);
    return Value::None();
  }
  if (name == "index" || name == "count") {
    if (first == nullptr) return ArgumentError(name, "missing argument");
    int64_t count = 0;
    for (size_t i = 0; i < list.size(); ++i) {
      if (list[i] == *first) {
        if (name == "index") return Value(static_cast<int64_t>(i));
        ++count;
      }
    }
    if (name == "index") return ArgumentError("index", first->Repr() + " is not in list");
    return Value(count);
  }
  return ArgumentError(name, "no such list method");
}

Result<Value> DictMethod(Dict& dict, std::string_view name, const CallArgs& args) {
  if (name == "items") {
    List out;
    for (const auto& [key, value] : dict) out.emplace_back(List{Value(key), value});
    return Value(std::move(out));
  }
  if (name == "keys" || name == "values") {
    List out;
    for (const auto& [key, value] : dict) out.push_back(name == "keys" ? Value(key) : value);
    return Value(std::move(out));
  }
  if (name == "get" || name == "pop") {
    const Value* key = args.Get(0, "key");
    const Value* fallback = args.Get(1, "default");
    if (key == nullptr) return ArgumentError(name, "missing argument");
    const Value* found = key->is_string() ? dict.Find(key->as_string()) : nullptr;
    if (found == nullptr) {
      if (fallback != nullptr) return *fallback;
      if (name == "pop") return ArgumentError("pop", "key " + key->Repr() + " not found");
      return Value::None();
    }
    Value out = *found;
    if (name == "pop") dict.Erase(key->as_string());
    return out;
  }
  if (name == "update") {
    if (!args.positional.empty()) {
      if (!args.positional[0].is_dict()) return ArgumentError("update", "expected a dict");
      Dict copy = args.positional[0].as_dict();
      for (const auto& [key, value] : copy) dict.Set(key, value);
    }
    for (const auto& [key, value] : args.keyword) dict.Set(key, value);
    return Value::None();
  }
  if (name == "copy") return Value(Dict(dict));
  return ArgumentError(name, "no such dict method");
}

constexpr std::string_view kStringMethods[] = {
    "capitalize", "count",   "endswith", "find",  "format",     "isdigit", "join",  "lower",
    "lstrip",     "replace", "rstrip",   "split", "startswith", "strip",   "title", "upper"};
constexpr std::string_view kListMethods[] = {"append", "count", "extend", "index", "insert", "pop"};
constexpr std::string_view kDictMethods[] = {"copy", "get",    "items", "keys",
                                             "pop",  "update", "values"};

template <size_t N>
bool Listed(const std::string_view (&names)[N], std::string_view name) {
  return std::find(std::begin(names), std::end(names), name) != std::end(names);
}

}  // namespace

bool HasMethod(const Value& object, std::string_view name) {
  switch (object.kind()) {
    case Value::Kind::kString:
      return Listed(kStringMethods, name);
    case Value::Kind::kList:
      return Listed(kListMethods, name);
    case Value::Kind::kDict:
      return Listed(kDictMethods, name);
    default:
      return false;
  }
}

Result<Value> CallMethod(const Value& object, std::string_view name, const CallArgs& args) {
  switch (object.kind()) {
    case Value::Kind::kString:
      return StringMethod(object.as_string(), name, args);
    case Value::Kind::kList:
      return ListMethod(object.as_list(), name, args);
    case Value::Kind::kDict:
      return DictMethod(object.as_dict(), name, args);
    default:
      return InvalidArgumentError("a " + std::string(object.TypeName()) + " has no methods");
  }
}

}  // namespace shoplytics::transform::jinja::internal
