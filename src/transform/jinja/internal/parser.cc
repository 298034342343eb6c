#include "transform/jinja/internal/parser.h"

#include <initializer_list>

#include "transform/jinja/internal/lexer.h"

namespace shoplytics::transform::jinja::internal {
namespace {

// The open block a body belongs to, for "expected 'endif' to close the 'if' at 1:1".
struct OpenBlock {
  std::string_view tag;
  std::string_view closer;
  uint32_t offset;
};

class Parser {
 public:
  Parser(TemplateAst& ast, std::vector<Token> tokens) : ast_(ast), tokens_(std::move(tokens)) {}

  Status Run() {
    std::string_view found;
    ASSIGN_OR_RETURN(ast_.body, ParseBody({}, nullptr, &found));
    return OkStatus();
  }

 private:
  // ---- tokens ----

  const Token& Peek(size_t ahead = 0) const {
    size_t at = pos_ + ahead;
    return at < tokens_.size() ? tokens_[at] : tokens_.back();
  }
  const Token& Next() {
    const Token& token = Peek();
    if (pos_ < tokens_.size() - 1) ++pos_;
    return token;
  }
  bool AtOperator(std::string_view op, size_t ahead = 0) const {
    return Peek(ahead).type == TokenType::kOperator && Peek(ahead).text == op;
  }
  bool AtName(std::string_view name, size_t ahead = 0) const {
    return Peek(ahead).type == TokenType::kName && Peek(ahead).text == name;
  }
  bool SkipOperator(std::string_view op) {
    if (!AtOperator(op)) return false;
    Next();
    return true;
  }
  bool SkipName(std::string_view name) {
    if (!AtName(name)) return false;
    Next();
    return true;
  }

  std::string Where(uint32_t offset) const { return LineCol(ast_.source, offset); }

  Status Error(uint32_t offset, const std::string& message) const {
    return InvalidArgumentError(ast_.file + ":" + Where(offset) + ": " + message);
  }

  static std::string Describe(const Token& token) {
    switch (token.type) {
      case TokenType::kEnd:
        return "end of file";
      case TokenType::kText:
        return "template text";
      case TokenType::kString:
        return "string '" + token.value + "'";
      default:
        return "'" + std::string(token.text) + "'";
    }
  }

  Status Unexpected(std::string_view expected) const {
    return Error(Peek().offset,
                 "expected " + std::string(expected) + ", found " + Describe(Peek()));
  }

  Status ExpectOperator(std::string_view op) {
    if (!SkipOperator(op)) return Unexpected("'" + std::string(op) + "'");
    return OkStatus();
  }

  Status ExpectBlockEnd(std::string_view tag) {
    if (Peek().type != TokenType::kBlockEnd) {
      return Error(Peek().offset, "expected '%}' to end the '" + std::string(tag) +
                                      "' tag, found " + Describe(Peek()));
    }
    Next();
    return OkStatus();
  }

  Result<std::string> ExpectName(std::string_view what) {
    if (Peek().type != TokenType::kName) return Unexpected(what);
    return std::string(Next().text);
  }

  // ---- statements ----

  // Parses nodes until a block tag named in `end_tags`, whose name it consumes and
  // reports in `found`. At the end of the file, or at a closing tag not in `end_tags`,
  // it fails naming `open` (or, at the top level, the stray tag).
  Result<Body> ParseBody(std::initializer_list<std::string_view> end_tags, const OpenBlock* open,
                         std::string_view* found) {
    Body body;
    while (true) {
      const Token& token = Peek();
      switch (token.type) {
        case TokenType::kEnd:
          if (open != nullptr) return Unclosed(*open);
          return body;
        case TokenType::kText:
          if (!token.text.empty()) {
            body.push_back(std::make_unique<TextNode>(token.offset, std::string(token.text)));
          }
          Next();
          break;
        case TokenType::kVariableBegin: {
          Next();
          ASSIGN_OR_RETURN(ExprPtr expr, ParseTupleOrExpression());
          if (Peek().type != TokenType::kVariableEnd) return Unexpected("'}}'");
          Next();
          body.push_back(std::make_unique<OutputNode>(token.offset, std::move(expr)));
          break;
        }
        case TokenType::kBlockBegin: {
          uint32_t tag_offset = token.offset;
          const Token& name = Peek(1);
          if (name.type != TokenType::kName) {
            Next();
            return Unexpected("a tag name after '{%'");
          }
          for (std::string_view end : end_tags) {
            if (name.text == end) {
              Next();
              Next();
              *found = end;
              return body;
            }
          }
          if (IsClosingTag(name.text)) {
            if (open != nullptr) return Unclosed(*open);
            return Error(name.offset, "unexpected '" + std::string(name.text) +
                                          "': there is no open block for it to close");
          }
          Next();
          ASSIGN_OR_RETURN(NodePtr node, ParseStatement(tag_offset));
          if (node != nullptr) body.push_back(std::move(node));
          break;
        }
        default:
          return Unexpected("template text or a tag");
      }
    }
  }

