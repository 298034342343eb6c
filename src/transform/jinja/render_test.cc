// Table-driven tests of the Jinja engine: template in, exact text out.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "transform/jinja/environment.h"

namespace shoplytics::transform::jinja {
namespace {

struct Case {
  const char* source;
  const char* expected;
};

Dict TestLocals() {
  return Dict{
      {"items", List{"a", "b", "c"}},
      {"n", 3},
      {"x", 2.5},
      {"d", Dict{{"zeta", 1}, {"alpha", 2}, {"mid", 3}}},
      {"name", "World"},
      {"padded", "  Hi There  "},
      {"empty", List{}},
      {"nothing", Value::None()},
      {"nested", Dict{{"a", Dict{{"b", "deep"}}}}},
      {"people", List{Dict{{"name", "ann"}, {"age", 31}}, Dict{{"name", "bob"}, {"age", 25}}}},
      {"flag", true},
  };
}

void ExpectRenders(const std::vector<Case>& cases) {
  Environment env;
  Dict locals = TestLocals();
  for (const Case& c : cases) {
    SCOPED_TRACE(c.source);
    Result<std::string> out = env.Render(c.source, "test.sql", locals);
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    EXPECT_EQ(*out, c.expected);
  }
}

TEST(JinjaRender, TextCommentsAndRaw) {
  ExpectRenders({
      {"", ""},
      {"plain text", "plain text"},
      {"select 1\n", "select 1"},  // one trailing newline is dropped
      {"select 1\n\n", "select 1\n"},
      {"a{# comment #}b", "ab"},
      {"a{# multi\nline {{ x }} #}b", "ab"},
      {"{ not a tag } {x}", "{ not a tag } {x}"},
      {"{% raw %}{{ x }}{% if %}{% endraw %}", "{{ x }}{% if %}"},
      {"a {%- raw -%}  {{ y }}  {%- endraw -%} b", "a{{ y }}b"},
      {"line1\r\nline2", "line1\nline2"},
  });
}

TEST(JinjaRender, Literals) {
  ExpectRenders({
      {"{{ 42 }}", "42"},
      {"{{ -7 }}", "-7"},
      {"{{ 1_000 }}", "1000"},
      {"{{ 2.5 }}", "2.5"},
      {"{{ 1.0 }}", "1.0"},
      {"{{ 1e3 }}", "1000.0"},
      {"{{ 'single' }}{{ \"double\" }}", "singledouble"},
      {R"({{ 'it\'s' }})", "it's"},
      {R"({{ "say \"hi\"" }})", "say \"hi\""},
      {R"({{ 'a\nb\tc\\' }})", "a\nb\tc\\"},
      {"{{ 'ab' 'cd' }}", "abcd"},
      {R"({{ '\x41\u00e9\U0001F600' }})", "A\u00e9\U0001F600"},
      {R"({{ 'unknown \d escape' }})", "unknown \\d escape"},
      {"{{ true }} {{ false }} {{ True }} {{ False }}", "True False True False"},
      {"{{ none }}|{{ None }}", "None|None"},
      {"{{ [1, 'a', none, true] }}", "[1, 'a', None, True]"},
      {"{{ [] }}{{ {} }}", "[]{}"},
      {"{{ {'k': 1, 'j': [2]} }}", "{'k': 1, 'j': [2]}"},
      {"{{ (1, 2) }}{{ (1,) }}{{ () }}", "[1, 2][1][]"},
      {"{{ [1, 2,] }}", "[1, 2]"},
      {"{{ \"it's\" ~ '' }}", "it's"},
      {"{{ ['it\\'s'] }}", "[\"it's\"]"},
  });
}

TEST(JinjaRender, VariablesAttributesAndIndexes) {
  ExpectRenders({
      {"Hello {{ name }}!", "Hello World!"},
      {"[{{ undefined_thing }}]", "[]"},
      {"{{ nested.a.b }}", "deep"},
      {"{{ nested['a']['b'] }}", "deep"},
      {"{{ nested.a['b'] }}", "deep"},
      {"[{{ nested.missing }}]", "[]"},
      {"{{ items[0] }}{{ items[-1] }}", "ac"},
      {"{{ items.1 }}", "b"},
      {"[{{ items[10] }}]", "[]"},
      {"{{ name[0] }}", "W"},
      {"{{ items[1:] }}", "['b', 'c']"},
      {"{{ items[:2] }}", "['a', 'b']"},
      {"{{ items[::-1] }}", "['c', 'b', 'a']"},
      {"{{ name[1:3] }}", "or"},
      {"{{ people[1].name }}", "bob"},
      {"{{ nothing }}", "None"},
  });
}

