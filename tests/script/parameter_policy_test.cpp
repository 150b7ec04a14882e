// parameter_policy_test.cpp — the allowlist: full anchoring, hostile values
// (shell syntax, newlines, path traversal, overlong, NUL, bad UTF-8),
// repetition, required/default, delivery as argument or variable, names that
// may never be set from a scrape, unknown names reported, and the coalescing
// key telling parameter sets apart.
#include "parameter_policy.hpp"

#include <gtest/gtest.h>

using namespace pe::script;

namespace {

using Params = std::vector<std::pair<std::string, std::string>>;

ParameterSpec env_param(std::string name, std::string regex, std::string var) {
  ParameterSpec s;
  s.name = std::move(name);
  s.regex = std::move(regex);
  s.delivery = ParameterSpec::Delivery::environment;
  s.target = std::move(var);
  return s;
}

ParameterSpec arg_param(std::string name, std::string regex, std::string flag) {
  ParameterSpec s;
  s.name = std::move(name);
  s.regex = std::move(regex);
  s.delivery = ParameterSpec::Delivery::argument;
  s.target = std::move(flag);
  return s;
}

ParameterPolicy target_policy() {
  ParameterPolicy p;
  EXPECT_EQ(p.add(env_param("target", "[a-z0-9.-]{1,63}", "TARGET")), std::nullopt);
  return p;
}

std::string rejection(const ParameterPolicy& p, const Params& params) {
  try {
    p.resolve(params);
  } catch (const BadParameter& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(ParameterPolicy, AcceptedValueBecomesTheNamedVariable) {
  ParameterPolicy p = target_policy();
  ResolvedParameters r = p.resolve(Params{{"target", "db1.example"}});
  EXPECT_EQ(r.environment, std::vector<std::string>{"TARGET=db1.example"});
  EXPECT_TRUE(r.arguments.empty());
  EXPECT_EQ(r.unknown_count, 0u);
}

TEST(ParameterPolicy, RegexIsFullyAnchored) {
  ParameterPolicy p = target_policy();
  // A partial match is not enough: the value must match as a whole.
  EXPECT_NE(rejection(p, {{"target", "db1;rm -rf /"}}), "");
  EXPECT_NE(rejection(p, {{"target", "ok\nevil"}}), "");
  ParameterPolicy anchored;
  ASSERT_EQ(anchored.add(env_param("n", "^[0-9]+$", "N")), std::nullopt);
  EXPECT_EQ(rejection(anchored, {{"n", "12"}}), "");
  EXPECT_NE(rejection(anchored, {{"n", "12\n"}}), "");
}

TEST(ParameterPolicy, InjectionAttemptsAreRejectedWithoutEchoingThem) {
  ParameterPolicy p = target_policy();
  const std::vector<std::string> hostile = {"a;id",
                                            "$(id)",
                                            "`id`",
                                            "a|b",
                                            "a&&b",
                                            "a\nb",
                                            "a\rb",
                                            "../../etc/passwd",
                                            "a b",
                                            "a'b",
                                            "a\"b",
                                            std::string(64, 'a'),
                                            std::string(100000, 'a'),
                                            "é",
                                            ""};
  for (const std::string& v : hostile) {
    std::string why = rejection(p, {{"target", v}});
    EXPECT_NE(why, "") << "accepted: " << v;
    if (v.size() > 3) {
      EXPECT_EQ(why.find(v), std::string::npos) << "echoed the value: " << why;
    }
  }
}

TEST(ParameterPolicy, MessagesSayWhatIsWrong) {
  ParameterPolicy p = target_policy();
  EXPECT_EQ(rejection(p, {{"target", "A"}}),
            "parameter \"target\" does not match the allowed pattern \"[a-z0-9.-]{1,63}\"");
  EXPECT_EQ(rejection(p, {{"target", std::string(300, 'a')}}),
            "parameter \"target\" is longer than 256 bytes");
  EXPECT_EQ(rejection(p, {{"target", "a"}, {"target", "b"}}),
            "parameter \"target\" is given 2 times; give it once");
  EXPECT_EQ(rejection(p, {{"target", std::string("a\0b", 3)}}),
            "parameter \"target\" contains a NUL byte");
  EXPECT_EQ(rejection(p, {{"target", "\xff"}}), "parameter \"target\" is not valid UTF-8");
}

TEST(ParameterPolicy, MaxLengthIsCheckedBeforeTheRegex) {
  ParameterPolicy p;
  ParameterSpec s = env_param("q", ".*", "Q");
  s.max_length = 8;
  ASSERT_EQ(p.add(s), std::nullopt);
  EXPECT_EQ(rejection(p, {{"q", "12345678"}}), "");
  EXPECT_EQ(rejection(p, {{"q", "123456789"}}), "parameter \"q\" is longer than 8 bytes");
}

TEST(ParameterPolicy, RequiredAndDefault) {
  ParameterPolicy p;
  ParameterSpec required = env_param("module", "[a-z]+", "MODULE");
  required.required = true;
  ParameterSpec with_default = arg_param("port", "[0-9]{1,5}", "--port=");
  with_default.default_value = "9100";
  ASSERT_EQ(p.add(required), std::nullopt);
  ASSERT_EQ(p.add(with_default), std::nullopt);
  EXPECT_EQ(rejection(p, {}), "parameter \"module\" is required");
  ResolvedParameters r = p.resolve(Params{{"module", "http"}});
  EXPECT_EQ(r.arguments, std::vector<std::string>{"--port=9100"});
  r = p.resolve(Params{{"module", "http"}, {"port", "22"}});
  EXPECT_EQ(r.arguments, std::vector<std::string>{"--port=22"});
}

TEST(ParameterPolicy, ArgumentForms) {
  ParameterPolicy p;
  ASSERT_EQ(p.add(arg_param("a", "[a-z]+", "--alpha")), std::nullopt);
  ASSERT_EQ(p.add(arg_param("b", "[a-z]+", "--beta=")), std::nullopt);
  ASSERT_EQ(p.add(arg_param("c", "-?[a-z]+", "")), std::nullopt);
  ResolvedParameters r = p.resolve(Params{{"c", "gamma"}, {"b", "bee"}, {"a", "ay"}});
  // In declaration order, whatever the query's order.
  EXPECT_EQ(r.arguments, (std::vector<std::string>{"--alpha", "ay", "--beta=bee", "gamma"}));
  // A positional value that would read as an option is refused even if the regex allows it.
  EXPECT_EQ(rejection(p, {{"c", "-rf"}}),
            "parameter \"c\" may not start with '-' (it would read as an option)");
}

TEST(ParameterPolicy, UnknownNamesAreIgnoredAndReported) {
  ParameterPolicy p = target_policy();
  ResolvedParameters r = p.resolve(Params{
      {"target", "a"}, {"PATH", "/tmp/evil"}, {"LD_PRELOAD", "/tmp/evil.so"}, {"x\ny", "1"}});
  EXPECT_EQ(r.environment, std::vector<std::string>{"TARGET=a"});
  EXPECT_TRUE(r.arguments.empty());
  EXPECT_EQ(r.unknown_count, 3u);
  EXPECT_EQ(r.unknown_names, (std::vector<std::string>{"PATH", "LD_PRELOAD", "x?y"}));
  // Unknown names do not change the key: such scrapes share runs and cache.
  EXPECT_EQ(r.key, p.resolve(Params{{"target", "a"}}).key);
}

TEST(ParameterPolicy, ReportedUnknownNamesAreBounded) {
  ParameterPolicy p;
  Params many;
  for (int i = 0; i < 1000; ++i) many.emplace_back(std::string(500, 'n') + std::to_string(i), "v");
  ResolvedParameters r = p.resolve(many);
  EXPECT_EQ(r.unknown_count, 1000u);
  EXPECT_LE(r.unknown_names.size(), 8u);
  for (const auto& n : r.unknown_names) EXPECT_LE(n.size(), 67u);
}

TEST(ParameterPolicy, KeysTellParameterSetsApart) {
  ParameterPolicy p;
  ASSERT_EQ(p.add(env_param("a", ".*", "A")), std::nullopt);
  ASSERT_EQ(p.add(env_param("b", ".*", "B")), std::nullopt);
  auto key = [&](Params ps) { return p.resolve(ps).key; };
  EXPECT_NE(key({{"a", "x"}}), key({{"b", "x"}}));
  EXPECT_NE(key({{"a", ""}}), key({}));
  // Values are length-prefixed: moving text between parameters changes the key.
  EXPECT_NE(key({{"a", "x1:y"}, {"b", ""}}), key({{"a", "x"}, {"b", "y"}}));
  EXPECT_EQ(key({{"a", "1"}, {"b", "2"}}), key({{"b", "2"}, {"a", "1"}}));
}

TEST(ParameterPolicy, VariablesThatControlCodeCannotBeTargets) {
  for (const char* name : {"PATH", "LD_PRELOAD", "LD_LIBRARY_PATH", "IFS", "BASH_ENV", "ENV",
                           "PYTHONPATH", "PERL5OPT", "NODE_OPTIONS", "GCONV_PATH", "MALLOC_CHECK_",
                           "BASH_FUNC_x%%", "PLUGIN_EXPORTER_DEADLINE", "GLIBC_TUNABLES"}) {
    ParameterPolicy p;
    auto why = p.add(env_param("x", ".*", name));
    EXPECT_TRUE(why.has_value()) << name;
  }
  ParameterPolicy p;
  EXPECT_EQ(p.add(env_param("x", ".*", "1BAD")), "invalid environment variable name \"1BAD\"");
  EXPECT_EQ(p.add(env_param("x", ".*", "A-B")), "invalid environment variable name \"A-B\"");
}

TEST(ParameterPolicy, DeclarationErrors) {
  ParameterPolicy p;
  EXPECT_NE(p.add(env_param("x", "(unclosed", "X")).value_or("").find("invalid regex"),
            std::string::npos);
  ASSERT_EQ(p.add(env_param("x", "[a-z]+", "X")), std::nullopt);
  EXPECT_EQ(p.add(env_param("x", "[a-z]+", "Y")), "parameter \"x\" is declared twice");
  EXPECT_EQ(p.add(env_param("y", "[a-z]+", "X")),
            "variable \"X\" is already set by parameter \"x\"");
  ParameterSpec bad_default = env_param("z", "[a-z]+", "Z");
  bad_default.default_value = "UPPER";
  EXPECT_NE(p.add(bad_default).value_or("").find("default value"), std::string::npos);
}
