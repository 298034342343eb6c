#include "transform/jinja/internal/renderer.h"

#include <algorithm>

#include "transform/jinja/environment.h"
#include "transform/jinja/internal/filters.h"
#include "transform/jinja/internal/lexer.h"
#include "transform/jinja/internal/methods.h"

namespace shoplytics::transform::jinja::internal {
namespace {

// Macros of macro files are bound to the locals of the render that calls them, as dbt
// binds macros to the calling model's context.
thread_local const Dict* t_render_locals = nullptr;
thread_local int t_call_depth = 0;
constexpr int kMaxCallDepth = 200;

}  // namespace

ScopedRenderLocals::ScopedRenderLocals(const Dict* locals) : previous_(t_render_locals) {
  t_render_locals = locals;
}
ScopedRenderLocals::~ScopedRenderLocals() { t_render_locals = previous_; }

const Value* Frame::Find(std::string_view name) const {
  for (const Frame* frame = this; frame != nullptr; frame = frame->parent) {
    for (const auto& [key, value] : frame->vars) {
      if (key == name) return &value;
    }
    if (frame->locals != nullptr) {
      if (const Value* value = frame->locals->Find(name)) return value;
    }
  }
  return nullptr;
}

void Frame::Set(std::string_view name, Value value) {
  for (auto& [key, existing] : vars) {
    if (key == name) {
      existing = std::move(value);
      return;
    }
  }
  vars.emplace_back(std::string(name), std::move(value));
}

namespace {

enum class Flow { kNormal, kReturn, kBreak, kContinue };

// A readable name for an expression in errors: x, x.y, x['k'], or the kind of thing.
std::string Describe(const Expr& expr) {
  switch (expr.kind) {
    case Expr::Kind::kName:
      return static_cast<const NameExpr&>(expr).name;
    case Expr::Kind::kAttribute: {
      const auto& attr = static_cast<const AttributeExpr&>(expr);
      return Describe(*attr.object) + "." + attr.name;
    }
    case Expr::Kind::kCall:
      return Describe(*static_cast<const CallExpr&>(expr).callee) + "()";
    case Expr::Kind::kIndex:
      return Describe(*static_cast<const IndexExpr&>(expr).object) + "[...]";
    default:
      return "the expression";
  }
}

class Renderer {
 public:
  Renderer(const Environment& env, const TemplateAst& ast) : env_(env), ast_(ast) {}

  Flow flow() const { return flow_; }
  Value& return_value() { return return_value_; }

  Status Exec(const Body& body, Frame& frame, std::string& out) {
    for (const NodePtr& node : body) {
      RETURN_IF_ERROR(ExecNode(*node, frame, out));
      if (flow_ != Flow::kNormal) return OkStatus();
    }
    return OkStatus();
  }

  Result<Value> Eval(const Expr& expr, Frame& frame) { return EvalExpr(expr, frame); }

 private:
  Status Error(uint32_t offset, const std::string& message) const {
    return InvalidArgumentError(ast_.file + ":" + LineCol(ast_.source, offset) + ": " + message);
  }
  Status Located(uint32_t offset, const Status& status) const {
    return Status(status.code(),
                  ast_.file + ":" + LineCol(ast_.source, offset) + ": " + status.message());
  }

  // ---- statements ----

