// The tree-walking renderer: executes statements and evaluates expressions of a
// TemplateAst against a chain of variable frames and the environment's globals.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "transform/jinja/internal/ast.h"
#include "transform/jinja/value.h"

namespace shoplytics::transform::jinja {
class Environment;
}

namespace shoplytics::transform::jinja::internal {

// One scope of variables: a render's top level, a for loop, a macro call. Lookups go
// through vars, then `locals` (the render's locals, for top-level and macro frames), then
// the parent frame.
struct Frame {
  Frame* parent = nullptr;
  const Dict* locals = nullptr;
  std::vector<std::pair<std::string, Value>> vars;

  const Value* Find(std::string_view name) const;
  void Set(std::string_view name, Value value);
};

// Renders `body` of `ast` into `out` with `frame` as the innermost scope. Macros defined
// by the template are callable only while the render runs (they borrow its frames).
Status RenderBody(const Environment& env, const TemplateAst& ast, Frame& frame, std::string& out);

// A callable Value for `macro` of `ast`, whose calls see `defining_frame` (nullptr for
// macros of macro files: they see the locals of the render that calls them).
Value MakeMacro(const Environment& env, const TemplateAst& ast, const MacroDefinition& macro,
                Frame* defining_frame);

// Sets the locals that macros of macro files see, for the current thread, until
// destroyed (then restores the previous ones).
class ScopedRenderLocals {
 public:
  explicit ScopedRenderLocals(const Dict* locals);
  ~ScopedRenderLocals();
  ScopedRenderLocals(const ScopedRenderLocals&) = delete;
  ScopedRenderLocals& operator=(const ScopedRenderLocals&) = delete;

 private:
  const Dict* previous_;
};

}  // namespace shoplytics::transform::jinja::internal
