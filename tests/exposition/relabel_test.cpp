// relabel_test.cpp — relabelling with Prometheus semantics (expected results
// follow Prometheus's documented behaviour and its relabel tests), the model
// rewrite (drops, renames into new families), and compile-time errors that
// name the rule.
#include "plugin_exporter/exposition/relabel.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "test_support.hpp"

namespace pe {
namespace {

using test::dump;

RelabelProgram compile_ok(const std::vector<RelabelRule>& rules) {
  std::string error;
  std::size_t index = 99;
  auto p = RelabelProgram::compile(rules, error, index);
  EXPECT_TRUE(p.has_value()) << error;
  return p ? std::move(*p) : RelabelProgram();
}

std::string compile_error(const std::vector<RelabelRule>& rules, std::size_t want_index) {
  std::string error;
  std::size_t index = 99;
  auto p = RelabelProgram::compile(rules, error, index);
  EXPECT_FALSE(p.has_value());
  EXPECT_EQ(index, want_index);
  return error;
}

// Applies `rules` to a one-sample text exposition and returns the dump.
std::string relabel(const std::vector<RelabelRule>& rules, std::string_view text,
                    RelabelStats* stats = nullptr) {
  MetricSet set;
  const ParseResult r = test::parse(text, set, ExpositionFormat::text);
  EXPECT_TRUE(r.ok) << r.error.to_string();
  const RelabelStats st = compile_ok(rules).apply(set);
  if (stats != nullptr) *stats = st;
  return dump(set);
}

RelabelRule rule(RelabelAction action) {
  RelabelRule r;
  r.action = action;
  return r;
}

TEST(Relabel, ActionNames) {
  EXPECT_EQ(relabel_action_from_string("replace"), RelabelAction::replace);
  EXPECT_EQ(relabel_action_from_string("LabelDrop"), RelabelAction::labeldrop);
  EXPECT_EQ(relabel_action_from_string("dropequal"), RelabelAction::dropequal);
  EXPECT_EQ(relabel_action_from_string("delete"), std::nullopt);
  EXPECT_EQ(relabel_action_from_string(""), std::nullopt);
}

TEST(Relabel, ReplaceWithGroups) {
  RelabelRule r = rule(RelabelAction::replace);
  r.source_labels = {"a"};
  r.regex = "f(.*)";
  r.target_label = "d";
  r.replacement = "ch${1}-ch${1}";
  EXPECT_EQ(relabel({r}, "m{a=\"foo\",b=\"bar\"} 1\n"),
            "family m type=unknown\n  m{a=foo,b=bar,d=choo-choo,} 1\n");
  // No match: nothing happens.
  EXPECT_EQ(relabel({r}, "m{a=\"boo\"} 1\n"), "family m type=unknown\n  m{a=boo,} 1\n");
}

TEST(Relabel, ReplaceMultipleSourcesAndSeparator) {
  RelabelRule r = rule(RelabelAction::replace);
  r.source_labels = {"a", "missing", "b"};
  r.separator = "|";
  r.regex = "(.*)\\|\\|(.*)";
  r.target_label = "c";
  r.replacement = "$2:$1";
  EXPECT_EQ(relabel({r}, "m{a=\"x\",b=\"y\"} 1\n"),
            "family m type=unknown\n  m{a=x,b=y,c=y:x,} 1\n");
}

TEST(Relabel, GoTemplateQuirks) {
  RelabelRule r = rule(RelabelAction::replace);
  r.source_labels = {"a"};
  r.regex = "(?P<first>.)(.*)";
  r.target_label = "t";
  // "$1x" names group "1x" (absent: empty); "$$" is a dollar; ${first} named.
  r.replacement = "[$1x][${1}x][$$][${first}][$first][$9][${]";
  EXPECT_EQ(relabel({r}, "m{a=\"abc\"} 1\n"),
            "family m type=unknown\n  m{a=abc,t=[][ax][$][a][a][][${],} 1\n");
}

TEST(Relabel, ReplaceToEmptyDeletesAndTemplatedTarget) {
  RelabelRule del = rule(RelabelAction::replace);
  del.source_labels = {"a"};
  del.target_label = "b";
  del.regex = ".*";
  del.replacement = "";
  EXPECT_EQ(relabel({del}, "m{a=\"1\",b=\"2\"} 1\n"), "family m type=unknown\n  m{a=1,} 1\n");

  RelabelRule t = rule(RelabelAction::replace);
  t.source_labels = {"a"};
  t.regex = "(.*)=(.*)";
  t.target_label = "l_${1}";
  t.replacement = "$2";
  EXPECT_EQ(relabel({t}, "m{a=\"k=v\"} 1\n"), "family m type=unknown\n  m{a=k=v,l_k=v,} 1\n");
  // An expanded target that is not a valid label name is skipped.
  EXPECT_EQ(relabel({t}, "m{a=\"k-x=v\"} 1\n"), "family m type=unknown\n  m{a=k-x=v,} 1\n");
}

TEST(Relabel, DefaultsCopyALabel) {
  RelabelRule r = rule(RelabelAction::replace);
  r.source_labels = {"a"};
  r.target_label = "b";
  EXPECT_EQ(relabel({r}, "m{a=\"1\"} 1\n"), "family m type=unknown\n  m{a=1,b=1,} 1\n");
  // A constant (no source labels): the value is the replacement.
  RelabelRule c = rule(RelabelAction::replace);
  c.target_label = "env";
  c.replacement = "prod";
  RelabelStats st;
  EXPECT_EQ(relabel({c}, "m 1\nn{env=\"prod\"} 2\n", &st),
            "family m type=unknown\n  m{env=prod,} 1\nfamily n type=unknown\n  n{env=prod,} 2\n");
  EXPECT_EQ(st.samples_changed, 1u);
}

TEST(Relabel, KeepAndDrop) {
  RelabelRule drop = rule(RelabelAction::drop);
  drop.source_labels = {"__name__"};
  drop.regex = "go_.*";
  RelabelStats st;
  EXPECT_EQ(relabel({drop}, "go_a 1\ngo_b 2\nprocess_x 3\n", &st),
            "family process_x type=unknown\n  process_x{} 3\n");
  EXPECT_EQ(st.samples_dropped, 2u);

  RelabelRule keep = rule(RelabelAction::keep);
  keep.source_labels = {"code"};
  keep.regex = "2..";
  EXPECT_EQ(relabel({keep}, "# TYPE h counter\nh{code=\"200\"} 1\nh{code=\"500\"} 2\nh 3\n"),
            "family h type=counter\n  h{code=200,} 1\n");
  // Anchored: "2.." does not match "2000".
  EXPECT_EQ(relabel({keep}, "h{code=\"2000\"} 1\n"), "");
}

TEST(Relabel, KeepEqualDropEqual) {
  RelabelRule ke = rule(RelabelAction::keepequal);
  ke.source_labels = {"a"};
  ke.target_label = "b";
  EXPECT_EQ(relabel({ke}, "m{a=\"1\",b=\"1\"} 1\nm{a=\"1\",b=\"2\"} 2\n"),
            "family m type=unknown\n  m{a=1,b=1,} 1\n");
  RelabelRule de = ke;
  de.action = RelabelAction::dropequal;
  EXPECT_EQ(relabel({de}, "m{a=\"1\",b=\"1\"} 1\nm{a=\"1\",b=\"2\"} 2\n"),
            "family m type=unknown\n  m{a=1,b=2,} 2\n");
}

TEST(Relabel, HashMod) {
  RelabelRule r = rule(RelabelAction::hashmod);
  r.source_labels = {"c"};
  r.target_label = "d";
  r.modulus = 1000;
  // Same value Prometheus computes: md5("baz"), last 8 bytes big-endian, mod 1000.
  EXPECT_EQ(relabel({r}, "m{c=\"baz\"} 1\nm{c=\"foo\"} 1\n"),
            "family m type=unknown\n  m{c=baz,d=976,} 1\n  m{c=foo,d=696,} 1\n");
}

TEST(Relabel, LabelMapDropKeep) {
  RelabelRule map = rule(RelabelAction::labelmap);
  map.regex = "meta_(.+)";
  map.replacement = "$1";
  EXPECT_EQ(relabel({map}, "m{meta_zone=\"a\",x=\"1\"} 1\n"),
            "family m type=unknown\n  m{meta_zone=a,x=1,zone=a,} 1\n");

  RelabelRule drop = rule(RelabelAction::labeldrop);
  drop.regex = "meta_.*|x";
  EXPECT_EQ(relabel({drop}, "m{meta_zone=\"a\",x=\"1\",y=\"2\"} 1\n"),
            "family m type=unknown\n  m{y=2,} 1\n");

  RelabelRule keep = rule(RelabelAction::labelkeep);
  keep.regex = "__name__|y";
  EXPECT_EQ(relabel({keep}, "m{meta_zone=\"a\",x=\"1\",y=\"2\"} 1\n"),
            "family m type=unknown\n  m{y=2,} 1\n");
  // labelkeep without __name__ removes the name: the sample is dropped.
  keep.regex = "y";
  RelabelStats st;
  EXPECT_EQ(relabel({keep}, "m{y=\"2\"} 1\n", &st), "");
  EXPECT_EQ(st.samples_dropped, 1u);
}

TEST(Relabel, LabelRulesOverManySamples) {
  // Results are cached per label name within one apply(); more than the cache
  // holds (64 names) must still be right.
  RelabelRule drop = rule(RelabelAction::labeldrop);
  drop.regex = "a|c|n7.";
  RelabelRule map = rule(RelabelAction::labelmap);
  map.regex = "n(.)(.*)";
  map.replacement = "m$1";
  std::string in = "m{a=\"1\",b=\"2\"} 1\nm{b=\"3\",c=\"4\"} 2\nm{a=\"5\"} 3\n";
  std::string want = "family m type=unknown\n  m{b=2,} 1\n  m{b=3,} 2\n  m{} 3\n";
  for (int i = 0; i < 100; ++i) {
    in += "m{n" + std::to_string(i) + "=\"x\"} 4\n";
    const std::string mapped = "m" + std::to_string(i).substr(0, 1);
    if (i >= 70 && i < 80)
      want += "  m{} 4\n";
    else
      want += "  m{n" + std::to_string(i) + "=x," + mapped + "=x,} 4\n";
  }
  EXPECT_EQ(relabel({drop, map}, in), want);
}

TEST(Relabel, LowercaseUppercase) {
  RelabelRule lo = rule(RelabelAction::lowercase);
  lo.source_labels = {"a"};
  lo.target_label = "lo";
  RelabelRule up = rule(RelabelAction::uppercase);
  up.source_labels = {"a"};
  up.target_label = "up";
  EXPECT_EQ(relabel({lo, up}, "m{a=\"MiXed-1\"} 1\n"),
            "family m type=unknown\n  m{a=MiXed-1,lo=mixed-1,up=MIXED-1,} 1\n");
}

TEST(Relabel, RenamedSamplesMoveToTheirOwnFamily) {
  RelabelRule r = rule(RelabelAction::replace);
  r.source_labels = {"__name__", "kind"};
  r.regex = "req_total;(.+)";
  r.target_label = "__name__";
  r.replacement = "req_${1}_total";
  const char* in =
      "# HELP req_total Requests.\n# TYPE req_total counter\n"
      "req_total{kind=\"a\"} 1\nreq_total{kind=\"b\"} 2\nreq_total{kind=\"a\",x=\"1\"} "
      "3\nreq_total 4\n"
      "# TYPE other gauge\nother 5\n";
  EXPECT_EQ(
      relabel({r}, in),
      "family req_total type=counter help=Requests.\n  req_total{} 4\n"
      "family req_a_total type=unknown\n  req_a_total{kind=a,} 1\n  req_a_total{kind=a,x=1,} 3\n"
      "family req_b_total type=unknown\n  req_b_total{kind=b,} 2\n"
      "family other type=gauge\n  other{} 5\n");
  // A renamed sample that still belongs to its family stays in it.
  RelabelRule within = rule(RelabelAction::replace);
  within.source_labels = {"__name__"};
  within.regex = "h_bucket";
  within.target_label = "__name__";
  within.replacement = "h_count";
  EXPECT_EQ(relabel({within}, "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\n"),
            "family h type=histogram\n  h_count{le=+Inf,} 1\n");
  // An invalid new name drops the sample.
  RelabelRule invalid = rule(RelabelAction::replace);
  invalid.target_label = "__name__";
  invalid.replacement = "not-valid";
  RelabelStats st;
  EXPECT_EQ(relabel({invalid}, "a 1\n", &st), "");
  EXPECT_EQ(st.samples_dropped, 1u);
}

TEST(Relabel, EmptyFamiliesAfterDropsDisappearButDeclaredOnesStay) {
  RelabelRule drop = rule(RelabelAction::drop);
  drop.source_labels = {"__name__"};
  drop.regex = "a";
  EXPECT_EQ(relabel({drop}, "# TYPE a gauge\na 1\n# TYPE meta gauge\n# TYPE b gauge\nb 2\n"),
            "family meta type=gauge\nfamily b type=gauge\n  b{} 2\n");
}

TEST(Relabel, EmptyProgramChangesNothing) {
  RelabelProgram p = compile_ok({});
  EXPECT_TRUE(p.empty());
  MetricSet set;
  ASSERT_TRUE(test::parse("a 1\n", set, ExpositionFormat::text).ok);
  const RelabelStats st = p.apply(set);
  EXPECT_EQ(st.samples_changed + st.samples_dropped, 0u);
  EXPECT_EQ(dump(set), "family a type=unknown\n  a{} 1\n");
}

TEST(Relabel, CompileErrorsNameTheRuleAndTheProblem) {
  RelabelRule ok = rule(RelabelAction::keep);
  RelabelRule bad_regex = rule(RelabelAction::keep);
  bad_regex.regex = "a(";
  EXPECT_EQ(compile_error({ok, bad_regex}, 1)
                .rfind("relabel rule 2 (action keep): invalid regex \"a(\": ", 0),
            0u);

  RelabelRule no_target = rule(RelabelAction::replace);
  EXPECT_EQ(compile_error({no_target}, 0),
            "relabel rule 1 (action replace): 'target_label' is required");

  RelabelRule bad_target = rule(RelabelAction::replace);
  bad_target.target_label = "1abc";
  EXPECT_EQ(compile_error({bad_target}, 0),
            "relabel rule 1 (action replace): \"1abc\" is an invalid 'target_label'");
  bad_target.target_label = "${1}-x";
  EXPECT_EQ(compile_error({bad_target}, 0),
            "relabel rule 1 (action replace): \"${1}-x\" is an invalid 'target_label'");

  RelabelRule mod0 = rule(RelabelAction::hashmod);
  mod0.target_label = "shard";
  EXPECT_EQ(compile_error({mod0}, 0),
            "relabel rule 1 (action hashmod): hashmod requires a non-zero modulus");

  RelabelRule hm_target = rule(RelabelAction::hashmod);
  hm_target.modulus = 2;
  hm_target.target_label = "${1}";
  EXPECT_EQ(compile_error({hm_target}, 0),
            "relabel rule 1 (action hashmod): \"${1}\" is an invalid 'target_label'");

  RelabelRule ld = rule(RelabelAction::labeldrop);
  ld.source_labels = {"a"};
  EXPECT_EQ(compile_error({ld}, 0), "relabel rule 1 (action labeldrop): only 'regex' may be set");

  RelabelRule ke = rule(RelabelAction::keepequal);
  ke.target_label = "b";
  ke.regex = "x";
  EXPECT_EQ(
      compile_error({ke}, 0),
      "relabel rule 1 (action keepequal): only 'source_labels' and 'target_label' may be set");

  RelabelRule lower = rule(RelabelAction::lowercase);
  lower.target_label = "b";
  lower.replacement = "x";
  EXPECT_EQ(compile_error({lower}, 0),
            "relabel rule 1 (action lowercase): 'replacement' cannot be set for this action");

  RelabelRule lm = rule(RelabelAction::labelmap);
  lm.replacement = "-$1";
  EXPECT_EQ(compile_error({lm}, 0),
            "relabel rule 1 (action labelmap): \"-$1\" is an invalid 'replacement'");

  RelabelRule src = rule(RelabelAction::keep);
  src.source_labels = {"a-b"};
  EXPECT_EQ(compile_error({src}, 0),
            "relabel rule 1 (action keep): invalid source label name \"a-b\"");
}

}  // namespace
}  // namespace pe