  Status ExecNode(const Node& node, Frame& frame, std::string& out) {
    switch (node.kind) {
      case Node::Kind::kText:
        out += static_cast<const TextNode&>(node).text;
        return OkStatus();
      case Node::Kind::kOutput: {
        ASSIGN_OR_RETURN(Value value, Eval(*static_cast<const OutputNode&>(node).expr, frame));
        value.AppendTo(out);
        return OkStatus();
      }
      case Node::Kind::kIf:
        return ExecIf(static_cast<const IfNode&>(node), frame, out);
      case Node::Kind::kFor:
        return ExecFor(static_cast<const ForNode&>(node), frame, out);
      case Node::Kind::kSet:
        return ExecSet(static_cast<const SetNode&>(node), frame);
      case Node::Kind::kSetBlock: {
        const auto& set = static_cast<const SetBlockNode&>(node);
        std::string text;
        RETURN_IF_ERROR(Exec(set.body, frame, text));
        Value value(std::move(text));
        if (set.filter != nullptr) {
          Frame filter_frame{&frame, nullptr, {}};
          filter_frame.Set(kBlockTextName, std::move(value));
          ASSIGN_OR_RETURN(value, Eval(*set.filter, filter_frame));
        }
        if (set.target.empty()) {
          value.AppendTo(out);
        } else {
          frame.Set(set.target, std::move(value));
        }
        return OkStatus();
      }
      case Node::Kind::kMacro: {
        const MacroDefinition& macro = *static_cast<const MacroNode&>(node).macro;
        frame.Set(macro.name, MakeMacro(env_, ast_, macro, &frame));
        return OkStatus();
      }
      case Node::Kind::kCallBlock: {
        const auto& call = static_cast<const CallBlockNode&>(node);
        Value caller = MakeMacro(env_, ast_, *call.caller, &frame);
        ASSIGN_OR_RETURN(Value result,
                         EvalCall(static_cast<const CallExpr&>(*call.call), frame, &caller));
        result.AppendTo(out);
        return OkStatus();
      }
      case Node::Kind::kDo: {
        ASSIGN_OR_RETURN(Value ignored, Eval(*static_cast<const DoNode&>(node).expr, frame));
        return OkStatus();
      }
      case Node::Kind::kDocs:
        return OkStatus();
      case Node::Kind::kBreak:
        flow_ = Flow::kBreak;
        return OkStatus();
      case Node::Kind::kContinue:
        flow_ = Flow::kContinue;
        return OkStatus();
    }
    return OkStatus();
  }

  Status ExecIf(const IfNode& node, Frame& frame, std::string& out) {
    for (const auto& [condition, body] : node.branches) {
      ASSIGN_OR_RETURN(Value test, Eval(*condition, frame));
      if (test.Truthy()) return Exec(body, frame, out);
    }
    return Exec(node.otherwise, frame, out);
  }

  Status Bind(const std::vector<std::string>& targets, const Value& value, Frame& frame,
              uint32_t offset) {
    if (targets.size() == 1) {
      frame.Set(targets[0], value);
      return OkStatus();
    }
    if (!value.is_list() || value.as_list().size() != targets.size()) {
      std::string got = value.is_list() ? std::to_string(value.as_list().size()) + " values"
                                        : "a " + std::string(value.TypeName());
      return Error(offset,
                   "cannot unpack " + got + " into " + std::to_string(targets.size()) + " names");
    }
    for (size_t i = 0; i < targets.size(); ++i) frame.Set(targets[i], value.as_list()[i]);
    return OkStatus();
  }