  static bool IsClosingTag(std::string_view name) {
    return name.starts_with("end") || name == "else" || name == "elif";
  }

  Status Unclosed(const OpenBlock& open) const {
    return Error(Peek().type == TokenType::kEnd ? Peek().offset : Peek(1).offset,
                 "expected '" + std::string(open.closer) + "' to close the '" +
                     std::string(open.tag) + "' at " + Where(open.offset) + ", found " +
                     (Peek().type == TokenType::kEnd ? "end of file" : Describe(Peek(1))));
  }

  // At the tag name, after '{%'.
  Result<NodePtr> ParseStatement(uint32_t tag_offset) {
    NestingGuard guard(depth_);
    if (depth_ > kMaxNesting) return Error(tag_offset, "blocks are nested too deeply");
    const Token& name = Next();
    std::string_view tag = name.text;
    if (tag == "if") return ParseIf(tag_offset);
    if (tag == "for") return ParseFor(tag_offset);
    if (tag == "set") return ParseSet(tag_offset);
    if (tag == "macro") return ParseMacro(tag_offset, "macro", "endmacro", "");
    if (tag == "test") return ParseMacro(tag_offset, "test", "endtest", "test_");
    if (tag == "call") return ParseCallBlock(tag_offset);
    if (tag == "do") {
      ASSIGN_OR_RETURN(ExprPtr expr, ParseTupleOrExpression());
      RETURN_IF_ERROR(ExpectBlockEnd("do"));
      return NodePtr(std::make_unique<DoNode>(tag_offset, std::move(expr)));
    }
    if (tag == "docs") return ParseDocs(tag_offset);
    if (tag == "filter") return ParseBlock(tag_offset, "filter", "endfilter", "");
    if (tag == "break" || tag == "continue") {
      RETURN_IF_ERROR(ExpectBlockEnd(tag));
      return NodePtr(std::make_unique<Node>(
          tag == "break" ? Node::Kind::kBreak : Node::Kind::kContinue, tag_offset));
    }
    return Error(name.offset, "unknown tag '" + std::string(tag) + "'");
  }

  Result<NodePtr> ParseIf(uint32_t offset) {
    auto node = std::make_unique<IfNode>(offset);
    OpenBlock open{"if", "endif", offset};
    while (true) {
      ASSIGN_OR_RETURN(ExprPtr condition, ParseTupleOrExpression());
      RETURN_IF_ERROR(ExpectBlockEnd("if"));
      std::string_view found;
      ASSIGN_OR_RETURN(Body body, ParseBody({"elif", "else", "endif"}, &open, &found));
      node->branches.emplace_back(std::move(condition), std::move(body));
      if (found == "elif") continue;
      if (found == "else") {
        RETURN_IF_ERROR(ExpectBlockEnd("else"));
        ASSIGN_OR_RETURN(node->otherwise, ParseBody({"endif"}, &open, &found));
      }
      RETURN_IF_ERROR(ExpectBlockEnd("endif"));
      return NodePtr(std::move(node));
    }
  }

