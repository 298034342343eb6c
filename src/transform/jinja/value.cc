#include "transform/jinja/value.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace shoplytics::transform::jinja {

// ---- Dict ----------------------------------------------------------------------------

Dict::Dict(std::initializer_list<Entry> entries) {
  for (const Entry& entry : entries) Set(entry.first, entry.second);
}

const Value* Dict::Find(std::string_view key) const { return const_cast<Dict*>(this)->Find(key); }

Value* Dict::Find(std::string_view key) {
  if (!index_.empty()) {
    auto it = index_.find(key);
    return it == index_.end() ? nullptr : &entries_[it->second].second;
  }
  for (Entry& entry : entries_) {
    if (entry.first == key) return &entry.second;
  }
  return nullptr;
}

void Dict::Set(std::string key, Value value) {
  if (Value* existing = Find(key)) {
    *existing = std::move(value);
    return;
  }
  if (!index_.empty()) index_.emplace(key, entries_.size());
  entries_.emplace_back(std::move(key), std::move(value));
  if (index_.empty() && entries_.size() > kIndexThreshold) Reindex();
}

bool Dict::Erase(std::string_view key) {
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (it->first == key) {
      entries_.erase(it);
      index_.clear();
      if (entries_.size() > kIndexThreshold) Reindex();
      return true;
    }
  }
  return false;
}

void Dict::Reindex() {
  index_.clear();
  for (size_t i = 0; i < entries_.size(); ++i) index_.emplace(entries_[i].first, i);
}

// ---- CallArgs ------------------------------------------------------------------------

const Value* CallArgs::Keyword(std::string_view name) const {
  for (const auto& [key, value] : keyword) {
    if (key == name) return &value;
  }
  return nullptr;
}

const Value* CallArgs::Get(size_t index, std::string_view name) const {
  if (const Value* value = Keyword(name)) return value;
  return index < positional.size() ? &positional[index] : nullptr;
}

// ---- Value ---------------------------------------------------------------------------

Value Value::Undefined(std::string name) {
  Value value;
  value.data_ = UndefinedTag{std::move(name)};
  return value;
}

Value Value::None() {
  Value value;
  value.data_ = NoneTag{};
  return value;
}

Value Value::Function(std::string name, NativeFunction function, bool is_macro) {
  Value value;
  value.data_ =
      std::make_shared<Callable>(Callable{std::move(name), std::move(function), is_macro});
  return value;
}

double Value::as_number() const {
  switch (kind()) {
    case Kind::kInt:
      return static_cast<double>(as_int());
    case Kind::kDouble:
      return as_double();
    case Kind::kBool:
      return as_bool() ? 1 : 0;
    default:
      return 0;
  }
}

bool Value::Truthy() const {
  switch (kind()) {
    case Kind::kUndefined:
    case Kind::kNone:
      return false;
    case Kind::kBool:
      return as_bool();
    case Kind::kInt:
      return as_int() != 0;
    case Kind::kDouble:
      return as_double() != 0;
    case Kind::kString:
      return !as_string().empty();
    case Kind::kList:
      return !as_list().empty();
    case Kind::kDict:
      return !as_dict().empty();
    case Kind::kCallable:
      return true;
  }
  return false;
}

std::string_view Value::TypeName() const {
  static constexpr std::string_view kNames[] = {"undefined", "none", "bool", "int",     "float",
                                                "string",    "list", "dict", "callable"};
  return kNames[static_cast<size_t>(kind())];
}

namespace {

void AppendDouble(double d, std::string& out) {
  if (std::isnan(d)) {
    out += "nan";
    return;
  }
  if (std::isinf(d)) {
    out += d < 0 ? "-inf" : "inf";
    return;
  }
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), d);
  std::string_view text(buffer, end - buffer);
  out += text;
  if (text.find_first_of(".e") == std::string_view::npos) out += ".0";
}

void AppendRepr(const Value& value, std::string& out);

void AppendQuoted(const std::string& s, std::string& out) {
  char quote = (s.find('\'') != std::string::npos && s.find('"') == std::string::npos) ? '"' : '\'';
  out += quote;
  for (char c : s) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (c == quote) out += '\\';
        out += c;
    }
  }
  out += quote;
}