TEST(JinjaRender, Arithmetic) {
  ExpectRenders({
      {"{{ 1 + 2 }}", "3"},
      {"{{ 1 + 2 * 3 }}", "7"},
      {"{{ (1 + 2) * 3 }}", "9"},
      {"{{ 7 - 10 }}", "-3"},
      {"{{ 7 / 2 }}", "3.5"},
      {"{{ 6 / 2 }}", "3.0"},
      {"{{ 7 // 2 }}", "3"},
      {"{{ -7 // 2 }}", "-4"},
      {"{{ 7 % 3 }}", "1"},
      {"{{ -7 % 3 }}", "2"},
      {"{{ 2 ** 10 }}", "1024"},
      {"{{ 2 ** -1 }}", "0.5"},
      {"{{ n * x }}", "7.5"},
      {"{{ 'ab' * 3 }}", "ababab"},
      {"{{ 'ab' + 'cd' }}", "abcd"},
      {"{{ [1] + [2, 3] }}", "[1, 2, 3]"},
      {"{{ n + 0.5 }}", "3.5"},
      {"{{ -n }}", "-3"},
      {"{{ 0.1 + 0.2 }}", "0.30000000000000004"},
      {"{{ true + 1 }}", "2"},
      {"{{ 'id = %s' % 5 }}", "id = 5"},
      {"{{ '%s.%s' % ('a', 'b') }}", "a.b"},
      {"{{ '%d%%, %.2f, %r' % (7.9, 2, 'x') }}", "7%, 2.00, 'x'"},
  });
}

TEST(JinjaRender, ConcatenationAndComparisons) {
  ExpectRenders({
      {"{{ 'a' ~ 1 ~ none ~ true }}", "a1NoneTrue"},
      {"{{ name ~ '!' }}", "World!"},
      {"[{{ 'x' ~ missing ~ 'y' }}]", "[xy]"},
      {"{{ 1 == 1.0 }}", "True"},
      {"{{ 1 != 2 }}", "True"},
      {"{{ 'a' < 'b' }}", "True"},
      {"{{ 3 >= 3 }}{{ 3 > 3 }}{{ 2 <= 1 }}", "TrueFalseFalse"},
      {"{{ 1 < 2 < 3 }}{{ 3 > 2 > 2 }}", "TrueFalse"},
      {"{{ [1, 2] == [1, 2] }}", "True"},
      {"{{ {'a': 1} == {'a': 1} }}", "True"},
      {"{{ none == none }}", "True"},
      {"{{ 'b' in items }}{{ 'z' in items }}", "TrueFalse"},
      {"{{ 'z' not in items }}", "True"},
      {"{{ 'orl' in name }}", "True"},
      {"{{ 'alpha' in d }}", "True"},
      {"{{ not 'x' in ['x'] }}", "False"},
      {"{{ 'x' in missing }}", "False"},
  });
}

TEST(JinjaRender, LogicAndConditionalExpressions) {
  ExpectRenders({
      {"{{ true and false }}", "False"},
      {"{{ true or false }}", "True"},
      {"{{ not flag }}", "False"},
      {"{{ 0 or 'fallback' }}", "fallback"},
      {"{{ 'first' and 'second' }}", "second"},
      {"{{ none or [] or 'x' }}", "x"},
      {"{{ 'yes' if flag else 'no' }}", "yes"},
      {"{{ 'yes' if empty else 'no' }}", "no"},
      {"[{{ 'yes' if empty }}]", "[]"},
      {"{{ 'a' if false else 'b' if true else 'c' }}", "b"},
      {"{{ not (1 == 2) and n > 2 }}", "True"},
      {"{{ missing is defined or 'safe' }}", "safe"},
  });
}

