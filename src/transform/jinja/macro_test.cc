// Macros, call blocks, return(), macro files, docs and test blocks, and a dbt model.
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "transform/jinja/environment.h"

namespace shoplytics::transform::jinja {
namespace {

std::string RenderOrDie(const Environment& env, std::string_view source, const Dict& locals = {}) {
  Result<std::string> out = env.Render(source, "models/test.sql", locals);
  EXPECT_TRUE(out.ok()) << out.status().ToString();
  return out.ok() ? *out : "<error>";
}

TEST(JinjaMacro, DefaultsPositionalAndKeywordArguments) {
  Environment env;
  const char* macro =
      "{% macro greet(name, greeting='Hello', punct='!') %}{{ greeting }}, {{ name }}{{ punct }}"
      "{% endmacro %}";
  EXPECT_EQ(RenderOrDie(env, std::string(macro) + "{{ greet('Ann') }}"), "Hello, Ann!");
  EXPECT_EQ(RenderOrDie(env, std::string(macro) + "{{ greet('Ann', 'Hi') }}"), "Hi, Ann!");
  EXPECT_EQ(RenderOrDie(env, std::string(macro) + "{{ greet(punct='?', name='Bob') }}"),
            "Hello, Bob?");
  EXPECT_EQ(RenderOrDie(env, std::string(macro) + "[{{ greet() }}]"), "[Hello, !]");
}

TEST(JinjaMacro, DefaultsMayUseEarlierParameters) {
  Environment env;
  EXPECT_EQ(RenderOrDie(env, "{% macro m(a, b=a * 2) %}{{ a }},{{ b }}{% endmacro %}{{ m(3) }}"),
            "3,6");
}

TEST(JinjaMacro, VarargsAndKwargs) {
  Environment env;
  EXPECT_EQ(RenderOrDie(env,
                        "{% macro m(a) %}{{ a }}|{{ varargs }}|{{ kwargs }}{% endmacro %}"
                        "{{ m(1, 2, 3, x='y') }}"),
            "1|[2, 3]|{'x': 'y'}");
}

TEST(JinjaMacro, ExtraArgumentsAreErrorsUnlessTheMacroUsesVarargsOrKwargs) {
  Environment env;
  ASSERT_TRUE(env.AddMacros("macros/m.sql", "{% macro m(a) %}{{ a }}{% endmacro %}").ok());
  Result<std::string> out = env.Render("{{ m(1, 2) }}", "models/x.sql");
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message(),
            "macros/m.sql:1:1: macro 'm' takes at most 1 arguments, got 2\n"
            "  in macro 'm' called at models/x.sql:1:4");
  out = env.Render("\n{{ m(1, b=2) }}", "models/x.sql");
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message(),
            "macros/m.sql:1:1: macro 'm' has no parameter named 'b'\n"
            "  in macro 'm' called at models/x.sql:2:4");
}

TEST(JinjaMacro, MacroOutputIsAStringValue) {
  Environment env;
  EXPECT_EQ(RenderOrDie(env,
                        "{% macro col(n) %}  c{{ n }}  {% endmacro %}"
                        "{{ col(1) | trim | upper }}{% set x = col(2) %}[{{ x }}]"),
            "C1[  c2  ]");
}

TEST(JinjaMacro, RecursionWorksAndRunawayRecursionIsAnError) {
  Environment env;
  EXPECT_EQ(RenderOrDie(env,
                        "{% macro count(n) %}{{ n }}{% if n > 0 %}{{ count(n - 1) }}{% endif %}"
                        "{% endmacro %}{{ count(3) }}"),
            "3210");
  Result<std::string> out =
      env.Render("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", "models/loop.sql");
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("nested deeper than"), std::string::npos)
      << out.status().message();
}

TEST(JinjaMacro, CallBlockPassesCaller) {
  Environment env;
  EXPECT_EQ(RenderOrDie(env,
                        "{% macro wrap(tag) %}<{{ tag }}>{{ caller() }}</{{ tag }}>{% endmacro %}"
                        "{% call wrap('b') %}bold {{ 1 + 1 }}{% endcall %}"),
            "<b>bold 2</b>");
}

TEST(JinjaMacro, CallBlockWithParametersAndLocalsOfTheCallSite) {
  Environment env;
  EXPECT_EQ(RenderOrDie(env,
                        "{% macro each(xs) %}{% for x in xs %}{{ caller(x) }}{% endfor %}"
                        "{% endmacro %}{% set suffix = '!' %}"
                        "{% call(item) each(['a', 'b']) %}[{{ item }}{{ suffix }}]{% endcall %}"),
            "[a!][b!]");
}