void AppendRepr(const Value& value, std::string& out) {
  if (value.is_string()) {
    AppendQuoted(value.as_string(), out);
  } else if (value.is_undefined()) {
    out += "None";
  } else {
    value.AppendTo(out);
  }
}

}  // namespace

void Value::AppendTo(std::string& out) const {
  switch (kind()) {
    case Kind::kUndefined:
      return;
    case Kind::kNone:
      out += "None";
      return;
    case Kind::kBool:
      out += as_bool() ? "True" : "False";
      return;
    case Kind::kInt: {
      char buffer[24];
      auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), as_int());
      out.append(buffer, end);
      return;
    }
    case Kind::kDouble:
      AppendDouble(as_double(), out);
      return;
    case Kind::kString:
      out += as_string();
      return;
    case Kind::kList: {
      out += '[';
      bool first = true;
      for (const Value& item : as_list()) {
        if (!first) out += ", ";
        first = false;
        AppendRepr(item, out);
      }
      out += ']';
      return;
    }
    case Kind::kDict: {
      if (const Value* text = as_dict().Find("__str__"); text != nullptr && text->is_string()) {
        out += text->as_string();
        return;
      }
      out += '{';
      bool first = true;
      for (const auto& [key, item] : as_dict()) {
        if (!first) out += ", ";
        first = false;
        AppendQuoted(key, out);
        out += ": ";
        AppendRepr(item, out);
      }
      out += '}';
      return;
    }
    case Kind::kCallable:
      out += "<function " + as_callable().name + ">";
      return;
  }
}

std::string Value::ToString() const {
  if (is_string()) return as_string();
  std::string out;
  AppendTo(out);
  return out;
}

std::string Value::Repr() const {
  std::string out;
  AppendRepr(*this, out);
  return out;
}

namespace {

bool IsNumeric(const Value& v) { return v.is_int() || v.is_double() || v.is_bool(); }
bool IsIntegral(const Value& v) { return v.is_int() || v.is_bool(); }
int64_t AsInteger(const Value& v) { return v.is_int() ? v.as_int() : (v.as_bool() ? 1 : 0); }

Status TypeError(std::string_view op, const Value& a, const Value& b) {
  return InvalidArgumentError("unsupported operand types for " + std::string(op) + ": " +
                              std::string(a.TypeName()) + " and " + std::string(b.TypeName()));
}

}  // namespace

bool operator==(const Value& a, const Value& b) {
  if (IsNumeric(a) && IsNumeric(b)) {
    if (IsIntegral(a) && IsIntegral(b)) return AsInteger(a) == AsInteger(b);
    return a.as_number() == b.as_number();
  }
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Value::Kind::kUndefined:
    case Value::Kind::kNone:
      return true;
    case Value::Kind::kString:
      return a.as_string() == b.as_string();
    case Value::Kind::kList:
      return a.as_list() == b.as_list();
    case Value::Kind::kDict: {
      const Dict& x = a.as_dict();
      const Dict& y = b.as_dict();
      if (x.size() != y.size()) return false;
      for (const auto& [key, value] : x) {
        const Value* other = y.Find(key);
        if (other == nullptr || !(*other == value)) return false;
      }
      return true;
    }
    case Value::Kind::kCallable:
      return &a.as_callable() == &b.as_callable();
    default:
      return false;
  }
}