TEST(JinjaRender, Tests) {
  ExpectRenders({
      {"{{ name is defined }}{{ missing is defined }}", "TrueFalse"},
      {"{{ missing is undefined }}{{ missing is not defined }}", "TrueTrue"},
      {"{{ nothing is none }}{{ name is none }}", "TrueFalse"},
      {"{{ name is string }}{{ n is string }}", "TrueFalse"},
      {"{{ n is number }}{{ x is number }}{{ name is number }}", "TrueTrueFalse"},
      {"{{ n is integer }}{{ x is float }}", "TrueTrue"},
      {"{{ d is mapping }}{{ items is mapping }}", "TrueFalse"},
      {"{{ items is iterable }}{{ name is iterable }}{{ n is iterable }}", "TrueTrueFalse"},
      {"{{ items is sequence }}", "True"},
      {"{{ flag is boolean }}{{ flag is true }}{{ flag is false }}", "TrueTrueFalse"},
      {"{{ range is callable }}", "True"},
      {"{{ 4 is even }}{{ 3 is odd }}{{ 9 is divisibleby 3 }}{{ 9 is divisibleby(4) }}",
       "TrueTrueTrueFalse"},
      {"{{ 'b' is in items }}", "True"},
      {"{{ n is eq 3 }}{{ n is gt 1 }}{{ n is lt 1 }}", "TrueTrueFalse"},
      {"{{ 'abc' is lower }}{{ 'ABC' is upper }}", "TrueTrue"},
      {"{{ not name is none }}", "True"},
  });
}

TEST(JinjaRender, Filters) {
  ExpectRenders({
      {"{{ name | lower }}{{ name|upper }}", "worldWORLD"},
      {"[{{ padded | trim }}]", "[Hi There]"},
      {"{{ 'xxhixx' | trim('x') }}", "hi"},
      {"{{ 'a-b-c' | replace('-', '_') }}", "a_b_c"},
      {"{{ 'a-b-c' | replace('-', '', 1) }}", "ab-c"},
      {"{{ items | join(', ') }}", "a, b, c"},
      {"{{ items | join }}", "abc"},
      {"{{ people | join(',', attribute='name') }}", "ann,bob"},
      {"{{ missing | default('dflt') }}", "dflt"},
      {"{{ missing | d('short') }}", "short"},
      {"[{{ '' | default('x') }}]", "[]"},
      {"{{ '' | default('x', true) }}", "x"},
      {"{{ name | default('x') }}", "World"},
      {"{{ nothing | default('x') }}", "None"},
      {"{{ items | length }}{{ name | length }}{{ d | count }}{{ missing | length }}", "3530"},
      {"{{ 'héllo' | length }}", "5"},
      {"{{ '42' | int }}{{ 3.9 | int }}{{ 'x' | int }}{{ 'x' | int(7) }}{{ '2.5' | int }}",
       "423072"},
      {"{{ '2.5' | float }}{{ 3 | float }}{{ 'x' | float }}", "2.53.00.0"},
      {"{{ 2.567 | round(2) }}{{ 2.5 | round }}{{ 3.5 | round }}", "2.572.04.0"},
      {"{{ 2.1 | round(0, 'ceil') }}{{ 2.9 | round(method='floor') }}", "3.02.0"},
      {"{{ 'abc' | list }}{{ d | list }}", "['a', 'b', 'c']['zeta', 'alpha', 'mid']"},
      {"{{ {'b': 1, 'a': [true, none, 'x']} | tojson }}", "{\"a\": [true, null, \"x\"], \"b\": 1}"},
      {"{{ \"it's <b>\" | tojson }}", "\"it\\u0027s \\u003cb\\u003e\""},
      {"{{ 'é' | tojson }}", "\"\\u00e9\""},
      {"{{ items | first }}{{ items | last }}", "ac"},
      {"{{ ['b', 'a', 'B', 'b'] | unique | list }}", "['b', 'a']"},
      {"{{ [3, 1, 2] | sort }}{{ [3, 1, 2] | sort(reverse=true) }}", "[1, 2, 3][3, 2, 1]"},
      {"{{ people | sort(attribute='age') | map(attribute='name') | join(',') }}", "bob,ann"},
      {"{{ items | reverse | join }}", "cba"},
      {"{{ -3 | abs }}", "3"},
      {"{{ 'hello world' | capitalize }} {{ 'hello world' | title }}", "Hello world Hello World"},
      {"{{ items | map('upper') | join }}", "ABC"},
      {"{{ [1, 2, 3, 4] | select('even') | list }}", "[2, 4]"},
      {"{{ [1, 2, 3, 4] | reject('even') | list }}", "[1, 3]"},
      {"{{ people | selectattr('age', 'gt', 30) | map(attribute='name') | first }}", "ann"},
      {"{{ [1, 2, 3] | sum }}{{ [4, 2, 8] | max }}{{ [4, 2, 8] | min }}", "682"},
      {"{{ d | items | first }}", "['zeta', 1]"},
      {"{{ 'a\nb' | indent(2) }}", "a\n  b"},
      {"{{ 'True' | as_bool }}{{ '12' | as_number + 1 }}", "True13"},
      {"{{ name | lower | replace('o', '0') | upper }}", "W0RLD"},
      {"{{ 1 + items | length }}", "4"},
  });
}