  Status ExecFor(const ForNode& node, Frame& frame, std::string& out) {
    ASSIGN_OR_RETURN(Value iterable, Eval(*node.iterable, frame));
    Result<List> items = Iterate(iterable);
    if (!items.ok()) {
      return Error(node.iterable->offset, "cannot loop over " + Describe(*node.iterable) + ": " +
                                              items.status().message());
    }
    Frame loop_frame{&frame, nullptr, {}};
    if (node.filter != nullptr) {
      List kept;
      for (Value& item : *items) {
        RETURN_IF_ERROR(Bind(node.targets, item, loop_frame, node.offset));
        ASSIGN_OR_RETURN(Value keep, Eval(*node.filter, loop_frame));
        if (keep.Truthy()) kept.push_back(std::move(item));
      }
      *items = std::move(kept);
    }
    if (items->empty()) return Exec(node.otherwise, frame, out);

    int64_t length = static_cast<int64_t>(items->size());
    auto position = std::make_shared<int64_t>(0);
    Value cycle = Value::Function("loop.cycle", [position](const CallArgs& args) {
      if (args.positional.empty()) {
        return Result<Value>(InvalidArgumentError("loop.cycle() needs arguments"));
      }
      size_t n = args.positional.size();
      return Result<Value>(args.positional[static_cast<size_t>(*position) % n]);
    });
    // All fields exist before pointers to them are taken: Set may move the entries.
    Value loop(Dict{{"index", 1},
                    {"index0", 0},
                    {"revindex", length},
                    {"revindex0", length - 1},
                    {"first", true},
                    {"last", false},
                    {"length", length},
                    {"previtem", Value::Undefined("loop.previtem")},
                    {"nextitem", Value::Undefined("loop.nextitem")},
                    {"cycle", cycle}});
    Dict& fields = loop.as_dict();
    Value* index = fields.Find("index");
    Value* index0 = fields.Find("index0");
    Value* revindex = fields.Find("revindex");
    Value* revindex0 = fields.Find("revindex0");
    Value* first = fields.Find("first");
    Value* last = fields.Find("last");
    Value* previtem = fields.Find("previtem");
    Value* nextitem = fields.Find("nextitem");
    loop_frame.Set("loop", loop);
    for (int64_t i = 0; i < length; ++i) {
      *position = i;
      *previtem = i > 0 ? (*items)[static_cast<size_t>(i - 1)] : Value::Undefined("loop.previtem");
      *nextitem =
          i + 1 < length ? (*items)[static_cast<size_t>(i + 1)] : Value::Undefined("loop.nextitem");
      *index = Value(i + 1);
      *index0 = Value(i);
      *revindex = Value(length - i);
      *revindex0 = Value(length - i - 1);
      *first = Value(i == 0);
      *last = Value(i == length - 1);
      RETURN_IF_ERROR(
          Bind(node.targets, (*items)[static_cast<size_t>(i)], loop_frame, node.offset));
      RETURN_IF_ERROR(Exec(node.body, loop_frame, out));
      if (flow_ == Flow::kReturn) return OkStatus();
      bool stop = flow_ == Flow::kBreak;
      flow_ = Flow::kNormal;
      if (stop) break;
    }
    return OkStatus();
  }

  Status ExecSet(const SetNode& node, Frame& frame) {
    ASSIGN_OR_RETURN(Value value, Eval(*node.value, frame));
    if (node.attribute.empty()) return Bind(node.targets, value, frame, node.offset);
    const Value* object = frame.Find(node.targets[0]);
    if (object == nullptr || !object->is_dict()) {
      return Error(node.offset, "cannot set attribute '" + node.attribute + "' of '" +
                                    node.targets[0] + "': it is not a namespace or dict");
    }
    object->as_dict().Set(node.attribute, std::move(value));
    return OkStatus();
  }

  // ---- expressions ----