TEST(JinjaMacro, ReturnEndsTheMacroWithAValue) {
  Environment env;
  EXPECT_EQ(RenderOrDie(env,
                        "{% macro cols() %}ignored{{ return(['a', 'b']) }}never{% endmacro %}"
                        "{% for c in cols() %}{{ c }};{% endfor %}{{ cols() | length }}"),
            "a;b;2");
  EXPECT_EQ(RenderOrDie(env,
                        "{% macro pick(x) %}{% if x %}{% do return({'k': x}) %}{% endif %}"
                        "{{ return(none) }}{% endmacro %}{{ pick(5).k }}{{ pick(0) }}"),
            "5None");
  // return() inside a loop ends the macro, not just the loop.
  EXPECT_EQ(RenderOrDie(env,
                        "{% macro first_even(xs) %}{% for x in xs %}{% if x is even %}"
                        "{{ return(x) }}{% endif %}{% endfor %}{{ return(-1) }}{% endmacro %}"
                        "{{ first_even([1, 3, 4, 6]) }} {{ first_even([1]) }}"),
            "4 -1");
}

TEST(JinjaMacro, MacroFilesRegisterMacrosAndRenderNothing) {
  Environment env;
  ASSERT_TRUE(env.AddMacros("macros/cents.sql",
                            "{% macro cents_to_dollars(col, scale=2) -%}\n"
                            "  round({{ col }} / 100.0, {{ scale }})\n"
                            "{%- endmacro %}\n"
                            "text outside macros is ignored\n"
                            "{% macro add(a, b) %}{{ return(a + b) }}{% endmacro %}")
                  .ok());
  EXPECT_EQ(RenderOrDie(env, "select {{ cents_to_dollars('amount') }} as dollars"),
            "select round(amount / 100.0, 2) as dollars");
  EXPECT_EQ(RenderOrDie(env, "{{ add(2, 3) * 10 }}"), "50");
  Result<Value> sum = env.Call("add", CallArgs{{1, 2}, {}});
  ASSERT_TRUE(sum.ok());
  EXPECT_EQ(*sum, Value(3));
}

TEST(JinjaMacro, MacrosFromFilesCallEachOtherAndSeeTheRendersLocals) {
  Environment env;
  ASSERT_TRUE(
      env.AddMacros("macros/a.sql", "{% macro outer() %}[{{ inner() }}]{% endmacro %}").ok());
  ASSERT_TRUE(
      env.AddMacros("macros/b.sql", "{% macro inner() %}{{ this.name }}{% endmacro %}").ok());
  EXPECT_EQ(RenderOrDie(env, "{{ outer() }}", Dict{{"this", Dict{{"name", "orders"}}}}),
            "[orders]");
}

TEST(JinjaMacro, SameMacroInTwoFilesIsAnErrorButReloadingAFileReplacesIt) {
  Environment env;
  ASSERT_TRUE(env.AddMacros("macros/a.sql", "{% macro m() %}1{% endmacro %}").ok());
  Status duplicate = env.AddMacros("macros/b.sql", "\n{% macro m() %}2{% endmacro %}");
  EXPECT_EQ(duplicate.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(duplicate.message(), "macros/b.sql:2:1: macro 'm' is already defined in macros/a.sql");
  ASSERT_TRUE(env.AddMacros("macros/a.sql", "{% macro m() %}3{% endmacro %}").ok());
  EXPECT_EQ(RenderOrDie(env, "{{ m() }}"), "3");
}

TEST(JinjaMacro, DocsBlocksAreCollectedByName) {
  Environment env;
  ASSERT_TRUE(env.AddMacros("models/docs.md",
                            "{% docs orders %}\nOne row per **order**; {{ not rendered }}\n"
                            "{% enddocs %}\n\n{% docs customers %}Customers.{% enddocs %}")
                  .ok());
  ASSERT_NE(env.FindDoc("orders"), nullptr);
  EXPECT_EQ(*env.FindDoc("orders"), "\nOne row per **order**; {{ not rendered }}\n");
  EXPECT_EQ(*env.FindDoc("customers"), "Customers.");
  EXPECT_EQ(env.FindDoc("missing"), nullptr);
  EXPECT_EQ(env.docs().size(), 2u);
}

TEST(JinjaMacro, TestBlocksAreMacrosNamedTestUnderscoreName) {
  Environment env;
  ASSERT_TRUE(env.AddMacros("tests/generic/is_positive.sql",
                            "{% test is_positive(model, column_name) %}\n"
                            "select * from {{ model }} where {{ column_name }} <= 0\n"
                            "{% endtest %}")
                  .ok());
  ASSERT_NE(env.FindGlobal("test_is_positive"), nullptr);
  Result<Value> sql =
      env.Call("test_is_positive", CallArgs{{}, {{"model", "orders"}, {"column_name", "amount"}}});
  ASSERT_TRUE(sql.ok()) << sql.status().ToString();
  EXPECT_EQ(sql->as_string(), "\nselect * from orders where amount <= 0\n");
}

TEST(JinjaMacro, CallByNamePassesLocalsToMacrosOfFiles) {
  Environment env;
  ASSERT_TRUE(env.AddMacros("macros/t.sql", "{% macro t() %}{{ this }}{% endmacro %}").ok());
  Result<Value> out = env.Call("t", CallArgs{}, Dict{{"this", "main.orders"}});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out, Value("main.orders"));
  EXPECT_EQ(env.Call("nope", CallArgs{}).status().code(), StatusCode::kNotFound);
}