TEST(JinjaRender, Methods) {
  ExpectRenders({
      {"{{ name.lower() }}{{ name.upper() }}", "worldWORLD"},
      {"[{{ padded.strip() }}][{{ padded.lstrip() }}][{{ padded.rstrip() }}]",
       "[Hi There][Hi There  ][  Hi There]"},
      {"{{ name.startswith('Wo') }}{{ name.endswith('x') }}", "TrueFalse"},
      {"{{ name.startswith(('x', 'W')) }}", "True"},
      {"{{ 'a,b,,c'.split(',') }}", "['a', 'b', '', 'c']"},
      {"{{ ' a  b '.split() }}", "['a', 'b']"},
      {"{{ 'a.b.c'.split('.', 1) }}", "['a', 'b.c']"},
      {"{{ 'aaa'.replace('a', 'b') }}", "bbb"},
      {"{{ '-'.join(items) }}", "a-b-c"},
      {"{{ '{} is {}'.format('x', 1) }}{{ '{0}{0}'.format('y') }}{{ '{k}'.format(k=2) }}",
       "x is 1yy2"},
      {"{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}", "zeta=1;alpha=2;mid=3;"},
      {"{{ d.keys() | list }}{{ d.values() | list }}", "['zeta', 'alpha', 'mid'][1, 2, 3]"},
      {"{{ d.get('alpha') }}{{ d.get('nope') }}{{ d.get('nope', 0) }}", "2None0"},
      {"{% set xs = [] %}{% do xs.append(1) %}{% do xs.extend([2, 3]) %}{{ xs }}", "[1, 2, 3]"},
      {"{% set xs = [1, 2, 3] %}{{ xs.pop() }}{{ xs }}{{ xs.index(2) }}", "3[1, 2]1"},
      {"{% set m = {} %}{% do m.update({'a': 1}) %}{% do m.update(b=2) %}{{ m }}",
       "{'a': 1, 'b': 2}"},
      {"{% set f = name.lower %}{{ f() }}", "world"},
  });
}

TEST(JinjaRender, IfElifElse) {
  ExpectRenders({
      {"{% if flag %}yes{% endif %}", "yes"},
      {"{% if empty %}yes{% else %}no{% endif %}", "no"},
      {"{% if n == 1 %}one{% elif n == 2 %}two{% elif n == 3 %}three{% else %}many{% endif %}",
       "three"},
      {"{% if n > 5 %}big{% elif n > 1 %}mid{% endif %}", "mid"},
      {"{% if missing %}x{% else %}undefined is false{% endif %}", "undefined is false"},
      {"{% if flag %}{% if not empty %}inner{% else %}other{% endif %}{% endif %}", "inner"},
  });
}