  Result<Value> EvalExpr(const Expr& expr, Frame& frame) {
    switch (expr.kind) {
      case Expr::Kind::kLiteral:
        return static_cast<const LiteralExpr&>(expr).value;
      case Expr::Kind::kName:
        return EvalName(static_cast<const NameExpr&>(expr), frame);
      case Expr::Kind::kList: {
        List list;
        list.reserve(static_cast<const ListExpr&>(expr).items.size());
        for (const ExprPtr& item : static_cast<const ListExpr&>(expr).items) {
          ASSIGN_OR_RETURN(Value value, Eval(*item, frame));
          list.push_back(std::move(value));
        }
        return Value(std::move(list));
      }
      case Expr::Kind::kDict: {
        Dict dict;
        for (const auto& [key_expr, value_expr] : static_cast<const DictExpr&>(expr).items) {
          ASSIGN_OR_RETURN(Value key, Eval(*key_expr, frame));
          if (!key.is_string()) {
            return Error(key_expr->offset,
                         "dict keys must be strings, not " + std::string(key.TypeName()));
          }
          ASSIGN_OR_RETURN(Value value, Eval(*value_expr, frame));
          dict.Set(key.as_string(), std::move(value));
        }
        return Value(std::move(dict));
      }
      case Expr::Kind::kAttribute:
        return EvalAttribute(static_cast<const AttributeExpr&>(expr), frame);
      case Expr::Kind::kIndex:
        return EvalIndex(static_cast<const IndexExpr&>(expr), frame);
      case Expr::Kind::kSlice:
        return EvalSlice(static_cast<const SliceExpr&>(expr), frame);
      case Expr::Kind::kCall:
        return EvalCall(static_cast<const CallExpr&>(expr), frame, nullptr);
      case Expr::Kind::kFilter:
        return EvalFilter(static_cast<const FilterExpr&>(expr), frame);
      case Expr::Kind::kTest:
        return EvalTest(static_cast<const TestExpr&>(expr), frame);
      case Expr::Kind::kNot: {
        ASSIGN_OR_RETURN(Value operand, Eval(*static_cast<const UnaryExpr&>(expr).operand, frame));
        return Value(!operand.Truthy());
      }
      case Expr::Kind::kNegate: {
        ASSIGN_OR_RETURN(Value operand, Eval(*static_cast<const UnaryExpr&>(expr).operand, frame));
        Result<Value> negated = Subtract(Value(0), operand);
        if (!negated.ok()) {
          return Error(expr.offset, "cannot negate a " + std::string(operand.TypeName()));
        }
        return negated;
      }
      case Expr::Kind::kBinary:
        return EvalBinary(static_cast<const BinaryExpr&>(expr), frame);
      case Expr::Kind::kCompare:
        return EvalCompare(static_cast<const CompareExpr&>(expr), frame);
      case Expr::Kind::kConditional: {
        const auto& conditional = static_cast<const ConditionalExpr&>(expr);
        ASSIGN_OR_RETURN(Value test, Eval(*conditional.condition, frame));
        if (test.Truthy()) return Eval(*conditional.then, frame);
        if (conditional.otherwise == nullptr) return Value::Undefined("");
        return Eval(*conditional.otherwise, frame);
      }
    }
    return Value();
  }

  Result<Value> EvalName(const NameExpr& expr, const Frame& frame) const {
    if (const Value* value = frame.Find(expr.name)) return *value;
    if (const Value* value = env_.FindGlobal(expr.name)) return *value;
    return Value::Undefined(expr.name);
  }

  Status UndefinedError(const Expr& expr, const Value& value, std::string_view doing) const {
    std::string name = value.undefined_name().empty() ? Describe(expr) : value.undefined_name();
    return Error(expr.offset, "'" + name + "' is undefined" + std::string(doing));
  }

  Result<Value> EvalAttribute(const AttributeExpr& expr, Frame& frame) {
    ASSIGN_OR_RETURN(Value object, Eval(*expr.object, frame));
    if (object.is_undefined()) {
      return UndefinedError(*expr.object, object, " (reading its attribute '" + expr.name + "')");
    }
    if (object.is_dict()) {
      if (const Value* found = object.as_dict().Find(expr.name)) return *found;
    }
    if (HasMethod(object, expr.name)) {
      std::string name = expr.name;
      return Value::Function(
          name, [object, name](const CallArgs& args) { return CallMethod(object, name, args); });
    }
    return Value::Undefined(Describe(expr));
  }

