#include "transform/jinja/environment.h"

#include <vector>

#include "transform/jinja/internal/ast.h"
#include "transform/jinja/internal/lexer.h"
#include "transform/jinja/internal/parser.h"
#include "transform/jinja/internal/renderer.h"

namespace shoplytics::transform::jinja {

Template::Template(std::unique_ptr<internal::TemplateAst> ast) : ast_(std::move(ast)) {}
Template::~Template() = default;
const std::string& Template::file() const { return ast_->file; }

namespace {

// range(stop), range(start, stop[, step]).
Result<Value> Range(const CallArgs& args) {
  std::vector<int64_t> bounds;
  for (const Value& arg : args.positional) {
    if (!arg.is_int()) return InvalidArgumentError("range(): arguments must be integers");
    bounds.push_back(arg.as_int());
  }
  if (bounds.empty() || bounds.size() > 3) {
    return InvalidArgumentError("range() takes 1 to 3 arguments");
  }
  int64_t start = bounds.size() == 1 ? 0 : bounds[0];
  int64_t stop = bounds.size() == 1 ? bounds[0] : bounds[1];
  int64_t step = bounds.size() == 3 ? bounds[2] : 1;
  if (step == 0) return InvalidArgumentError("range(): step must not be zero");
  constexpr int64_t kMaxItems = 1'000'000;
  List out;
  for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
    if (static_cast<int64_t>(out.size()) >= kMaxItems) {
      return InvalidArgumentError("range(): more than 1000000 items");
    }
    out.emplace_back(i);
  }
  return Value(std::move(out));
}

// dict(**kwargs) and namespace(**kwargs): a new dict (a namespace's attributes can be
// set with {% set ns.x = ... %}).
Result<Value> MakeDict(const CallArgs& args) {
  Dict out;
  for (const Value& arg : args.positional) {
    if (!arg.is_dict()) return InvalidArgumentError("dict(): expected a dict or keywords");
    for (const auto& [key, value] : arg.as_dict()) out.Set(key, value);
  }
  for (const auto& [key, value] : args.keyword) out.Set(key, value);
  return Value(std::move(out));
}

}  // namespace

Environment::Environment() {
  SetGlobal("range", Value::Function("range", Range));
  SetGlobal("dict", Value::Function("dict", MakeDict));
  SetGlobal("namespace", Value::Function("namespace", MakeDict));
}

Environment::~Environment() = default;

void Environment::SetGlobal(std::string name, Value value) {
  macro_files_.erase(name);
  globals_.insert_or_assign(std::move(name), std::move(value));
}

const Value* Environment::FindGlobal(std::string_view name) const {
  auto it = globals_.find(name);
  return it == globals_.end() ? nullptr : &it->second;
}

const std::string* Environment::FindDoc(std::string_view name) const {
  auto it = docs_.find(name);
  return it == docs_.end() ? nullptr : &it->second;
}

Result<std::shared_ptr<const Template>> Environment::Parse(std::string_view source,
                                                           const std::string& file) const {
  ASSIGN_OR_RETURN(std::unique_ptr<internal::TemplateAst> ast, internal::Parse(file, source));
  return std::shared_ptr<const Template>(std::make_shared<Template>(std::move(ast)));
}

Status Environment::AddMacros(const std::string& file, std::string_view source) {
  ASSIGN_OR_RETURN(std::shared_ptr<const Template> parsed, Parse(source, file));
  const internal::TemplateAst& ast = parsed->ast();
  // Check every name before changing anything, so a failed call leaves no trace.
  std::vector<const internal::MacroDefinition*> macros;
  std::vector<const internal::DocsNode*> docs;
  for (const internal::NodePtr& node : ast.body) {
    if (node->kind == internal::Node::Kind::kMacro) {
      const auto& macro = *static_cast<const internal::MacroNode&>(*node).macro;
      auto defined = macro_files_.find(macro.name);
      if (defined != macro_files_.end() && defined->second != file) {
        return InvalidArgumentError(file + ":" + internal::LineCol(ast.source, macro.offset) +
                                    ": macro '" + macro.name + "' is already defined in " +
                                    defined->second);
      }
      macros.push_back(&macro);
    } else if (node->kind == internal::Node::Kind::kDocs) {
      docs.push_back(&static_cast<const internal::DocsNode&>(*node));
    }
  }
  // Adding a file again replaces all of its macros.
  for (auto it = macro_files_.begin(); it != macro_files_.end();) {
    if (it->second == file) {
      globals_.erase(it->first);
      it = macro_files_.erase(it);
    } else {
      ++it;
    }
  }
  for (const internal::MacroDefinition* macro : macros) {
    globals_.insert_or_assign(macro->name, internal::MakeMacro(*this, ast, *macro, nullptr));
    macro_files_[macro->name] = file;
  }
  for (const internal::DocsNode* doc : docs) docs_[doc->name] = doc->text;
  macro_templates_[file] = std::move(parsed);
  return OkStatus();
}

Result<std::string> Environment::Render(const Template& tmpl, const Dict& locals) const {
  internal::ScopedRenderLocals scoped(&locals);
  internal::Frame frame{nullptr, &locals, {}};
  std::string out;
  out.reserve(tmpl.ast().source.size());
  RETURN_IF_ERROR(internal::RenderBody(*this, tmpl.ast(), frame, out));
  return out;
}

Result<std::string> Environment::Render(std::string_view source, const std::string& file,
                                        const Dict& locals) const {
  ASSIGN_OR_RETURN(std::shared_ptr<const Template> parsed, Parse(source, file));
  return Render(*parsed, locals);
}

Result<Value> Environment::Call(std::string_view name, const CallArgs& args,
                                const Dict& locals) const {
  const Value* callee = FindGlobal(name);
  if (callee == nullptr)
    return NotFoundError("no macro or function named '" + std::string(name) + "'");
  if (!callee->is_callable()) {
    return InvalidArgumentError("'" + std::string(name) + "' is not callable (it is a " +
                                std::string(callee->TypeName()) + ")");
  }
  internal::ScopedRenderLocals scoped(&locals);
  return callee->as_callable().function(args);
}

}  // namespace shoplytics::transform::jinja