TEST(JinjaRender, ForLoops) {
  ExpectRenders({
      {"{% for i in items %}{{ i }}{% endfor %}", "abc"},
      {"{% for i in items %}{{ loop.index }}{{ loop.index0 }}{% endfor %}", "102132"},
      {"{% for i in items %}{{ loop.first }}-{{ loop.last }};{% endfor %}",
       "True-False;False-False;False-True;"},
      {"{% for i in items %}{{ loop.length }}{{ loop.revindex }}{{ loop.revindex0 }} {% endfor %}",
       "332 321 310 "},
      {"{% for i in items %}{{ i }}{% if not loop.last %}, {% endif %}{% endfor %}", "a, b, c"},
      {"{% for i in empty %}x{% else %}none{% endfor %}", "none"},
      {"{% for i in missing %}x{% else %}undefined iterates as empty{% endfor %}",
       "undefined iterates as empty"},
      {"{% for k in d %}{{ k }} {% endfor %}", "zeta alpha mid "},
      {"{% for k, v in d.items() %}{{ k }}{{ v }}{% endfor %}", "zeta1alpha2mid3"},
      {"{% for (a, b) in [[1, 2], [3, 4]] %}{{ a + b }}{% endfor %}", "37"},
      {"{% for c in 'hé!' %}[{{ c }}]{% endfor %}", "[h][é][!]"},
      {"{% for i in range(3) %}{{ i }}{% endfor %}{% for i in range(5, 0, -2) %}{{ i }}{% endfor "
       "%}",
       "012531"},
      {"{% for i in [1, 2, 3, 4] if i is even %}{{ i }}{{ loop.length }}{% endfor %}", "2242"},
      {"{% for a in [1, 2] %}{% for b in ['x', 'y'] %}{{ a }}{{ b }}{{ loop.index }} {% endfor %}"
       "{{ loop.index }}|{% endfor %}",
       "1x1 1y2 1|2x1 2y2 2|"},
      {"{% for i in range(10) %}{% if i == 3 %}{% break %}{% endif %}{{ i }}{% endfor %}", "012"},
      {"{% for i in range(4) %}{% if i is odd %}{% continue %}{% endif %}{{ i }}{% endfor %}",
       "02"},
      {"{% set x = 'outer' %}{% for i in items %}{% set x = i %}{% endfor %}{{ x }}", "outer"},
      {"{% for p in people %}{{ p.name }}:{{ p['age'] }} {% endfor %}", "ann:31 bob:25 "},
      {"{% for i in items %}{{ loop.cycle('odd', 'even') }} {% endfor %}", "odd even odd "},
      {"{% for i in items %}{{ loop.previtem }}<{{ i }}>{{ loop.nextitem }} {% endfor %}",
       "<a>b a<b>c b<c> "},
      {"{% for i in items %}{% if loop.previtem is defined %},{% endif %}{{ i }}{% endfor %}",
       "a,b,c"},
  });
}

TEST(JinjaRender, Set) {
  ExpectRenders({
      {"{% set a = 1 %}{{ a }}", "1"},
      {"{% set a = n * 2 %}{{ a }}", "6"},
      {"{% set a, b = 1, 2 %}{{ a }}{{ b }}", "12"},
      {"{% set a, b = ['x', 'y'] %}{{ b }}{{ a }}", "yx"},
      {"{% set t = 1, 2 %}{{ t }}", "[1, 2]"},
      {"{% set block %}inner {{ name }}{% endset %}[{{ block }}]", "[inner World]"},
      {"{% set sql -%}\n  select 1\n{%- endset %}{{ sql }}", "select 1"},
      {"{% set ns = namespace(found=false) %}{% for i in items %}{% if i == 'b' %}"
       "{% set ns.found = true %}{% endif %}{% endfor %}{{ ns.found }}",
       "True"},
      {"{% set name = 'shadowed' %}{{ name }}", "shadowed"},
      {"{% set x | upper %}abc{% endset %}{{ x }}", "ABC"},
      {"{% set x | replace('a', 'b') | upper %}aa{% endset %}{{ x }}", "BB"},
      {"{% filter upper %}hello {{ name }}{% endfilter %}", "HELLO WORLD"},
      {"{% filter replace('l', 'L') | trim %}  hello  {% endfilter %}", "heLLo"},
  });
}

TEST(JinjaRender, WhitespaceControl) {
  ExpectRenders({
      {"a  {{- 'b' -}}  c", "abc"},
      {"a\n  {%- if true %}\nb{% endif %}", "a\nb"},
      {"{% if true -%}\n   b\n{%- endif %}", "b"},
      {"a {#- comment -#} b", "ab"},
      // trim_blocks is off, as in dbt: the newline after a tag stays.
      {"{% if true %}\nx\n{% endif %}\n", "\nx\n"},
      {"select\n{%- for c in items %}\n  {{ c }}{% if not loop.last %},{% endif %}\n"
       "{%- endfor %}\nfrom t",
       "select\n  a,\n  b,\n  c\nfrom t"},
      {"{%- set x = 1 -%}\n\n  value: {{ x }}", "value: 1"},
      {"  {{- name }}", "World"},
      {"a\n  {%+ if true +%}\nb{% endif %}", "a\n  \nb"},
      {"{% for i in items -%}\n  {{ i }}\n{%- endfor %}", "abc"},
      {"{{ 'x' -}}\n\n{{- 'y' }}", "xy"},
  });
}