  Result<Value> EvalIndex(const IndexExpr& expr, Frame& frame) {
    ASSIGN_OR_RETURN(Value object, Eval(*expr.object, frame));
    ASSIGN_OR_RETURN(Value index, Eval(*expr.index, frame));
    std::string name = Describe(*expr.object) + "[" + index.Repr() + "]";
    switch (object.kind()) {
      case Value::Kind::kUndefined:
        return UndefinedError(*expr.object, object, " (reading its item " + index.Repr() + ")");
      case Value::Kind::kDict:
        if (index.is_string()) {
          if (const Value* found = object.as_dict().Find(index.as_string())) return *found;
        }
        return Value::Undefined(name);
      case Value::Kind::kList:
      case Value::Kind::kString: {
        if (!index.is_int()) {
          return Error(expr.offset, "indices of a " + std::string(object.TypeName()) +
                                        " must be integers, not " + std::string(index.TypeName()));
        }
        int64_t size = object.is_list() ? static_cast<int64_t>(object.as_list().size())
                                        : static_cast<int64_t>(object.as_string().size());
        int64_t i = index.as_int() < 0 ? index.as_int() + size : index.as_int();
        if (i < 0 || i >= size) return Value::Undefined(name);
        if (object.is_list()) return object.as_list()[static_cast<size_t>(i)];
        return Value(object.as_string().substr(static_cast<size_t>(i), 1));
      }
      default:
        return Error(expr.offset, "a " + std::string(object.TypeName()) + " (" +
                                      Describe(*expr.object) + ") cannot be indexed");
    }
  }

  Result<Value> EvalSlice(const SliceExpr& expr, Frame& frame) {
    ASSIGN_OR_RETURN(Value object, Eval(*expr.object, frame));
    if (!object.is_list() && !object.is_string()) {
      return Error(expr.offset, "a " + std::string(object.TypeName()) + " cannot be sliced");
    }
    int64_t size = object.is_list() ? static_cast<int64_t>(object.as_list().size())
                                    : static_cast<int64_t>(object.as_string().size());
    auto bound = [&](const ExprPtr& e, int64_t fallback) -> Result<int64_t> {
      if (e == nullptr) return fallback;
      ASSIGN_OR_RETURN(Value v, Eval(*e, frame));
      if (v.is_none()) return fallback;
      if (!v.is_int()) return Error(e->offset, "slice indices must be integers");
      return v.as_int();
    };
    ASSIGN_OR_RETURN(int64_t step, bound(expr.step, 1));
    if (step == 0) return Error(expr.offset, "slice step cannot be zero");
    ASSIGN_OR_RETURN(int64_t start, bound(expr.start, step > 0 ? 0 : size - 1));
    ASSIGN_OR_RETURN(int64_t stop, bound(expr.stop, step > 0 ? size : -size - 1));
    auto clamp = [&](int64_t i) {
      if (i < 0) i += size;
      return step > 0 ? std::clamp<int64_t>(i, 0, size) : std::clamp<int64_t>(i, -1, size - 1);
    };
    start = clamp(start);
    stop = clamp(stop);
    List list;
    std::string text;
    for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
      if (object.is_list()) {
        list.push_back(object.as_list()[static_cast<size_t>(i)]);
      } else {
        text += object.as_string()[static_cast<size_t>(i)];
      }
    }
    return object.is_list() ? Value(std::move(list)) : Value(std::move(text));
  }

  Result<CallArgs> EvalArguments(const Arguments& args, Frame& frame) {
    CallArgs out;
    out.positional.reserve(args.positional.size());
    for (const ExprPtr& arg : args.positional) {
      ASSIGN_OR_RETURN(Value value, Eval(*arg, frame));
      out.positional.push_back(std::move(value));
    }
    for (const auto& [name, arg] : args.keyword) {
      ASSIGN_OR_RETURN(Value value, Eval(*arg, frame));
      out.keyword.emplace_back(name, std::move(value));
    }
    if (args.star_positional != nullptr) {
      ASSIGN_OR_RETURN(Value value, Eval(*args.star_positional, frame));
      Result<List> items = Iterate(value);
      if (!items.ok()) return Located(args.star_positional->offset, items.status());
      out.positional.insert(out.positional.end(), items->begin(), items->end());
    }
    if (args.star_keyword != nullptr) {
      ASSIGN_OR_RETURN(Value value, Eval(*args.star_keyword, frame));
      if (!value.is_dict() && !value.is_undefined()) {
        return Error(args.star_keyword->offset,
                     "** needs a dict, not a " + std::string(value.TypeName()));
      }
      if (value.is_dict()) {
        for (const auto& [name, item] : value.as_dict()) out.keyword.emplace_back(name, item);
      }
    }
    return out;
  }

