// Value: what a Jinja expression evaluates to.
//
// A Value is undefined, none, a bool, an int64, a double, a string, a list, an
// insertion-ordered dict with string keys, or a callable (a native function or a macro).
// Lists, dicts and callables are shared by reference, as in Python: copying a Value that
// holds a list copies a pointer, and `{% do xs.append(1) %}` is seen by every copy.
// Values are not thread-safe; a Value shared between threads must not be mutated.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "common/status.h"

namespace shoplytics::transform::jinja {

class Value;
struct CallArgs;

// Hashes std::string and std::string_view alike, so maps keyed by std::string can be
// searched with a string_view without building a string.
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// A native function or a macro. It returns a Value or a kInvalidArgument Status whose
// message says what was wrong with the call (the engine adds file:line:col).
using NativeFunction = std::function<Result<Value>(const CallArgs&)>;

struct Callable {
  std::string name;
  NativeFunction function;
  // Set by the engine for macros, whose errors already carry file:line:col.
  bool is_macro = false;
};

// An insertion-ordered map from string keys to Values.
class Dict {
 public:
  using Entry = std::pair<std::string, Value>;

  Dict() = default;
  Dict(std::initializer_list<Entry> entries);

  // Returns the value of `key`, or nullptr.
  const Value* Find(std::string_view key) const;
  Value* Find(std::string_view key);
  // Inserts or overwrites; a new key goes last, an existing key keeps its place.
  void Set(std::string key, Value value);
  bool Erase(std::string_view key);

  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  const std::vector<Entry>& entries() const { return entries_; }
  auto begin() const { return entries_.begin(); }
  auto end() const { return entries_.end(); }

 private:
  // Small dicts (the common case: loop, this, target) are searched linearly; the index
  // is built once a dict grows past kIndexThreshold entries.
  static constexpr size_t kIndexThreshold = 8;
  void Reindex();

  std::vector<Entry> entries_;
  std::unordered_map<std::string, size_t, StringHash, std::equal_to<>>
      index_;  // empty below kIndexThreshold
};

using List = std::vector<Value>;

// The arguments of a call: positional, then keyword in the order written.
struct CallArgs {
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> keyword;

  // The keyword argument `name`, or else positional argument `index`, or nullptr.
  const Value* Get(size_t index, std::string_view name) const;
  const Value* Keyword(std::string_view name) const;
};

class Value {
 public:
  enum class Kind { kUndefined, kNone, kBool, kInt, kDouble, kString, kList, kDict, kCallable };

  // Undefined. `name` is what was looked up, for error messages ("'x' is undefined").
  Value() = default;
  static Value Undefined(std::string name);
  static Value None();
  Value(bool b) : data_(b) {}                           // NOLINT: implicit by design
  Value(int i) : data_(int64_t{i}) {}                   // NOLINT
  Value(int64_t i) : data_(i) {}                        // NOLINT
  Value(double d) : data_(d) {}                         // NOLINT
  Value(std::string s) : data_(std::move(s)) {}         // NOLINT
  Value(std::string_view s) : data_(std::string(s)) {}  // NOLINT
  Value(const char* s) : data_(std::string(s)) {}       // NOLINT
  Value(List list) : data_(std::make_shared<List>(std::move(list))) {}  // NOLINT
  Value(Dict dict) : data_(std::make_shared<Dict>(std::move(dict))) {}  // NOLINT
  // A callable value. A dict with a callable "__call__" entry can also be called, so an
  // object such as dbt's config can be both called and have methods (config.get).
  static Value Function(std::string name, NativeFunction function, bool is_macro = false);

  Kind kind() const { return static_cast<Kind>(data_.index()); }
  bool is_undefined() const { return kind() == Kind::kUndefined; }
  bool is_none() const { return kind() == Kind::kNone; }
  bool is_bool() const { return kind() == Kind::kBool; }
  bool is_int() const { return kind() == Kind::kInt; }
  bool is_double() const { return kind() == Kind::kDouble; }
  bool is_number() const { return is_int() || is_double(); }
  bool is_string() const { return kind() == Kind::kString; }
  bool is_list() const { return kind() == Kind::kList; }
  bool is_dict() const { return kind() == Kind::kDict; }
  bool is_callable() const { return kind() == Kind::kCallable; }

  // Preconditions: the matching is_*().
  bool as_bool() const { return std::get<bool>(data_); }
  int64_t as_int() const { return std::get<int64_t>(data_); }
  double as_double() const { return std::get<double>(data_); }
  // An int, a double or a bool as a double.
  double as_number() const;
  const std::string& as_string() const { return std::get<std::string>(data_); }
  List& as_list() const { return *std::get<std::shared_ptr<List>>(data_); }
  Dict& as_dict() const { return *std::get<std::shared_ptr<Dict>>(data_); }
  const Callable& as_callable() const { return *std::get<std::shared_ptr<Callable>>(data_); }
  // The name an undefined value was looked up by ("" if none).
  const std::string& undefined_name() const { return std::get<UndefinedTag>(data_).name; }

  // Jinja truthiness: undefined, none, false, 0, 0.0, "", [] and {} are false.
  bool Truthy() const;
  // What {{ value }} prints: undefined prints nothing, none "None", booleans "True" and
  // "False", doubles as Python prints them ("1.0"), lists and dicts as Python's repr;
  // but a dict with a string "__str__" entry prints as that string, so an object such as
  // dbt's relation (this, ref('x')) prints as "db"."schema"."table" and has attributes.
  std::string ToString() const;
  void AppendTo(std::string& out) const;
  // Python's repr: strings quoted.
  std::string Repr() const;
  // "undefined", "none", "bool", "int", "float", "string", "list", "dict", "callable".
  std::string_view TypeName() const;

  // Python equality: 1 == 1.0 == True; lists and dicts compare by contents.
  friend bool operator==(const Value& a, const Value& b);

 private:
  struct UndefinedTag {
    std::string name;
  };
  struct NoneTag {};
  std::variant<UndefinedTag, NoneTag, bool, int64_t, double, std::string, std::shared_ptr<List>,
               std::shared_ptr<Dict>, std::shared_ptr<Callable>>
      data_;
};

// Python ordering for <, <=, >, >=: numbers with numbers, strings with strings, lists
// element-wise. Returns <0, 0 or >0, or an error naming both types.
Result<int> Compare(const Value& a, const Value& b);

// Arithmetic as Python does it: + (numbers, strings, lists), - * / // % **, and
// "format %s" % args (%s %r %d %i %f %%). Division by zero and unsupported types are
// kInvalidArgument.
Result<Value> Add(const Value& a, const Value& b);
Result<Value> Subtract(const Value& a, const Value& b);
Result<Value> Multiply(const Value& a, const Value& b);
Result<Value> Divide(const Value& a, const Value& b);
Result<Value> FloorDivide(const Value& a, const Value& b);
Result<Value> Modulo(const Value& a, const Value& b);
Result<Value> Power(const Value& a, const Value& b);
// `needle in haystack`: substring, list element, dict key; nothing is in undefined.
Result<bool> Contains(const Value& haystack, const Value& needle);

// JSON text of a value (tojson): undefined and none as null, callables an error.
Result<std::string> ToJson(const Value& value, int indent = -1);

}  // namespace shoplytics::transform::jinja