TEST(JinjaMacro, InlineMacrosSeeTemplateVariables) {
  Environment env;
  EXPECT_EQ(RenderOrDie(env,
                        "{% set prefix = 'stg_' %}{% macro t(n) %}{{ prefix }}{{ n }}{% endmacro %}"
                        "{{ t('orders') }}"),
            "stg_orders");
}

TEST(JinjaMacro, ATemplateRendersConcurrentlyWithEachThreadsLocals) {
  Environment env;
  ASSERT_TRUE(
      env.AddMacros("macros/name.sql", "{% macro model_name() %}{{ this.name }}{% endmacro %}")
          .ok());
  Result<std::shared_ptr<const Template>> parsed =
      env.Parse("{% for i in range(50) %}{{ model_name() }}{% endfor %}", "models/m.sql");
  ASSERT_TRUE(parsed.ok());
  std::vector<std::string> outputs(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      Dict locals{{"this", Dict{{"name", std::to_string(t)}}}};
      for (int round = 0; round < 20; ++round) {
        Result<std::string> out = env.Render(**parsed, locals);
        outputs[t] = out.ok() ? *out : out.status().ToString();
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int t = 0; t < 4; ++t) {
    std::string expected;
    for (int i = 0; i < 50; ++i) expected += std::to_string(t);
    EXPECT_EQ(outputs[t], expected);
  }
}

// ---- a realistic dbt model -----------------------------------------------------------

TEST(JinjaDbt, RendersAModelWithConfigRefAndAPivotLoop) {
  Environment env;
  Dict config_seen;
  std::vector<std::string> refs;
  env.SetGlobal("config", Value::Function("config", [&](const CallArgs& args) -> Result<Value> {
                  for (const auto& [key, value] : args.keyword) config_seen.Set(key, value);
                  return Value("");
                }));
  env.SetGlobal("ref", Value::Function("ref", [&](const CallArgs& args) -> Result<Value> {
                  if (args.positional.empty() || args.positional.size() > 2) {
                    return InvalidArgumentError("ref() takes one or two arguments");
                  }
                  std::string name = args.positional.back().ToString();
                  refs.push_back(name);
                  return Value("\"warehouse\".\"analytics\".\"" + name + "\"");
                }));
  env.SetGlobal("var", Value::Function("var", [](const CallArgs& args) -> Result<Value> {
                  if (args.positional[0].as_string() == "payment_methods") {
                    return Value(List{"credit_card", "coupon", "bank_transfer", "gift_card"});
                  }
                  return args.positional.size() > 1 ? args.positional[1] : Value();
                }));
  ASSERT_TRUE(env.AddMacros("macros/cents_to_dollars.sql",
                            "{% macro cents_to_dollars(column_name, scale=2) -%}\n"
                            "    ({{ column_name }} / 100)::numeric(16, {{ scale }})\n"
                            "{%- endmacro %}\n")
                  .ok());

  const char* model = R"({{
    config(
        materialized='table',
        tags=['finance', 'daily'],
    )
}}

{%- set payment_methods = var('payment_methods') %}

with payments as (

    select * from {{ ref('stg_payments') }}

),

final as (

    select
        order_id,
        {% for payment_method in payment_methods -%}
        sum(case when payment_method = '{{ payment_method }}' then {{ cents_to_dollars('amount') }} else 0 end) as {{ payment_method }}_amount,
        {% endfor -%}
        sum({{ cents_to_dollars('amount') }}) as total_amount

    from payments
    group by 1

)

select * from final
)";
  const char* expected = R"(

with payments as (

    select * from "warehouse"."analytics"."stg_payments"

),

