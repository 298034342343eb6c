// Template errors: each says file:line:col and what was expected.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "transform/jinja/environment.h"

namespace shoplytics::transform::jinja {
namespace {

struct ErrorCase {
  const char* source;
  const char* message;
};

void ExpectErrors(const std::vector<ErrorCase>& cases) {
  Environment env;
  env.SetGlobal(
      "ref", Value::Function("ref", [](const CallArgs&) -> Result<Value> { return Value("t"); }));
  Dict locals{{"name", "x"}, {"n", 1}, {"d", Dict{{"a", 1}}}, {"items", List{1, 2}}};
  for (const ErrorCase& c : cases) {
    SCOPED_TRACE(c.source);
    Result<std::string> out = env.Render(c.source, "models/orders.sql", locals);
    ASSERT_FALSE(out.ok()) << "rendered: " << *out;
    EXPECT_EQ(out.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(out.status().message(), c.message);
  }
}

TEST(JinjaErrors, UnclosedBlocks) {
  ExpectErrors({
      {"{% if true %}\nselect 1\nfrom t where x = 1",
       "models/orders.sql:3:19: expected 'endif' to close the 'if' at 1:1, found end of file"},
      {"{% for x in items %}{{ x }}",
       "models/orders.sql:1:28: expected 'endfor' to close the 'for' at 1:1, found end of file"},
      {"a\n  {% macro m() %}x",
       "models/orders.sql:2:19: expected 'endmacro' to close the 'macro' at 2:3, found end of "
       "file"},
      {"{% set x %}abc",
       "models/orders.sql:1:15: expected 'endset' to close the 'set' at 1:1, "
       "found end of file"},
      {"{% if true %}{% for x in items %}{% endif %}",
       "models/orders.sql:1:37: expected 'endfor' to close the 'for' at 1:14, found 'endif'"},
      {"{% call ref('a') %}x",
       "models/orders.sql:1:21: expected 'endcall' to close the 'call' at 1:1, found end of file"},
      {"{% raw %}{{ x }}",
       "models/orders.sql:1:17: expected 'endraw' to close the 'raw' at 1:1, found end of file"},
      {"{% docs d %}text",
       "models/orders.sql:1:17: expected 'enddocs' to close the 'docs' at 1:1, found end of file"},
  });
}

TEST(JinjaErrors, UnclosedTagsAndComments) {
  ExpectErrors({
      {"select {{ name",
       "models/orders.sql:1:15: expected '}}' to close the '{{' at 1:8, found "
       "end of file"},
      {"{% if true",
       "models/orders.sql:1:11: expected '%}' to close the '{%' at 1:1, found end "
       "of file"},
      {"a {# never closed",
       "models/orders.sql:1:18: expected '#}' to close the comment at 1:3, found end of file"},
      {R"({{ 'a\xZZ' }})", "models/orders.sql:1:6: invalid \\x escape: expected 2 hex digits"},
      {"{{ 'abc }}",
       "models/orders.sql:1:4: unterminated string: expected ' to close the "
       "string, found end of file"},
  });
}

TEST(JinjaErrors, StrayAndUnknownTags) {
  ExpectErrors({
      {"x {% endif %}",
       "models/orders.sql:1:6: unexpected 'endif': there is no open block for it to close"},
      {"{% else %}",
       "models/orders.sql:1:4: unexpected 'else': there is no open block for it to "
       "close"},
      {"{% frobnicate %}", "models/orders.sql:1:4: unknown tag 'frobnicate'"},
      {"{% %}", "models/orders.sql:1:4: expected a tag name after '{%', found '%}'"},
  });
}

TEST(JinjaErrors, BadExpressions) {
  ExpectErrors({
      {"{{ }}", "models/orders.sql:1:4: expected an expression, found '}}'"},
      {"{{ 1 + }}", "models/orders.sql:1:8: expected an expression, found '}}'"},
      {"{{ name name }}", "models/orders.sql:1:9: expected '}}', found 'name'"},
      {"{{ f(1, }}", "models/orders.sql:1:9: expected an expression, found '}}'"},
      {"{{ [1, 2 }}", "models/orders.sql:1:10: expected ']', found '}}'"},
      {"{{ {'a' 1} }}", "models/orders.sql:1:9: expected ':', found '1'"},
      {"{{ x $ y }}", "models/orders.sql:1:6: unexpected character '$'"},
      {"{% if %}", "models/orders.sql:1:7: expected an expression, found '%}'"},
      {"{% for x items %}", "models/orders.sql:1:10: expected 'in', found 'items'"},
      {"{% set = 1 %}", "models/orders.sql:1:8: expected a variable name, found '='"},
      {"{% set x 1 %}", "models/orders.sql:1:10: expected '=', found '1'"},
      {"{% if true %}{% else if %}{% endif %}",
       "models/orders.sql:1:22: expected '%}' to end the 'else' tag, found 'if'"},
      {"{% macro m(a %}{% endmacro %}", "models/orders.sql:1:14: expected ')', found '%}'"},
      {"{{ f(a=1, 2) }}",
       "models/orders.sql:1:11: a positional argument follows keyword arguments"},
      {"{{ x.  }}", "models/orders.sql:1:8: expected an attribute name after '.', found '}}'"},
      {"{% call 1 %}{% endcall %}", "models/orders.sql:1:9: expected a macro call after 'call'"},
  });
}

TEST(JinjaErrors, UnknownFiltersAndTests) {
  ExpectErrors({
      {"select\n  {{ name | shout }}", "models/orders.sql:2:13: unknown filter 'shout'"},
      {"{{ name is shouting }}", "models/orders.sql:1:12: unknown test 'shouting'"},
      {"{% filter nope %}x{% endfilter %}", "models/orders.sql:1:11: unknown filter 'nope'"},
      {"{% filter upper %}x",
       "models/orders.sql:1:20: expected 'endfilter' to close the "
       "'filter' at 1:1, found end of file"},
      {"{{ name | }}", "models/orders.sql:1:11: expected a filter name after '|', found '}}'"},
  });
}

TEST(JinjaErrors, UndefinedNamesUsedAsObjectsOrFunctions) {
  ExpectErrors({
      {"{{ nope() }}", "models/orders.sql:1:4: 'nope' is undefined, so it cannot be called"},
      {"\n\n   {{ refs('x') }}",
       "models/orders.sql:3:7: 'refs' is undefined, so it cannot be called"},
      {"{{ nope.attr }}",
       "models/orders.sql:1:4: 'nope' is undefined (reading its attribute 'attr')"},
      {"{{ d.missing.attr }}",
       "models/orders.sql:1:4: 'd.missing' is undefined (reading its attribute 'attr')"},
      {"{{ nope['k'] }}", "models/orders.sql:1:4: 'nope' is undefined (reading its item 'k')"},
      {"{{ nope.lower() }}",
       "models/orders.sql:1:4: 'nope' is undefined, so its method 'lower' cannot be called"},
      {"{{ name.shout() }}",
       "models/orders.sql:1:4: 'name.shout' is undefined: a string has no attribute 'shout'"},
      {"{{ d.missing() }}",
       "models/orders.sql:1:4: 'd.missing' is undefined, so it cannot be "
       "called"},
  });
}

TEST(JinjaErrors, RuntimeTypeErrors) {
  ExpectErrors({
      {"{{ name() }}", "models/orders.sql:1:4: 'name' is not callable (it is a string)"},
      {"{{ n + 'a' }}", "models/orders.sql:1:6: unsupported operand types for +: int and string"},
      {"{{ n / 0 }}", "models/orders.sql:1:6: division by zero"},
      {"{{ nope + 1 }}", "models/orders.sql:1:4: 'nope' is undefined (an operand of an operator)"},
      {"{{ 2 * d.nope }}",
       "models/orders.sql:1:8: 'd.nope' is undefined (an operand of an operator)"},
      {"{{ '%s %s' % 1 }}", "models/orders.sql:1:12: not enough arguments for format string"},
      {"{{ range(*n) }}", "models/orders.sql:1:11: a int is not iterable"},
      {"{{ range(**n) }}", "models/orders.sql:1:12: ** needs a dict, not a int"},
      {"{{ n < 'a' }}", "models/orders.sql:1:8: cannot compare int with string"},
      {"{{ 1 in n }}", "models/orders.sql:1:9: argument of type int is not iterable"},
      {"{% for x in n %}{% endfor %}",
       "models/orders.sql:1:13: cannot loop over n: a int is not iterable"},
      {"{% for a, b in items %}{% endfor %}",
       "models/orders.sql:1:1: cannot unpack a int into 2 names"},
      {"{{ items['a'] }}", "models/orders.sql:1:4: indices of a list must be integers, not string"},
      {"{{ n | round('x') }}",
       "models/orders.sql:1:8: filter 'round': round(): expected an integer argument, got string"},
      {"{{ n | length }}", "models/orders.sql:1:8: filter 'length': length(): a int has no length"},
      {"{{ {1: 2} }}", "models/orders.sql:1:5: dict keys must be strings, not int"},
      {"{% set n.x = 1 %}",
       "models/orders.sql:1:1: cannot set attribute 'x' of 'n': it is not a namespace or dict"},
      {"{{ ref | tojson }}",
       "models/orders.sql:1:10: filter 'tojson': a callable (ref) is not JSON serializable"},
  });
}

TEST(JinjaErrors, DeepNestingIsAnErrorNotACrash) {
  Environment env;
  std::string parens = "{{ " + std::string(100000, '(') + "1" + std::string(100000, ')') + " }}";
  Result<std::string> out = env.Render(parens, "models/deep.sql");
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("nested too deeply"), std::string::npos);
  std::string chain = "{{ 1";
  for (int i = 0; i < 100000; ++i) chain += " ~ 1";
  out = env.Render(chain + " }}", "models/deep.sql");
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("nested too deeply"), std::string::npos);
  std::string blocks;
  for (int i = 0; i < 100000; ++i) blocks += "{% if true %}";
  out = env.Render(blocks, "models/deep.sql");
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("nested too deeply"), std::string::npos);
  std::string fine;
  for (int i = 0; i < 100; ++i) fine += "{% if true %}";
  fine += "{{ " + std::string(50, '(') + "'ok'" + std::string(50, ')') + " }}";
  for (int i = 0; i < 100; ++i) fine += "{% endif %}";
  out = env.Render(fine, "models/deep.sql");
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out, "ok");
}

TEST(JinjaErrors, ErrorsInsideMacrosPointAtTheMacroFileAndTheCall) {
  Environment env;
  ASSERT_TRUE(
      env.AddMacros("macros/m.sql", "{% macro m() %}\n  {{ 1 + 'a' }}\n{% endmacro %}").ok());
  Result<std::string> out = env.Render("select\n{{ m() }}", "models/orders.sql");
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message(),
            "macros/m.sql:2:8: unsupported operand types for +: int and string\n"
            "  in macro 'm' called at models/orders.sql:2:4");
}

TEST(JinjaErrors, MacroFileSyntaxErrorsNameTheFile) {
  Environment env;
  Status status = env.AddMacros("macros/bad.sql", "{% macro m() %}\n{% if x %}\n{% endmacro %}");
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "macros/bad.sql:3:4: expected 'endif' to close the 'if' at 2:1, found 'endmacro'");
}

}  // namespace
}  // namespace shoplytics::transform::jinja