  Result<std::vector<std::string>> ParseTargets() {
    std::vector<std::string> targets;
    bool parenthesized = SkipOperator("(");
    do {
      ASSIGN_OR_RETURN(std::string target, ExpectName("a variable name"));
      targets.push_back(std::move(target));
    } while (SkipOperator(","));
    if (parenthesized) RETURN_IF_ERROR(ExpectOperator(")"));
    return targets;
  }

  Result<NodePtr> ParseFor(uint32_t offset) {
    auto node = std::make_unique<ForNode>(offset);
    ASSIGN_OR_RETURN(node->targets, ParseTargets());
    if (!SkipName("in")) return Unexpected("'in'");
    ASSIGN_OR_RETURN(node->iterable, ParseTupleOrExpression(/*with_condition=*/false));
    if (SkipName("if")) {
      ASSIGN_OR_RETURN(node->filter, ParseExpression());
    }
    RETURN_IF_ERROR(ExpectBlockEnd("for"));
    OpenBlock open{"for", "endfor", offset};
    std::string_view found;
    ASSIGN_OR_RETURN(node->body, ParseBody({"else", "endfor"}, &open, &found));
    if (found == "else") {
      RETURN_IF_ERROR(ExpectBlockEnd("else"));
      ASSIGN_OR_RETURN(node->otherwise, ParseBody({"endfor"}, &open, &found));
    }
    RETURN_IF_ERROR(ExpectBlockEnd("endfor"));
    return NodePtr(std::move(node));
  }

  Result<NodePtr> ParseSet(uint32_t offset) {
    auto node = std::make_unique<SetNode>(offset);
    ASSIGN_OR_RETURN(node->targets, ParseTargets());
    if (node->targets.size() == 1 && SkipOperator(".")) {
      ASSIGN_OR_RETURN(node->attribute, ExpectName("an attribute name"));
    }
    if ((Peek().type == TokenType::kBlockEnd || AtOperator("|")) && node->targets.size() == 1 &&
        node->attribute.empty()) {
      return ParseBlock(offset, "set", "endset", node->targets[0]);
    }
    RETURN_IF_ERROR(ExpectOperator("="));
    ASSIGN_OR_RETURN(node->value, ParseTupleOrExpression());
    RETURN_IF_ERROR(ExpectBlockEnd("set"));
    return NodePtr(std::move(node));
  }

  // The rest of {% set x [| filters] %}...{% endset %} or {% filter f %}...{% endfilter %}.
  Result<NodePtr> ParseBlock(uint32_t offset, std::string_view tag, std::string_view closer,
                             std::string target) {
    auto block = std::make_unique<SetBlockNode>(offset, std::move(target));
    if (tag == "filter" || AtOperator("|")) {
      ExprPtr text = std::make_unique<NameExpr>(Peek().offset, std::string(kBlockTextName));
      ASSIGN_OR_RETURN(block->filter, ParseFilterChain(std::move(text), AtOperator("|")));
    }
    RETURN_IF_ERROR(ExpectBlockEnd(tag));
    OpenBlock open{tag, closer, offset};
    std::string_view found;
    ASSIGN_OR_RETURN(block->body, ParseBody({closer}, &open, &found));
    RETURN_IF_ERROR(ExpectBlockEnd(closer));
    return NodePtr(std::move(block));
  }

  // `f(args) | g` after {% filter (first_bar false), or `| f | g` after {% set x.
  Result<ExprPtr> ParseFilterChain(ExprPtr input, bool first_bar) {
    if (!first_bar) {
      const Token& name = Peek();
      ASSIGN_OR_RETURN(std::string filter, ExpectName("a filter name"));
      FilterFunction function = FindFilter(filter);
      if (function == nullptr) return Error(name.offset, "unknown filter '" + filter + "'");
      auto node =
          std::make_unique<FilterExpr>(name.offset, std::move(input), std::move(filter), function);
      if (AtOperator("(")) RETURN_IF_ERROR(ParseArguments(node->args));
      input = std::move(node);
    }
    return ParseFilters(std::move(input));
  }