  Result<Value> Invoke(const Callable& callable, const CallArgs& args, const CallExpr& expr) {
    Result<Value> result = callable.function(args);
    if (result.ok()) return result;
    if (callable.is_macro) {
      return Status(result.status().code(), result.status().message() + "\n  in macro '" +
                                                callable.name + "' called at " + ast_.file + ":" +
                                                LineCol(ast_.source, expr.offset));
    }
    return Located(expr.offset, result.status());
  }

  Result<Value> EvalCall(const CallExpr& expr, Frame& frame, const Value* caller) {
    const Expr& callee_expr = *expr.callee;
    if (callee_expr.kind == Expr::Kind::kName &&
        static_cast<const NameExpr&>(callee_expr).name == "return") {
      return EvalReturn(expr, frame);
    }
    Value callee;
    if (callee_expr.kind == Expr::Kind::kAttribute) {
      // Methods (s.lower(), d.items(), xs.append(x)) are called without binding them.
      const auto& attr = static_cast<const AttributeExpr&>(callee_expr);
      ASSIGN_OR_RETURN(Value object, Eval(*attr.object, frame));
      if (object.is_undefined()) {
        return UndefinedError(*attr.object, object,
                              ", so its method '" + attr.name + "' cannot be called");
      }
      const Value* member = object.is_dict() ? object.as_dict().Find(attr.name) : nullptr;
      if (member != nullptr) {
        callee = *member;
      } else if (HasMethod(object, attr.name)) {
        ASSIGN_OR_RETURN(CallArgs args, EvalArguments(expr.args, frame));
        Result<Value> result = CallMethod(object, attr.name, args);
        if (!result.ok()) return Located(expr.offset, result.status());
        return result;
      } else if (object.is_dict()) {
        return UndefinedError(callee_expr, Value::Undefined(Describe(callee_expr)),
                              ", so it cannot be called");
      } else {
        return Error(expr.offset, "'" + Describe(callee_expr) + "' is undefined: a " +
                                      std::string(object.TypeName()) + " has no attribute '" +
                                      attr.name + "'");
      }
    } else {
      ASSIGN_OR_RETURN(callee, Eval(callee_expr, frame));
    }
    if (callee.is_dict()) {
      if (const Value* call = callee.as_dict().Find("__call__")) callee = *call;
    }
    if (callee.is_undefined()) {
      return UndefinedError(callee_expr, callee, ", so it cannot be called");
    }
    if (!callee.is_callable()) {
      return Error(expr.offset, "'" + Describe(callee_expr) + "' is not callable (it is a " +
                                    std::string(callee.TypeName()) + ")");
    }
    ASSIGN_OR_RETURN(CallArgs args, EvalArguments(expr.args, frame));
    if (caller != nullptr) args.keyword.emplace_back("caller", *caller);
    return Invoke(callee.as_callable(), args, expr);
  }

  // dbt's return(x): ends the macro, whose call then evaluates to x.
  Result<Value> EvalReturn(const CallExpr& expr, Frame& frame) {
    if (expr.args.positional.size() + expr.args.keyword.size() > 1) {
      return Error(expr.offset, "return() takes one argument");
    }
    Value value = Value::None();
    if (!expr.args.positional.empty()) {
      ASSIGN_OR_RETURN(value, Eval(*expr.args.positional[0], frame));
    } else if (!expr.args.keyword.empty()) {
      ASSIGN_OR_RETURN(value, Eval(*expr.args.keyword[0].second, frame));
    }
    return_value_ = std::move(value);
    flow_ = Flow::kReturn;
    return Value::Undefined("");
  }

  Result<Value> EvalFilter(const FilterExpr& expr, Frame& frame) {
    ASSIGN_OR_RETURN(Value input, Eval(*expr.input, frame));
    ASSIGN_OR_RETURN(CallArgs args, EvalArguments(expr.args, frame));
    Result<Value> result = expr.function(input, args);
    if (!result.ok()) {
      return Error(expr.offset, "filter '" + expr.name + "': " + result.status().message());
    }
    return result;
  }