Result<int> Compare(const Value& a, const Value& b) {
  if (IsNumeric(a) && IsNumeric(b)) {
    if (IsIntegral(a) && IsIntegral(b)) {
      int64_t x = AsInteger(a), y = AsInteger(b);
      return x < y ? -1 : (x > y ? 1 : 0);
    }
    double x = a.as_number(), y = b.as_number();
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  if (a.is_string() && b.is_string()) {
    int c = a.as_string().compare(b.as_string());
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  if (a.is_list() && b.is_list()) {
    const List& x = a.as_list();
    const List& y = b.as_list();
    for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
      ASSIGN_OR_RETURN(int c, Compare(x[i], y[i]));
      if (c != 0) return c;
    }
    return x.size() < y.size() ? -1 : (x.size() > y.size() ? 1 : 0);
  }
  return InvalidArgumentError("cannot compare " + std::string(a.TypeName()) + " with " +
                              std::string(b.TypeName()));
}

Result<Value> Add(const Value& a, const Value& b) {
  if (IsIntegral(a) && IsIntegral(b)) {
    int64_t out;
    if (__builtin_add_overflow(AsInteger(a), AsInteger(b), &out)) {
      return InvalidArgumentError("integer overflow in +");
    }
    return Value(out);
  }
  if (IsNumeric(a) && IsNumeric(b)) return Value(a.as_number() + b.as_number());
  if (a.is_string() && b.is_string()) return Value(a.as_string() + b.as_string());
  if (a.is_list() && b.is_list()) {
    List out = a.as_list();
    out.insert(out.end(), b.as_list().begin(), b.as_list().end());
    return Value(std::move(out));
  }
  return TypeError("+", a, b);
}

Result<Value> Subtract(const Value& a, const Value& b) {
  if (IsIntegral(a) && IsIntegral(b)) {
    int64_t out;
    if (__builtin_sub_overflow(AsInteger(a), AsInteger(b), &out)) {
      return InvalidArgumentError("integer overflow in -");
    }
    return Value(out);
  }
  if (IsNumeric(a) && IsNumeric(b)) return Value(a.as_number() - b.as_number());
  return TypeError("-", a, b);
}

namespace {

template <typename T>
Result<Value> Repeat(const T& item, const Value& count) {
  T out;
  for (int64_t i = 0; i < AsInteger(count); ++i) out.insert(out.end(), item.begin(), item.end());
  return Value(std::move(out));
}

}  // namespace

Result<Value> Multiply(const Value& a, const Value& b) {
  if (IsIntegral(a) && IsIntegral(b)) {
    int64_t out;
    if (__builtin_mul_overflow(AsInteger(a), AsInteger(b), &out)) {
      return InvalidArgumentError("integer overflow in *");
    }
    return Value(out);
  }
  if (IsNumeric(a) && IsNumeric(b)) return Value(a.as_number() * b.as_number());
  if (a.is_string() && IsIntegral(b)) return Repeat(a.as_string(), b);
  if (IsIntegral(a) && b.is_string()) return Repeat(b.as_string(), a);
  if (a.is_list() && IsIntegral(b)) return Repeat(a.as_list(), b);
  return TypeError("*", a, b);
}

Result<Value> Divide(const Value& a, const Value& b) {
  if (!IsNumeric(a) || !IsNumeric(b)) return TypeError("/", a, b);
  if (b.as_number() == 0) return InvalidArgumentError("division by zero");
  return Value(a.as_number() / b.as_number());
}

Result<Value> FloorDivide(const Value& a, const Value& b) {
  if (!IsNumeric(a) || !IsNumeric(b)) return TypeError("//", a, b);
  if (b.as_number() == 0) return InvalidArgumentError("division by zero");
  if (IsIntegral(a) && IsIntegral(b)) {
    int64_t x = AsInteger(a), y = AsInteger(b);
    int64_t q = x / y;
    if ((x % y != 0) && ((x < 0) != (y < 0))) --q;
    return Value(q);
  }
  return Value(std::floor(a.as_number() / b.as_number()));
}

namespace {

// Python's printf-style "text %s" % args for %s, %r, %d, %i, %f (with an optional
// precision, as in %.2f) and %%. A list on the right gives several arguments.
Result<Value> FormatPercent(const std::string& format, const Value& args) {
  const List single{args};
  const List& items = args.is_list() ? args.as_list() : single;
  size_t next = 0;
  std::string out;
  for (size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%') {
      out += format[i];
      continue;
    }
    size_t j = i + 1;
    int precision = -1;
    if (j < format.size() && format[j] == '.') {
      precision = 0;
      for (++j; j < format.size() && format[j] >= '0' && format[j] <= '9'; ++j) {
        precision = precision * 10 + (format[j] - '0');
      }
    }
    if (j >= format.size()) return InvalidArgumentError("incomplete format");
    char conversion = format[j];
    i = j;
    if (conversion == '%') {
      out += '%';
      continue;
    }
    if (next >= items.size()) return InvalidArgumentError("not enough arguments for format string");
    const Value& item = items[next++];
    switch (conversion) {
      case 's':
        item.AppendTo(out);
        break;
      case 'r':
        out += item.Repr();
        break;
      case 'd':
      case 'i':
        if (!IsNumeric(item)) return InvalidArgumentError("%d format: a number is required");
        out += std::to_string(item.is_double() ? static_cast<int64_t>(item.as_double())
                                               : AsInteger(item));
        break;
      case 'f': {
        if (!IsNumeric(item)) return InvalidArgumentError("%f format: a number is required");
        char buffer[512];
        std::snprintf(buffer, sizeof(buffer), "%.*f", precision < 0 ? 6 : precision,
                      item.as_number());
        out += buffer;
        break;
      }
      default:
        return InvalidArgumentError(std::string("unsupported format character '") + conversion +
                                    "'");
    }
  }
  if (next < items.size()) {
    return InvalidArgumentError("not all arguments converted during string formatting");
  }
  return Value(std::move(out));
}

}  // namespace

