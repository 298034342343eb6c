// The syntax tree of a parsed template. Every node keeps the byte offset where it starts,
// so runtime errors can say file:line:col.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "transform/jinja/internal/filters.h"
#include "transform/jinja/value.h"

namespace shoplytics::transform::jinja::internal {

struct Expr;
struct Node;
using ExprPtr = std::unique_ptr<Expr>;
using NodePtr = std::unique_ptr<Node>;
using Body = std::vector<NodePtr>;

struct Arguments {
  std::vector<ExprPtr> positional;
  std::vector<std::pair<std::string, ExprPtr>> keyword;
  ExprPtr star_positional;  // f(*xs): appended to the positional arguments; may be null
  ExprPtr star_keyword;     // f(**d): appended to the keyword arguments; may be null
};

enum class BinaryOp {
  kAdd,
  kSubtract,
  kMultiply,
  kDivide,
  kFloorDivide,
  kModulo,
  kPower,
  kConcat,
  kAnd,
  kOr,
  kEqual,
  kNotEqual,
  kLess,
  kLessEqual,
  kGreater,
  kGreaterEqual,
  kIn,
  kNotIn,
};

struct Expr {
  enum class Kind {
    kLiteral,
    kName,
    kList,
    kDict,
    kAttribute,
    kIndex,
    kSlice,
    kCall,
    kFilter,
    kTest,
    kNot,
    kNegate,
    kBinary,
    kCompare,
    kConditional,
  };
  Expr(Kind kind, uint32_t offset) : kind(kind), offset(offset) {}
  virtual ~Expr() = default;
  const Kind kind;
  const uint32_t offset;
};

struct LiteralExpr : Expr {
  LiteralExpr(uint32_t offset, Value value)
      : Expr(Kind::kLiteral, offset), value(std::move(value)) {}
  Value value;
};

struct NameExpr : Expr {
  NameExpr(uint32_t offset, std::string name) : Expr(Kind::kName, offset), name(std::move(name)) {}
  std::string name;
};

// Lists and tuples (both evaluate to lists).
struct ListExpr : Expr {
  explicit ListExpr(uint32_t offset) : Expr(Kind::kList, offset) {}
  std::vector<ExprPtr> items;
};

struct DictExpr : Expr {
  explicit DictExpr(uint32_t offset) : Expr(Kind::kDict, offset) {}
  std::vector<std::pair<ExprPtr, ExprPtr>> items;
};

struct AttributeExpr : Expr {
  AttributeExpr(uint32_t offset, ExprPtr object, std::string name)
      : Expr(Kind::kAttribute, offset), object(std::move(object)), name(std::move(name)) {}
  ExprPtr object;
  std::string name;
};

struct IndexExpr : Expr {
  IndexExpr(uint32_t offset, ExprPtr object, ExprPtr index)
      : Expr(Kind::kIndex, offset), object(std::move(object)), index(std::move(index)) {}
  ExprPtr object;
  ExprPtr index;
};

struct SliceExpr : Expr {
  explicit SliceExpr(uint32_t offset) : Expr(Kind::kSlice, offset) {}
  ExprPtr object, start, stop, step;  // start, stop and step may be null
};

struct CallExpr : Expr {
  CallExpr(uint32_t offset, ExprPtr callee)
      : Expr(Kind::kCall, offset), callee(std::move(callee)) {}
  ExprPtr callee;
  Arguments args;
};

struct FilterExpr : Expr {
  FilterExpr(uint32_t offset, ExprPtr input, std::string name, FilterFunction function)
      : Expr(Kind::kFilter, offset),
        input(std::move(input)),
        name(std::move(name)),
        function(function) {}
  ExprPtr input;
  std::string name;
  FilterFunction function;
  Arguments args;
};

struct TestExpr : Expr {
  TestExpr(uint32_t offset, ExprPtr input, std::string name, TestFunction function, bool negated)
      : Expr(Kind::kTest, offset),
        input(std::move(input)),
        name(std::move(name)),
        function(function),
        negated(negated) {}
  ExprPtr input;
  std::string name;
  TestFunction function;
  bool negated;
  Arguments args;
};

// `not x` (kNot) and `-x` (kNegate).
struct UnaryExpr : Expr {
  UnaryExpr(Kind kind, uint32_t offset, ExprPtr operand)
      : Expr(kind, offset), operand(std::move(operand)) {}
  ExprPtr operand;
};

struct BinaryExpr : Expr {
  BinaryExpr(uint32_t offset, BinaryOp op, ExprPtr left, ExprPtr right)
      : Expr(Kind::kBinary, offset), op(op), left(std::move(left)), right(std::move(right)) {}
  BinaryOp op;
  ExprPtr left, right;
};

// A chain of comparisons: a < b <= c is a < b and b <= c, each operand evaluated once.
struct CompareExpr : Expr {
  CompareExpr(uint32_t offset, ExprPtr first)
      : Expr(Kind::kCompare, offset), first(std::move(first)) {}
  ExprPtr first;
  std::vector<std::pair<BinaryOp, ExprPtr>> rest;
};

struct ConditionalExpr : Expr {
  explicit ConditionalExpr(uint32_t offset) : Expr(Kind::kConditional, offset) {}
  ExprPtr condition, then, otherwise;  // otherwise may be null (undefined)
};

// ---- statements ----------------------------------------------------------------------

struct Node {
  enum class Kind {
    kText,
    kOutput,
    kIf,
    kFor,
    kSet,
    kSetBlock,
    kMacro,
    kCallBlock,
    kDo,
    kDocs,
    kBreak,
    kContinue
  };
  Node(Kind kind, uint32_t offset) : kind(kind), offset(offset) {}
  virtual ~Node() = default;
  const Kind kind;
  const uint32_t offset;
};

struct TextNode : Node {
  TextNode(uint32_t offset, std::string text) : Node(Kind::kText, offset), text(std::move(text)) {}
  std::string text;
};

struct OutputNode : Node {
  OutputNode(uint32_t offset, ExprPtr expr) : Node(Kind::kOutput, offset), expr(std::move(expr)) {}
  ExprPtr expr;
};

struct IfNode : Node {
  explicit IfNode(uint32_t offset) : Node(Kind::kIf, offset) {}
  std::vector<std::pair<ExprPtr, Body>> branches;  // if, then each elif
  Body otherwise;
};

struct ForNode : Node {
  explicit ForNode(uint32_t offset) : Node(Kind::kFor, offset) {}
  std::vector<std::string> targets;  // one name, or several to unpack each item
  ExprPtr iterable;
  ExprPtr filter;  // `for x in xs if cond`; may be null
  Body body;
  Body otherwise;  // runs when nothing was iterated
};

// {% set x = expr %}, {% set a, b = expr %} or {% set ns.attr = expr %}.
struct SetNode : Node {
  explicit SetNode(uint32_t offset) : Node(Kind::kSet, offset) {}
  std::vector<std::string> targets;
  std::string attribute;  // non-empty for ns.attr: targets[0] is the namespace
  ExprPtr value;
};

// The name under which a block's rendered text is given to its filters.
inline constexpr std::string_view kBlockTextName = " block text";

// {% set x %}...{% endset %}, {% set x | f %}...{% endset %}, and
// {% filter f %}...{% endfilter %} (target empty: the filtered text is output).
struct SetBlockNode : Node {
  SetBlockNode(uint32_t offset, std::string target)
      : Node(Kind::kSetBlock, offset), target(std::move(target)) {}
  std::string target;
  ExprPtr filter;  // filters over NameExpr(kBlockTextName); may be null
  Body body;
};

struct MacroParameter {
  std::string name;
  ExprPtr default_value;  // may be null
};

struct MacroDefinition {
  std::string name;
  uint32_t offset = 0;
  std::vector<MacroParameter> parameters;
  Body body;
  // Whether the body mentions varargs or kwargs: only then may a call pass extra
  // positional or unknown keyword arguments (as in Jinja).
  bool uses_varargs = false;
  bool uses_kwargs = false;
};

struct MacroNode : Node {
  MacroNode(uint32_t offset, std::unique_ptr<MacroDefinition> macro)
      : Node(Kind::kMacro, offset), macro(std::move(macro)) {}
  std::unique_ptr<MacroDefinition> macro;
};

// {% call(params) macro(args) %}body{% endcall %}: the body is the macro's caller().
struct CallBlockNode : Node {
  explicit CallBlockNode(uint32_t offset) : Node(Kind::kCallBlock, offset) {}
  ExprPtr call;                             // a CallExpr
  std::unique_ptr<MacroDefinition> caller;  // name "caller"
};

struct DoNode : Node {
  DoNode(uint32_t offset, ExprPtr expr) : Node(Kind::kDo, offset), expr(std::move(expr)) {}
  ExprPtr expr;
};

struct DocsNode : Node {
  DocsNode(uint32_t offset, std::string name, std::string text)
      : Node(Kind::kDocs, offset), name(std::move(name)), text(std::move(text)) {}
  std::string name;
  std::string text;
};

// A parsed template. Immutable once parsed, so it may be rendered from several threads.
struct TemplateAst {
  std::string file;
  std::string source;  // normalized: \r\n as \n, one trailing newline dropped
  Body body;
};

}  // namespace shoplytics::transform::jinja::internal