  Result<Value> EvalTest(const TestExpr& expr, Frame& frame) {
    ASSIGN_OR_RETURN(Value input, Eval(*expr.input, frame));
    ASSIGN_OR_RETURN(CallArgs args, EvalArguments(expr.args, frame));
    Result<bool> result = expr.function(input, args);
    if (!result.ok()) {
      return Error(expr.offset, "test '" + expr.name + "': " + result.status().message());
    }
    return Value(*result != expr.negated);
  }

  Result<Value> Arithmetic(BinaryOp op, const Value& a, const Value& b) {
    switch (op) {
      case BinaryOp::kAdd:
        return Add(a, b);
      case BinaryOp::kSubtract:
        return Subtract(a, b);
      case BinaryOp::kMultiply:
        return Multiply(a, b);
      case BinaryOp::kDivide:
        return Divide(a, b);
      case BinaryOp::kFloorDivide:
        return FloorDivide(a, b);
      case BinaryOp::kModulo:
        return Modulo(a, b);
      case BinaryOp::kPower:
        return Power(a, b);
      default:
        return InternalError("not an arithmetic operator");
    }
  }

  Result<Value> EvalBinary(const BinaryExpr& expr, Frame& frame) {
    ASSIGN_OR_RETURN(Value left, Eval(*expr.left, frame));
    if (expr.op == BinaryOp::kAnd) return left.Truthy() ? Eval(*expr.right, frame) : left;
    if (expr.op == BinaryOp::kOr) return left.Truthy() ? left : Eval(*expr.right, frame);
    ASSIGN_OR_RETURN(Value right, Eval(*expr.right, frame));
    if (expr.op == BinaryOp::kConcat) {
      std::string text = left.ToString();
      right.AppendTo(text);
      return Value(std::move(text));
    }
    Result<Value> result = Arithmetic(expr.op, left, right);
    if (!result.ok()) {
      // Jinja's message for the common case: an operand is an undefined variable.
      if (left.is_undefined())
        return UndefinedError(*expr.left, left, " (an operand of an operator)");
      if (right.is_undefined()) {
        return UndefinedError(*expr.right, right, " (an operand of an operator)");
      }
      return Located(expr.offset, result.status());
    }
    return result;
  }

  Result<bool> CompareOnce(BinaryOp op, const Value& a, const Value& b) {
    switch (op) {
      case BinaryOp::kEqual:
        return a == b;
      case BinaryOp::kNotEqual:
        return !(a == b);
      case BinaryOp::kIn:
        return Contains(b, a);
      case BinaryOp::kNotIn: {
        ASSIGN_OR_RETURN(bool in, Contains(b, a));
        return !in;
      }
      default:
        break;
    }
    ASSIGN_OR_RETURN(int c, Compare(a, b));
    switch (op) {
      case BinaryOp::kLess:
        return c < 0;
      case BinaryOp::kLessEqual:
        return c <= 0;
      case BinaryOp::kGreater:
        return c > 0;
      default:
        return c >= 0;
    }
  }

  Result<Value> EvalCompare(const CompareExpr& expr, Frame& frame) {
    ASSIGN_OR_RETURN(Value left, Eval(*expr.first, frame));
    for (const auto& [op, operand] : expr.rest) {
      ASSIGN_OR_RETURN(Value right, Eval(*operand, frame));
      Result<bool> holds = CompareOnce(op, left, right);
      if (!holds.ok()) return Located(operand->offset, holds.status());
      if (!*holds) return Value(false);
      left = std::move(right);
    }
    return Value(true);
  }