Result<Value> Modulo(const Value& a, const Value& b) {
  if (a.is_string()) return FormatPercent(a.as_string(), b);
  if (!IsNumeric(a) || !IsNumeric(b)) return TypeError("%", a, b);
  if (b.as_number() == 0) return InvalidArgumentError("modulo by zero");
  if (IsIntegral(a) && IsIntegral(b)) {
    int64_t x = AsInteger(a), y = AsInteger(b);
    int64_t r = x % y;
    if (r != 0 && ((r < 0) != (y < 0))) r += y;
    return Value(r);
  }
  double x = a.as_number(), y = b.as_number();
  double r = std::fmod(x, y);
  if (r != 0 && ((r < 0) != (y < 0))) r += y;
  return Value(r);
}

Result<Value> Power(const Value& a, const Value& b) {
  if (!IsNumeric(a) || !IsNumeric(b)) return TypeError("**", a, b);
  if (IsIntegral(a) && IsIntegral(b) && AsInteger(b) >= 0) {
    int64_t base = AsInteger(a), out = 1;
    for (int64_t i = 0; i < AsInteger(b); ++i) {
      if (__builtin_mul_overflow(out, base, &out)) {
        return InvalidArgumentError("integer overflow in **");
      }
    }
    return Value(out);
  }
  return Value(std::pow(a.as_number(), b.as_number()));
}

Result<bool> Contains(const Value& haystack, const Value& needle) {
  switch (haystack.kind()) {
    case Value::Kind::kUndefined:  // Jinja's Undefined iterates as empty
      return false;
    case Value::Kind::kString:
      if (!needle.is_string()) {
        return InvalidArgumentError("'in <string>' requires a string on the left, not " +
                                    std::string(needle.TypeName()));
      }
      return haystack.as_string().find(needle.as_string()) != std::string::npos;
    case Value::Kind::kList:
      return std::find(haystack.as_list().begin(), haystack.as_list().end(), needle) !=
             haystack.as_list().end();
    case Value::Kind::kDict:
      return needle.is_string() && haystack.as_dict().Find(needle.as_string()) != nullptr;
    default:
      return InvalidArgumentError("argument of type " + std::string(haystack.TypeName()) +
                                  " is not iterable");
  }
}

// ---- JSON ----------------------------------------------------------------------------