TEST(JinjaRender, DictIterationKeepsInsertionOrder) {
  ExpectRenders({
      {"{% set m = {'c': 1, 'a': 2, 'b': 3} %}{% for k in m %}{{ k }}{% endfor %}", "cab"},
      {"{% set m = {'c': 1, 'a': 2} %}{% do m.update({'z': 0, 'c': 9}) %}{{ m }}",
       "{'c': 9, 'a': 2, 'z': 0}"},
      {"{% set m = {} %}{% for i in range(12) %}{% do m.update({'k' ~ (11 - i): i}) %}"
       "{% endfor %}{{ m | list | first }}{{ m | list | last }}{{ m['k5'] }}",
       "k11k06"},
  });
}

TEST(JinjaRender, RendersNativeFunctionsWithPositionalAndKeywordArguments) {
  Environment env;
  env.SetGlobal("describe", Value::Function("describe", [](const CallArgs& args) -> Result<Value> {
                  std::string out;
                  for (const Value& v : args.positional) out += v.Repr() + ";";
                  for (const auto& [k, v] : args.keyword) out += k + "=" + v.Repr() + ";";
                  return Value(out);
                }));
  env.SetGlobal("target", Value(Dict{{"name", "dev"}, {"schema", "analytics"}}));
  Result<std::string> out = env.Render(
      "{{ describe(1, 'a', key=[1], other=none) }} {{ target.name }}.{{ target.schema }}", "t.sql");
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out, "1;'a';key=[1];other=None; dev.analytics");
}

TEST(JinjaRender, StarArgumentsSpreadListsAndDicts) {
  Environment env;
  env.SetGlobal("show", Value::Function("show", [](const CallArgs& args) -> Result<Value> {
                  std::string out;
                  for (const Value& v : args.positional) out += v.Repr() + ";";
                  for (const auto& [k, v] : args.keyword) out += k + "=" + v.Repr() + ";";
                  return Value(out);
                }));
  Result<std::string> out = env.Render(
      "{% set xs = [2, 3] %}{% set kw = {'b': 'y'} %}{{ show(1, *xs, a='x', **kw) }}"
      "{% macro m(a, b, c=0) %}{{ a }}{{ b }}{{ c }}{% endmacro %}|{{ m(*xs, **{'c': 4}) }}",
      "t.sql");
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out, "1;2;3;a='x';b='y';|234");
}

TEST(JinjaRender, ObjectsCanBeCalledAndHaveMethods) {
  // dbt's config is both config(...) and config.get(...): a dict with __call__.
  Environment env;
  auto store = std::make_shared<Dict>();
  Dict config{
      {"__call__", Value::Function("config",
                                   [store](const CallArgs& args) -> Result<Value> {
                                     for (const auto& [k, v] : args.keyword) store->Set(k, v);
                                     return Value("");
                                   })},
      {"get", Value::Function("get",
                              [store](const CallArgs& args) -> Result<Value> {
                                const Value* found = store->Find(args.positional[0].as_string());
                                if (found != nullptr) return *found;
                                return args.positional.size() > 1 ? args.positional[1]
                                                                  : Value::None();
                              })},
  };
  env.SetGlobal("config", Value(config));
  Result<std::string> out = env.Render(
      "{{ config(materialized='table') }}{{ config.get('materialized') }} "
      "{{ config.get('schema', 'default') }}",
      "t.sql");
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out, "table default");
}

TEST(JinjaRender, ParsesOnceAndRendersManyTimes) {
  Environment env;
  Result<std::shared_ptr<const Template>> parsed = env.Parse("{{ a }}-{{ b | default(0) }}", "t");
  ASSERT_TRUE(parsed.ok());
  for (int i = 0; i < 3; ++i) {
    Result<std::string> out = env.Render(**parsed, Dict{{"a", i}});
    ASSERT_TRUE(out.ok());
    EXPECT_EQ(*out, std::to_string(i) + "-0");
  }
}

}  // namespace
}  // namespace shoplytics::transform::jinja