final as (

    select
        order_id,
        sum(case when payment_method = 'credit_card' then (amount / 100)::numeric(16, 2) else 0 end) as credit_card_amount,
        sum(case when payment_method = 'coupon' then (amount / 100)::numeric(16, 2) else 0 end) as coupon_amount,
        sum(case when payment_method = 'bank_transfer' then (amount / 100)::numeric(16, 2) else 0 end) as bank_transfer_amount,
        sum(case when payment_method = 'gift_card' then (amount / 100)::numeric(16, 2) else 0 end) as gift_card_amount,
        sum((amount / 100)::numeric(16, 2)) as total_amount

    from payments
    group by 1

)

select * from final)";
  Result<std::string> out = env.Render(model, "models/orders.sql");
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out, expected);
  EXPECT_EQ(refs, std::vector<std::string>{"stg_payments"});
  ASSERT_NE(config_seen.Find("materialized"), nullptr);
  EXPECT_EQ(*config_seen.Find("materialized"), Value("table"));
  EXPECT_EQ(config_seen.Find("tags")->Repr(), "['finance', 'daily']");
}

TEST(JinjaDbt, IsIncrementalBlockAndThis) {
  Environment env;
  bool incremental = true;
  env.SetGlobal("is_incremental", Value::Function("is_incremental", [&](const CallArgs&) {
                  return Result<Value>(Value(incremental));
                }));
  const char* model =
      "select * from events\n"
      "{% if is_incremental() %}\n"
      "where event_time > (select max(event_time) from {{ this }})\n"
      "{% endif %}";
  Dict locals{{"this", "\"main\".\"events\""}};
  EXPECT_EQ(RenderOrDie(env, model, locals),
            "select * from events\n\nwhere event_time > (select max(event_time) from "
            "\"main\".\"events\")\n");
  incremental = false;
  EXPECT_EQ(RenderOrDie(env, model, locals), "select * from events\n");
}

TEST(JinjaDbt, RelationsPrintAsTheirNameAndHaveAttributes) {
  Environment env;
  env.SetGlobal(
      "ref", Value::Function("ref", [](const CallArgs& args) -> Result<Value> {
        std::string name = args.positional[0].as_string();
        return Value(Dict{
            {"__str__", "\"main\".\"" + name + "\""}, {"schema", "main"}, {"identifier", name}});
      }));
  EXPECT_EQ(RenderOrDie(env,
                        "select * from {{ ref('orders') }} -- {{ ref('orders').identifier }} in "
                        "{{ ref('orders').schema }}{% set r = ref('x') %} {{ 'from ' ~ r }}"),
            "select * from \"main\".\"orders\" -- orders in main from \"main\".\"x\"");
}

TEST(JinjaDbt, GenerateSchemaNameMacroAndHooksWithJinjaInStrings) {
  Environment env;
  env.SetGlobal("target", Value(Dict{{"name", "dev"}, {"schema", "analytics"}}));
  Dict hooks;
  env.SetGlobal("config", Value::Function("config", [&](const CallArgs& args) -> Result<Value> {
                  for (const auto& [key, value] : args.keyword) hooks.Set(key, value);
                  return Value("");
                }));
  ASSERT_TRUE(env.AddMacros("macros/generate_schema_name.sql", R"(
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- set default_schema = target.schema -%}
    {%- if custom_schema_name is none -%}
        {{ default_schema }}
    {%- else -%}
        {{ default_schema }}_{{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
)")
                  .ok());
  Result<Value> plain = env.Call("generate_schema_name", CallArgs{{Value::None(), Value()}, {}});
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_EQ(*plain, Value("analytics"));
  Result<Value> custom = env.Call("generate_schema_name", CallArgs{{" marts ", Value()}, {}});
  ASSERT_TRUE(custom.ok());
  EXPECT_EQ(*custom, Value("analytics_marts"));

  // Hooks hold Jinja in strings; it is text to the outer template.
  EXPECT_EQ(RenderOrDie(env,
                        "{{ config(post_hook=\"grant select on {{ this }} to role reporter\") }}"
                        "select 1"),
            "select 1");
  EXPECT_EQ(*hooks.Find("post_hook"), Value("grant select on {{ this }} to role reporter"));
}

TEST(JinjaDbt, NativeFunctionErrorsKeepTheirCodeAndGetThePosition) {
  Environment env;
  env.SetGlobal("run_query", Value::Function("run_query", [](const CallArgs&) -> Result<Value> {
                  return UnavailableError("warehouse is down");
                }));
  Result<std::string> out = env.Render("x\n  {{ run_query('select 1') }}", "models/q.sql");
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(out.status().message(), "models/q.sql:2:6: warehouse is down");
}

}  // namespace
}  // namespace shoplytics::transform::jinja