namespace {

// Python's json.dumps with ensure_ascii: non-ASCII as \uXXXX (surrogate pairs above
// U+FFFF). Jinja's tojson also escapes <, >, & and ' so the text is safe in HTML.
void AppendJsonString(const std::string& s, std::string& out) {
  out += '"';
  char buffer[16];
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"':
        out += "\\\"";
        continue;
      case '\\':
        out += "\\\\";
        continue;
      case '\n':
        out += "\\n";
        continue;
      case '\r':
        out += "\\r";
        continue;
      case '\t':
        out += "\\t";
        continue;
      case '\b':
        out += "\\b";
        continue;
      case '\f':
        out += "\\f";
        continue;
      case '<':
      case '>':
      case '&':
      case '\'':
        std::snprintf(buffer, sizeof(buffer), "\\u%04x", c);
        out += buffer;
        continue;
      default:
        break;
    }
    if (c < 0x20) {
      std::snprintf(buffer, sizeof(buffer), "\\u%04x", c);
      out += buffer;
      continue;
    }
    if (c < 0x80) {
      out += static_cast<char>(c);
      continue;
    }
    // Decode one UTF-8 sequence; invalid bytes pass through as U+FFFD.
    int length = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
    uint32_t code = length == 4 ? (c & 0x07) : length == 3 ? (c & 0x0F) : (c & 0x1F);
    bool valid = length > 0 && i + length <= s.size();
    for (int k = 1; valid && k < length; ++k) {
      unsigned char next = static_cast<unsigned char>(s[i + k]);
      if ((next & 0xC0) != 0x80) valid = false;
      code = (code << 6) | (next & 0x3F);
    }
    if (!valid) {
      out += "\\ufffd";
      continue;
    }
    i += length - 1;
    if (code >= 0x10000) {
      code -= 0x10000;
      std::snprintf(buffer, sizeof(buffer), "\\u%04x\\u%04x", 0xD800 + (code >> 10),
                    0xDC00 + (code & 0x3FF));
    } else {
      std::snprintf(buffer, sizeof(buffer), "\\u%04x", code);
    }
    out += buffer;
  }
  out += '"';
}

void AppendNewline(int indent, int depth, std::string& out) {
  out += '\n';
  out.append(static_cast<size_t>(indent * depth), ' ');
}

Status AppendJson(const Value& value, int indent, int depth, std::string& out) {
  switch (value.kind()) {
    case Value::Kind::kUndefined:
    case Value::Kind::kNone:
      out += "null";
      return OkStatus();
    case Value::Kind::kBool:
      out += value.as_bool() ? "true" : "false";
      return OkStatus();
    case Value::Kind::kInt:
    case Value::Kind::kDouble:
      if (value.is_double() && !std::isfinite(value.as_double())) {
        out += std::isnan(value.as_double()) ? "NaN"
                                             : (value.as_double() < 0 ? "-Infinity" : "Infinity");
      } else {
        value.AppendTo(out);
      }
      return OkStatus();
    case Value::Kind::kString:
      AppendJsonString(value.as_string(), out);
      return OkStatus();
    case Value::Kind::kList: {
      const List& list = value.as_list();
      out += '[';
      for (size_t i = 0; i < list.size(); ++i) {
        if (i > 0) out += indent >= 0 ? "," : ", ";
        if (indent >= 0) AppendNewline(indent, depth + 1, out);
        RETURN_IF_ERROR(AppendJson(list[i], indent, depth + 1, out));
      }
      if (indent >= 0 && !list.empty()) AppendNewline(indent, depth, out);
      out += ']';
      return OkStatus();
    }
    case Value::Kind::kDict: {
      // Jinja's tojson sorts keys (json.dumps(sort_keys=True)).
      std::vector<const Dict::Entry*> entries;
      for (const Dict::Entry& entry : value.as_dict()) entries.push_back(&entry);
      std::sort(entries.begin(), entries.end(),
                [](const Dict::Entry* x, const Dict::Entry* y) { return x->first < y->first; });
      out += '{';
      for (size_t i = 0; i < entries.size(); ++i) {
        if (i > 0) out += indent >= 0 ? "," : ", ";
        if (indent >= 0) AppendNewline(indent, depth + 1, out);
        AppendJsonString(entries[i]->first, out);
        out += ": ";
        RETURN_IF_ERROR(AppendJson(entries[i]->second, indent, depth + 1, out));
      }
      if (indent >= 0 && !entries.empty()) AppendNewline(indent, depth, out);
      out += '}';
      return OkStatus();
    }
    case Value::Kind::kCallable:
      return InvalidArgumentError("a callable (" + value.as_callable().name +
                                  ") is not JSON serializable");
  }
  return OkStatus();
}

}  // namespace

Result<std::string> ToJson(const Value& value, int indent) {
  std::string out;
  RETURN_IF_ERROR(AppendJson(value, indent, 0, out));
  return out;
}

}  // namespace shoplytics::transform::jinja
