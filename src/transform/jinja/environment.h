// Environment: the Jinja engine for dbt-format projects.
//
// An Environment holds globals (native functions such as ref and config, and objects
// such as this and target, all as Values), the macros of the project's macro files, and
// the docs blocks found in them. Templates are parsed once into a syntax tree (Parse) and
// rendered any number of times (Render); Render(source, ...) does both.
//
// Semantics follow Jinja with dbt's settings: trim_blocks and lstrip_blocks off, one
// trailing newline of a template dropped, undefined variables print as nothing (but
// calling one, or reading an attribute of one, is an error naming it). dbt's additions:
// {{ return(x) }} ends a macro and makes the call evaluate to x; {% docs name %} blocks
// are collected by AddMacros; {% test name(...) %} defines the macro test_name.
//
// Scopes: a for loop's variables (and sets inside it) stay in the loop; a macro sees its
// arguments, then (for a macro defined in the template) the template's variables, or
// (for a macro of a macro file) the locals of the Render call running it, as dbt binds
// macros to the calling model's context; then the globals. Macros defined inside a
// template live only while it renders.
//
// Errors are kInvalidArgument "file:line:col: message" (for syntax errors, unclosed
// blocks, unknown filters or tests, calling what is not callable, bad operands, nesting
// deeper than 400). An error returned by a native function keeps its code and gets the
// position of the call as a prefix. An error inside a macro names the macro's file and
// position, then "\n  in macro 'name' called at file:line:col".
//
// Known differences from Jinja: tuples are lists; lower/upper/title change ASCII letters
// only; string indexes and slices count bytes (length counts characters); there is no
// include, import, extends or autoescape; the filters and tests are a fixed set.
//
// Thread safety: SetGlobal and AddMacros must not run concurrently with anything else.
// Parse and Render are const and may run concurrently, provided the native functions
// are thread-safe and templates do not mutate shared global lists or dicts.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/status.h"
#include "transform/jinja/value.h"

namespace shoplytics::transform::jinja {

namespace internal {
struct TemplateAst;
}

// A parsed template; immutable, shareable between threads.
class Template {
 public:
  explicit Template(std::unique_ptr<internal::TemplateAst> ast);
  ~Template();
  const std::string& file() const;
  const internal::TemplateAst& ast() const { return *ast_; }

 private:
  std::unique_ptr<internal::TemplateAst> ast_;
};

class Environment {
 public:
  Environment();
  ~Environment();
  Environment(const Environment&) = delete;
  Environment& operator=(const Environment&) = delete;

  // Makes `name` visible to every template and macro; replaces an earlier global or
  // macro of that name.
  void SetGlobal(std::string name, Value value);
  // The global or macro `name`, or nullptr.
  const Value* FindGlobal(std::string_view name) const;

  // Parses a macro file: registers its macros (and {% test %} blocks as test_<name>) as
  // globals and records its docs blocks; its text renders nowhere. A macro name defined
  // by another file is kInvalidArgument naming both files; adding the same file again
  // replaces its macros.
  Status AddMacros(const std::string& file, std::string_view source);

  // The text of docs block `name` (as written between the tags), or nullptr.
  const std::string* FindDoc(std::string_view name) const;
  const std::unordered_map<std::string, std::string, StringHash, std::equal_to<>>& docs() const {
    return docs_;
  }

  Result<std::shared_ptr<const Template>> Parse(std::string_view source,
                                                const std::string& file) const;
  // Renders a parsed template with `locals` visible as variables (over the globals).
  Result<std::string> Render(const Template& tmpl, const Dict& locals = {}) const;
  Result<std::string> Render(std::string_view source, const std::string& file,
                             const Dict& locals = {}) const;

  // Calls a global macro or function by name, as {{ name(args) }} would in a template
  // rendered with `locals` (which macros of macro files see). kNotFound if there is no
  // such global.
  Result<Value> Call(std::string_view name, const CallArgs& args, const Dict& locals = {}) const;

 private:
  template <typename T>
  using StringMap = std::unordered_map<std::string, T, StringHash, std::equal_to<>>;

  StringMap<Value> globals_;
  StringMap<std::string> macro_files_;  // macro name -> defining file
  StringMap<std::string> docs_;
  std::unordered_map<std::string, std::shared_ptr<const Template>> macro_templates_;  // by file
};

}  // namespace shoplytics::transform::jinja
