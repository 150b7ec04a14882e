// fuzz_relabel.cpp — bytes become a small relabel rule list (actions, source
// labels, regexes, targets, replacements drawn from the input), which is
// compiled and applied to a set parsed from the rest of the input. The
// rewritten set must stay a well-formed model whose text output parses.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "plugin_exporter/exposition/metric_names.hpp"
#include "plugin_exporter/exposition/relabel.hpp"
#include "plugin_exporter/exposition/text_parser.hpp"
#include "plugin_exporter/exposition/text_writer.hpp"

namespace {

struct Reader {
  const uint8_t* p;
  std::size_t n;
  uint8_t byte() {
    if (n == 0) return 0;
    --n;
    return *p++;
  }
  // A short string from the input, up to a NUL.
  std::string text(std::size_t max) {
    std::string s;
    while (n > 0 && s.size() < max) {
      const char c = static_cast<char>(byte());
      if (c == '\0') break;
      s.push_back(c);
    }
    return s;
  }
};

const char* const kLabels[] = {"__name__", "a", "b", "le", "job", "instance", "missing"};
const char* const kRegexes[] = {"(.*)",    "a.*",   "(.+)_total", "([a-z]+)(?P<rest>_.*)?",
                                "",        "x|y|z", "(.*);(.*)",  "[",
                                ".*bucket"};
const char* const kTargets[] = {"a", "b", "__name__", "${1}", "t_$2", "le", "x"};
const char* const kReplacements[] = {"$1",   "${1}_x",      "",  "$$", "$rest",
                                     "${2}", "metric_${1}", "v", "$1x"};

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_relabel: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  Reader in{data, size};
  std::vector<pe::RelabelRule> rules(1 + in.byte() % 4);
  for (pe::RelabelRule& r : rules) {
    r.action = static_cast<pe::RelabelAction>(in.byte() % 11);
    const uint8_t sources = in.byte();
    for (std::size_t i = 0; i < 7; ++i)
      if ((sources >> i) & 1) r.source_labels.emplace_back(kLabels[i]);
    const uint8_t choice = in.byte();
    r.regex = choice % 10 == 9 ? in.text(16) : kRegexes[choice % 9];
    const uint8_t t = in.byte();
    r.target_label = t % 8 == 7 ? in.text(8) : kTargets[t % 7];
    const uint8_t rep = in.byte();
    r.replacement = rep % 10 == 9 ? in.text(12) : kReplacements[rep % 9];
    if (in.byte() & 1) r.separator = ",";
    r.modulus = in.byte() % 5;
    // Defaults the validation demands for some actions.
    if (r.action == pe::RelabelAction::labeldrop || r.action == pe::RelabelAction::labelkeep) {
      r.source_labels.clear();
      r.target_label.clear();
      r.replacement = "$1";
      r.separator = ";";
      r.modulus = 0;
    }
  }
  std::string error;
  std::size_t index = 0;
  auto program = pe::RelabelProgram::compile(rules, error, index);
  if (!program) {
    if (error.empty() || index >= rules.size()) fail("compile failed without a reason");
    return 0;
  }
  const std::string_view text(reinterpret_cast<const char*>(in.p), in.n);
  pe::MetricSet set;
  pe::ParseOptions o;
  o.reference_input = true;
  if (!pe::parse_exposition(text, set, o).ok) return 0;
  const std::size_t before = set.samples.size();
  const pe::RelabelStats stats = program->apply(set);
  if (set.samples.size() + stats.samples_dropped != before) fail("sample accounting");
  std::size_t next = 0;
  for (const pe::Family& f : set.families) {
    if (f.sample_begin != next) fail("families not contiguous");
    next += f.sample_count;
    for (const pe::Sample& s : set.samples_of(f)) {
      if (!pe::is_valid_metric_name(s.name)) fail("invalid sample name");
      if (static_cast<std::size_t>(s.label_begin) + s.label_count > set.labels.size())
        fail("label range");
      const auto ls = set.labels_of(s);
      for (std::size_t i = 0; i < ls.size(); ++i)
        for (std::size_t j = i + 1; j < ls.size(); ++j)
          if (ls[i].name == ls[j].name) fail("duplicate label");
    }
  }
  if (next != set.samples.size()) fail("families do not cover the samples");
  const std::string out = pe::write_exposition(set, pe::ExpositionFormat::text);
  pe::MetricSet again;
  const pe::ParseResult r = pe::parse_exposition(out, again, o);
  if (!r.ok) {
    std::fprintf(stderr, "%s\n%s\n", r.error.to_string().c_str(), out.c_str());
    fail("relabelled output does not parse");
  }
  return 0;
}