  Result<std::vector<MacroParameter>> ParseParameters() {
    std::vector<MacroParameter> parameters;
    RETURN_IF_ERROR(ExpectOperator("("));
    while (!AtOperator(")")) {
      MacroParameter parameter;
      ASSIGN_OR_RETURN(parameter.name, ExpectName("a parameter name"));
      if (SkipOperator("=")) {
        ASSIGN_OR_RETURN(parameter.default_value, ParseExpression());
      }
      parameters.push_back(std::move(parameter));
      if (!SkipOperator(",")) break;
    }
    RETURN_IF_ERROR(ExpectOperator(")"));
    return parameters;
  }

  Result<NodePtr> ParseMacro(uint32_t offset, std::string_view tag, std::string_view closer,
                             std::string_view prefix) {
    auto macro = std::make_unique<MacroDefinition>();
    macro->offset = offset;
    ASSIGN_OR_RETURN(std::string name, ExpectName("a " + std::string(tag) + " name"));
    macro->name = std::string(prefix) + name;
    ASSIGN_OR_RETURN(macro->parameters, ParseParameters());
    RETURN_IF_ERROR(ExpectBlockEnd(tag));
    OpenBlock open{tag, closer, offset};
    std::string_view found;
    macro_stack_.push_back(macro.get());
    ASSIGN_OR_RETURN(macro->body, ParseBody({closer}, &open, &found));
    macro_stack_.pop_back();
    RETURN_IF_ERROR(ExpectBlockEnd(closer));
    return NodePtr(std::make_unique<MacroNode>(offset, std::move(macro)));
  }

  Result<NodePtr> ParseCallBlock(uint32_t offset) {
    auto node = std::make_unique<CallBlockNode>(offset);
    node->caller = std::make_unique<MacroDefinition>();
    node->caller->name = "caller";
    node->caller->offset = offset;
    if (AtOperator("(")) {
      ASSIGN_OR_RETURN(node->caller->parameters, ParseParameters());
    }
    uint32_t call_offset = Peek().offset;
    ASSIGN_OR_RETURN(node->call, ParseExpression());
    if (node->call->kind != Expr::Kind::kCall) {
      return Error(call_offset, "expected a macro call after 'call'");
    }
    RETURN_IF_ERROR(ExpectBlockEnd("call"));
    OpenBlock open{"call", "endcall", offset};
    std::string_view found;
    macro_stack_.push_back(node->caller.get());
    ASSIGN_OR_RETURN(node->caller->body, ParseBody({"endcall"}, &open, &found));
    macro_stack_.pop_back();
    RETURN_IF_ERROR(ExpectBlockEnd("endcall"));
    return NodePtr(std::move(node));
  }

  // The lexer made the body of a docs block one text token.
  Result<NodePtr> ParseDocs(uint32_t offset) {
    ASSIGN_OR_RETURN(std::string name, ExpectName("a docs block name"));
    RETURN_IF_ERROR(ExpectBlockEnd("docs"));
    std::string text;
    if (Peek().type == TokenType::kText) text = std::string(Next().text);
    OpenBlock open{"docs", "enddocs", offset};
    std::string_view found;
    ASSIGN_OR_RETURN(Body rest, ParseBody({"enddocs"}, &open, &found));
    RETURN_IF_ERROR(ExpectBlockEnd("enddocs"));
    return NodePtr(std::make_unique<DocsNode>(offset, std::move(name), std::move(text)));
  }

  // ---- expressions ----

  // `a, b` (a list) or a single expression.
  Result<ExprPtr> ParseTupleOrExpression(bool with_condition = true) {
    uint32_t offset = Peek().offset;
    ASSIGN_OR_RETURN(ExprPtr first, ParseExpression(with_condition));
    if (!AtOperator(",")) return first;
    auto tuple = std::make_unique<ListExpr>(offset);
    tuple->items.push_back(std::move(first));
    while (SkipOperator(",")) {
      if (Peek().type == TokenType::kBlockEnd || Peek().type == TokenType::kVariableEnd) break;
      ASSIGN_OR_RETURN(ExprPtr item, ParseExpression(with_condition));
      tuple->items.push_back(std::move(item));
    }
    return ExprPtr(std::move(tuple));
  }