  const Environment& env_;
  const TemplateAst& ast_;
  Flow flow_ = Flow::kNormal;
  Value return_value_;
};

// Binds a macro call's arguments in `frame`: parameters by position or keyword, then
// defaults (evaluated in the macro's scope, so they may use earlier parameters); extra
// positional arguments in `varargs`, unknown keywords in `kwargs`, and `caller`.
Status BindArguments(const Environment& env, const TemplateAst& ast, const MacroDefinition& macro,
                     const CallArgs& args, Frame& frame) {
  // Argument errors point at the definition; the caller adds where the call was.
  const std::string where = ast.file + ":" + LineCol(ast.source, macro.offset) + ": ";
  Dict kwargs;
  for (const auto& [name, value] : args.keyword) {
    bool is_parameter = std::any_of(macro.parameters.begin(), macro.parameters.end(),
                                    [&](const MacroParameter& p) { return p.name == name; });
    if (is_parameter || name == "caller") continue;
    if (!macro.uses_kwargs) {
      return InvalidArgumentError(where + "macro '" + macro.name + "' has no parameter named '" +
                                  name + "'");
    }
    kwargs.Set(name, value);
  }
  if (args.positional.size() > macro.parameters.size() && !macro.uses_varargs) {
    return InvalidArgumentError(where + "macro '" + macro.name + "' takes at most " +
                                std::to_string(macro.parameters.size()) + " arguments, got " +
                                std::to_string(args.positional.size()));
  }
  for (size_t i = 0; i < macro.parameters.size(); ++i) {
    const MacroParameter& parameter = macro.parameters[i];
    if (const Value* value = args.Keyword(parameter.name)) {
      frame.Set(parameter.name, *value);
    } else if (i < args.positional.size()) {
      frame.Set(parameter.name, args.positional[i]);
    } else if (parameter.default_value != nullptr) {
      Renderer renderer(env, ast);
      ASSIGN_OR_RETURN(Value value, renderer.Eval(*parameter.default_value, frame));
      frame.Set(parameter.name, std::move(value));
    } else {
      frame.Set(parameter.name, Value::Undefined(parameter.name));
    }
  }
  List varargs;
  for (size_t i = macro.parameters.size(); i < args.positional.size(); ++i) {
    varargs.push_back(args.positional[i]);
  }
  frame.Set("varargs", Value(std::move(varargs)));
  frame.Set("kwargs", Value(std::move(kwargs)));
  if (const Value* caller = args.Keyword("caller")) frame.Set("caller", *caller);
  return OkStatus();
}

}  // namespace

Status RenderBody(const Environment& env, const TemplateAst& ast, Frame& frame, std::string& out) {
  Renderer renderer(env, ast);
  return renderer.Exec(ast.body, frame, out);
}

Value MakeMacro(const Environment& env, const TemplateAst& ast, const MacroDefinition& macro,
                Frame* defining_frame) {
  const Environment* env_ptr = &env;
  const TemplateAst* ast_ptr = &ast;
  const MacroDefinition* macro_ptr = &macro;
  return Value::Function(
      macro.name,
      [env_ptr, ast_ptr, macro_ptr, defining_frame](const CallArgs& args) -> Result<Value> {
        if (t_call_depth >= kMaxCallDepth) {
          return InvalidArgumentError(
              ast_ptr->file + ":" + LineCol(ast_ptr->source, macro_ptr->offset) + ": macro '" +
              macro_ptr->name + "' nested deeper than " + std::to_string(kMaxCallDepth) + " calls");
        }
        ++t_call_depth;
        Frame frame{defining_frame, defining_frame == nullptr ? t_render_locals : nullptr, {}};
        Renderer renderer(*env_ptr, *ast_ptr);
        Status status = BindArguments(*env_ptr, *ast_ptr, *macro_ptr, args, frame);
        std::string out;
        if (status.ok()) status = renderer.Exec(macro_ptr->body, frame, out);
        --t_call_depth;
        RETURN_IF_ERROR(status);
        if (renderer.flow() == Flow::kReturn) return std::move(renderer.return_value());
        return Value(std::move(out));
      },
      /*is_macro=*/true);
}

}  // namespace shoplytics::transform::jinja::internal