  Result<ExprPtr> ParseExpression(bool with_condition = true) {
    uint32_t offset = Peek().offset;
    NestingGuard guard(depth_);
    if (depth_ > kMaxNesting) return Error(offset, "the expression is nested too deeply");
    ASSIGN_OR_RETURN(ExprPtr expr, ParseOr());
    if (!with_condition || !AtName("if")) return expr;
    Next();
    auto conditional = std::make_unique<ConditionalExpr>(offset);
    conditional->then = std::move(expr);
    ASSIGN_OR_RETURN(conditional->condition, ParseOr());
    if (SkipName("else")) {
      ASSIGN_OR_RETURN(conditional->otherwise, ParseExpression());
    }
    return ExprPtr(std::move(conditional));
  }

  Result<ExprPtr> ParseOr() {
    ASSIGN_OR_RETURN(ExprPtr left, ParseAnd());
    while (AtName("or")) {
      uint32_t offset = Next().offset;
      ASSIGN_OR_RETURN(ExprPtr right, ParseAnd());
      left = std::make_unique<BinaryExpr>(offset, BinaryOp::kOr, std::move(left), std::move(right));
    }
    return left;
  }

  Result<ExprPtr> ParseAnd() {
    ASSIGN_OR_RETURN(ExprPtr left, ParseNot());
    while (AtName("and")) {
      uint32_t offset = Next().offset;
      ASSIGN_OR_RETURN(ExprPtr right, ParseNot());
      left =
          std::make_unique<BinaryExpr>(offset, BinaryOp::kAnd, std::move(left), std::move(right));
    }
    return left;
  }

  Result<ExprPtr> ParseNot() {
    NestingGuard guard(depth_);
    if (depth_ > kMaxNesting) return Error(Peek().offset, "the expression is nested too deeply");
    if (AtName("not")) {
      uint32_t offset = Next().offset;
      ASSIGN_OR_RETURN(ExprPtr operand, ParseNot());
      return ExprPtr(std::make_unique<UnaryExpr>(Expr::Kind::kNot, offset, std::move(operand)));
    }
    return ParseCompare();
  }

  bool AtComparison(BinaryOp* op) const {
    if (Peek().type == TokenType::kOperator) {
      std::string_view t = Peek().text;
      if (t == "==")
        *op = BinaryOp::kEqual;
      else if (t == "!=")
        *op = BinaryOp::kNotEqual;
      else if (t == "<")
        *op = BinaryOp::kLess;
      else if (t == "<=")
        *op = BinaryOp::kLessEqual;
      else if (t == ">")
        *op = BinaryOp::kGreater;
      else if (t == ">=")
        *op = BinaryOp::kGreaterEqual;
      else
        return false;
      return true;
    }
    if (AtName("in")) {
      *op = BinaryOp::kIn;
      return true;
    }
    if (AtName("not") && AtName("in", 1)) {
      *op = BinaryOp::kNotIn;
      return true;
    }
    return false;
  }

  Result<ExprPtr> ParseCompare() {
    uint32_t offset = Peek().offset;
    ASSIGN_OR_RETURN(ExprPtr first, ParseMath1());
    BinaryOp op;
    if (!AtComparison(&op)) return first;
    auto compare = std::make_unique<CompareExpr>(offset, std::move(first));
    while (AtComparison(&op)) {
      Next();
      if (op == BinaryOp::kNotIn) Next();
      ASSIGN_OR_RETURN(ExprPtr operand, ParseMath1());
      compare->rest.emplace_back(op, std::move(operand));
    }
    return ExprPtr(std::move(compare));
  }

  // One level of left-associative binary operators.
  template <typename Lower>
  Result<ExprPtr> ParseBinary(std::initializer_list<std::pair<std::string_view, BinaryOp>> ops,
                              Lower lower) {
    ASSIGN_OR_RETURN(ExprPtr left, (this->*lower)());
    int chain = depth_;
    while (true) {
      const std::pair<std::string_view, BinaryOp>* match = nullptr;
      for (const auto& candidate : ops) {
        if (AtOperator(candidate.first)) match = &candidate;
      }
      if (match == nullptr) return left;
      uint32_t offset = Next().offset;
      if (++chain > kMaxNesting) return Error(offset, "the expression is nested too deeply");
      ASSIGN_OR_RETURN(ExprPtr right, (this->*lower)());
      left = std::make_unique<BinaryExpr>(offset, match->second, std::move(left), std::move(right));
    }
  }

  Result<ExprPtr> ParseMath1() {
    return ParseBinary({{"+", BinaryOp::kAdd}, {"-", BinaryOp::kSubtract}}, &Parser::ParseConcat);
  }
  Result<ExprPtr> ParseConcat() {
    return ParseBinary({{"~", BinaryOp::kConcat}}, &Parser::ParseMath2);
  }
  Result<ExprPtr> ParseMath2() {
    return ParseBinary({{"*", BinaryOp::kMultiply},
                        {"/", BinaryOp::kDivide},
                        {"//", BinaryOp::kFloorDivide},
                        {"%", BinaryOp::kModulo}},
                       &Parser::ParsePow);
  }
  Result<ExprPtr> ParsePow() {
    return ParseBinary({{"**", BinaryOp::kPower}}, &Parser::ParseUnaryWithFilters);
  }

  Result<ExprPtr> ParseUnaryWithFilters() { return ParseUnary(true); }

  Result<ExprPtr> ParseUnary(bool with_filters) {
    uint32_t offset = Peek().offset;
    NestingGuard guard(depth_);
    if (depth_ > kMaxNesting) return Error(offset, "the expression is nested too deeply");
    ExprPtr expr;
    if (SkipOperator("-")) {
      ASSIGN_OR_RETURN(ExprPtr operand, ParseUnary(false));
      expr = std::make_unique<UnaryExpr>(Expr::Kind::kNegate, offset, std::move(operand));
    } else if (SkipOperator("+")) {
      ASSIGN_OR_RETURN(expr, ParseUnary(false));
    } else {
      ASSIGN_OR_RETURN(expr, ParsePrimary());
      ASSIGN_OR_RETURN(expr, ParsePostfix(std::move(expr)));
    }
    if (with_filters) return ParseFilters(std::move(expr));
    return expr;
  }

  Result<ExprPtr> ParsePrimary() {
    const Token& token = Peek();
    uint32_t offset = token.offset;
    switch (token.type) {
      case TokenType::kName: {
        Next();
        std::string_view name = token.text;
        if (name == "true" || name == "True") return Literal(offset, Value(true));
        if (name == "false" || name == "False") return Literal(offset, Value(false));
        if (name == "none" || name == "None") return Literal(offset, Value::None());
        if (!macro_stack_.empty() && name == "varargs") macro_stack_.back()->uses_varargs = true;
        if (!macro_stack_.empty() && name == "kwargs") macro_stack_.back()->uses_kwargs = true;
        return ExprPtr(std::make_unique<NameExpr>(offset, std::string(name)));
      }
      case TokenType::kString: {
        std::string text = Next().value;
        while (Peek().type == TokenType::kString) text += Next().value;  // "a" "b" is "ab"
        return Literal(offset, Value(std::move(text)));
      }
      case TokenType::kInt:
        return Literal(offset, Value(Next().int_value));
      case TokenType::kFloat:
        return Literal(offset, Value(Next().float_value));
      case TokenType::kOperator:
        if (token.text == "(") return ParseParenthesized();
        if (token.text == "[") return ParseList();
        if (token.text == "{") return ParseDict();
        break;
      default:
        break;
    }
    return Unexpected("an expression");
  }

  static ExprPtr Literal(uint32_t offset, Value value) {
    return std::make_unique<LiteralExpr>(offset, std::move(value));
  }

  // (expr) or a tuple: (), (a,), (a, b).
  Result<ExprPtr> ParseParenthesized() {
    uint32_t offset = Next().offset;
    if (SkipOperator(")")) return ExprPtr(std::make_unique<ListExpr>(offset));
    ASSIGN_OR_RETURN(ExprPtr first, ParseExpression());
    if (SkipOperator(")")) return first;
    auto tuple = std::make_unique<ListExpr>(offset);
    tuple->items.push_back(std::move(first));
    while (SkipOperator(",")) {
      if (AtOperator(")")) break;
      ASSIGN_OR_RETURN(ExprPtr item, ParseExpression());
      tuple->items.push_back(std::move(item));
    }
    RETURN_IF_ERROR(ExpectOperator(")"));
    return ExprPtr(std::move(tuple));
  }

  Result<ExprPtr> ParseList() {
    auto list = std::make_unique<ListExpr>(Next().offset);
    while (!AtOperator("]")) {
      ASSIGN_OR_RETURN(ExprPtr item, ParseExpression());
      list->items.push_back(std::move(item));
      if (!SkipOperator(",")) break;
    }
    RETURN_IF_ERROR(ExpectOperator("]"));
    return ExprPtr(std::move(list));
  }

  Result<ExprPtr> ParseDict() {
    auto dict = std::make_unique<DictExpr>(Next().offset);
    while (!AtOperator("}")) {
      ASSIGN_OR_RETURN(ExprPtr key, ParseExpression());
      RETURN_IF_ERROR(ExpectOperator(":"));
      ASSIGN_OR_RETURN(ExprPtr value, ParseExpression());
      dict->items.emplace_back(std::move(key), std::move(value));
      if (!SkipOperator(",")) break;
    }
    RETURN_IF_ERROR(ExpectOperator("}"));
    return ExprPtr(std::move(dict));
  }

  Result<ExprPtr> ParsePostfix(ExprPtr expr) {
    while (true) {
      if (AtOperator(".")) {
        Next();
        uint32_t offset = expr->offset;        // errors point at the start of the expression
        if (Peek().type == TokenType::kInt) {  // xs.0 is xs[0]
          expr = std::make_unique<IndexExpr>(offset, std::move(expr),
                                             Literal(Peek().offset, Value(Next().int_value)));
          continue;
        }
        ASSIGN_OR_RETURN(std::string name, ExpectName("an attribute name after '.'"));
        expr = std::make_unique<AttributeExpr>(offset, std::move(expr), std::move(name));
      } else if (AtOperator("[")) {
        ASSIGN_OR_RETURN(expr, ParseSubscript(std::move(expr)));
      } else if (AtOperator("(")) {
        auto call = std::make_unique<CallExpr>(expr->offset, std::move(expr));
        RETURN_IF_ERROR(ParseArguments(call->args));
        expr = std::move(call);
      } else {
        return expr;
      }
    }
  }

  Result<ExprPtr> ParseSubscript(ExprPtr object) {
    Next();
    uint32_t offset = object->offset;
    ExprPtr start;
    if (!AtOperator(":")) {
      ASSIGN_OR_RETURN(start, ParseExpression());
      if (SkipOperator("]")) {
        return ExprPtr(std::make_unique<IndexExpr>(offset, std::move(object), std::move(start)));
      }
    }
    auto slice = std::make_unique<SliceExpr>(offset);
    slice->object = std::move(object);
    slice->start = std::move(start);
    RETURN_IF_ERROR(ExpectOperator(":"));
    if (!AtOperator(":") && !AtOperator("]")) {
      ASSIGN_OR_RETURN(slice->stop, ParseExpression());
    }
    if (SkipOperator(":") && !AtOperator("]")) {
      ASSIGN_OR_RETURN(slice->step, ParseExpression());
    }
    RETURN_IF_ERROR(ExpectOperator("]"));
    return ExprPtr(std::move(slice));
  }

  // At '(': positional and keyword arguments up to ')'.
  Status ParseArguments(Arguments& args) {
    Next();
    while (!AtOperator(")")) {
      if (AtOperator("*") || AtOperator("**")) {
        bool keyword = Next().text == "**";
        ExprPtr& slot = keyword ? args.star_keyword : args.star_positional;
        if (slot != nullptr) {
          return Error(Peek().offset, keyword ? "only one **kwargs argument is allowed"
                                              : "only one *args argument is allowed");
        }
        ASSIGN_OR_RETURN(slot, ParseExpression());
      } else if (Peek().type == TokenType::kName && AtOperator("=", 1)) {
        std::string name(Next().text);
        Next();
        ASSIGN_OR_RETURN(ExprPtr value, ParseExpression());
        args.keyword.emplace_back(std::move(name), std::move(value));
      } else {
        if (!args.keyword.empty() || args.star_keyword != nullptr) {
          return Error(Peek().offset, "a positional argument follows keyword arguments");
        }
        ASSIGN_OR_RETURN(ExprPtr value, ParseExpression());
        args.positional.push_back(std::move(value));
      }
      if (!SkipOperator(",")) break;
    }
    return ExpectOperator(")");
  }

  static bool StartsTestArgument(const Token& token) {
    switch (token.type) {
      case TokenType::kString:
      case TokenType::kInt:
      case TokenType::kFloat:
        return true;
      case TokenType::kName:
        return token.text != "and" && token.text != "or" && token.text != "else" &&
               token.text != "if" && token.text != "in" && token.text != "is" &&
               token.text != "not";
      case TokenType::kOperator:
        return token.text == "[" || token.text == "{";
      default:
        return false;
    }
  }

  Result<ExprPtr> ParseFilters(ExprPtr expr) {
    while (true) {
      if (AtOperator("|")) {
        Next();
        const Token& name = Peek();
        ASSIGN_OR_RETURN(std::string filter, ExpectName("a filter name after '|'"));
        FilterFunction function = FindFilter(filter);
        if (function == nullptr) return Error(name.offset, "unknown filter '" + filter + "'");
        auto node =
            std::make_unique<FilterExpr>(name.offset, std::move(expr), std::move(filter), function);
        if (AtOperator("(")) RETURN_IF_ERROR(ParseArguments(node->args));
        expr = std::move(node);
      } else if (AtName("is")) {
        Next();
        bool negated = SkipName("not");
        const Token& name = Peek();
        ASSIGN_OR_RETURN(std::string test, ExpectName("a test name after 'is'"));
        TestFunction function = FindTest(test);
        if (function == nullptr) return Error(name.offset, "unknown test '" + test + "'");
        auto node = std::make_unique<TestExpr>(name.offset, std::move(expr), std::move(test),
                                               function, negated);
        if (AtOperator("(")) {
          RETURN_IF_ERROR(ParseArguments(node->args));
        } else if (StartsTestArgument(Peek())) {
          ASSIGN_OR_RETURN(ExprPtr argument, ParseUnary(false));
          node->args.positional.push_back(std::move(argument));
        }
        expr = std::move(node);
      } else {
        return expr;
      }
    }
  }

  // Bounds the recursion of parsing, rendering and destroying the tree, so a hostile or
  // broken template is an error instead of a stack overflow.
  static constexpr int kMaxNesting = 400;
  struct NestingGuard {
    explicit NestingGuard(int& depth) : depth(depth) { ++depth; }
    ~NestingGuard() { --depth; }
    int& depth;
  };

  TemplateAst& ast_;
  std::vector<Token> tokens_;
  size_t pos_ = 0;
  int depth_ = 0;
  std::vector<MacroDefinition*> macro_stack_;  // the macros whose bodies are being parsed
};

// Jinja's newline handling: \r\n and \r become \n, and one trailing newline is dropped
// (keep_trailing_newline=False, as dbt leaves it).
std::string Normalize(std::string_view source) {
  std::string out;
  if (source.find('\r') == std::string_view::npos) {
    out.assign(source);
  } else {
    out.reserve(source.size());
    for (size_t i = 0; i < source.size(); ++i) {
      if (source[i] == '\r') {
        out += '\n';
        if (i + 1 < source.size() && source[i + 1] == '\n') ++i;
      } else {
        out += source[i];
      }
    }
  }
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

}  // namespace

Result<std::unique_ptr<TemplateAst>> Parse(std::string file, std::string_view source) {
  auto ast = std::make_unique<TemplateAst>();
  ast->file = std::move(file);
  ast->source = Normalize(source);
  ASSIGN_OR_RETURN(std::vector<Token> tokens, Tokenize(ast->source, ast->file));
  RETURN_IF_ERROR(Parser(*ast, std::move(tokens)).Run());
  return ast;
}

}  // namespace shoplytics::transform::jinja::internal
