// relabel.cpp — Prometheus relabelling (metric_relabel_configs) over a
// MetricSet, with RE2.
//
// Semantics follow Prometheus's model/relabel: regexes are fully anchored
// (^(?:regex)$); the source value is the source labels' values joined with
// the separator (a missing label is ""); "$1", "${1}", "$name", "${name}"
// and "$$" expand as in Go's Regexp.Expand ("$1x" names a group "1x", which
// does not exist, so it expands to nothing); setting a label to "" deletes
// it; __name__ is the sample name. Config validation mirrors Prometheus's
// Config.Validate, and every error names the rule.
//
// Where the model differs from a Prometheus label set:
//   - a sample whose __name__ is removed, emptied or made invalid is dropped
//     (Prometheus would fail the scrape);
//   - labelmap skips a generated name that is not a valid label name;
//   - lowercase/uppercase change ASCII letters only.
#include "plugin_exporter/exposition/relabel.hpp"

#include <re2/re2.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <string>

#include "md5.hpp"
#include "plugin_exporter/exposition/metric_names.hpp"
#include "plugin_exporter/exposition/utf8.hpp"

namespace pe {
namespace {

constexpr std::string_view kNameLabel = "__name__";
constexpr std::string_view kDefaultRegex = "(.*)";
constexpr int kMaxGroups = 16;  // capture groups a template can reference

// A replacement or target_label template, pre-resolved against the regex.
struct Segment {
  std::string literal;  // text before the group
  int group = -1;       // capture group index, -1 = none / unknown (expands to "")
};
struct Template {
  std::vector<Segment> segments;
  std::string tail;  // text after the last group
  bool has_vars = false;
};

bool is_word_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// Go's Regexp.Expand template syntax.
Template parse_template(std::string_view t, const RE2* re) {
  Template out;
  std::string lit;
  std::size_t i = 0;
  while (i < t.size()) {
    if (t[i] != '$') {
      lit.push_back(t[i++]);
      continue;
    }
    if (i + 1 < t.size() && t[i + 1] == '$') {
      lit.push_back('$');
      i += 2;
      continue;
    }
    std::size_t j = i + 1;
    const bool brace = j < t.size() && t[j] == '{';
    if (brace) ++j;
    std::size_t k = j;
    while (k < t.size() && is_word_char(t[k])) ++k;
    if (k == j || (brace && (k >= t.size() || t[k] != '}'))) {
      lit.push_back('$');  // malformed: '$' is literal
      ++i;
      continue;
    }
    const std::string_view name = t.substr(j, k - j);
    i = brace ? k + 1 : k;
    int num = 0;
    for (char c : name) {
      if (c < '0' || c > '9' || num >= 100000000) {
        num = -1;
        break;
      }
      num = num * 10 + (c - '0');
    }
    if (name.size() > 1 && name[0] == '0') num = -1;
    int group = -1;
    const int groups = re != nullptr ? re->NumberOfCapturingGroups() : 1;
    if (num >= 0) {
      group = num <= groups && num <= kMaxGroups ? num : -1;
    } else if (re != nullptr) {
      const auto& named = re->NamedCapturingGroups();
      const auto it = named.find(std::string(name));
      if (it != named.end() && it->second <= kMaxGroups) group = it->second;
    }
    out.segments.push_back({std::move(lit), group});
    lit.clear();
    out.has_vars = true;
  }
  out.tail = std::move(lit);
  return out;
}

// relabelTarget in Prometheus: ^(?:(?:[a-zA-Z_]|\$(?:\{\w+\}|\w+))+\w*)+$
bool is_valid_target_template(std::string_view t) {
  static const RE2 target(R"(^(?:(?:[a-zA-Z_]|\$(?:\{\w+\}|\w+))+\w*)+$)");
  return RE2::FullMatch(t, target);
}

struct Rule {
  RelabelAction action = RelabelAction::replace;
  std::vector<std::string> source_labels;
  std::string separator;
  std::unique_ptr<RE2> re;  // null for the default "(.*)": matches anything, $1 = all
  std::string target_label;
  Template target;
  std::string replacement;
  Template replacement_tmpl;
  uint64_t modulus = 0;
};

// Per-apply state of one rule: results cached for a repeated source value,
// and constant strings copied into the set's arena once.
struct RuleState {
  bool cached = false;
  std::string key;  // source value the cache is for
  bool matched = false;
  std::string_view target;  // stable (arena)
  std::string_view value;   // stable (arena); empty = delete
  bool target_ok = false;
  std::string_view const_target;  // stored target_label, when it has no vars
  bool const_target_stored = false;
  // labelmap/labeldrop/labelkeep: results per label name (names repeat from
  // sample to sample); `mapped` is labelmap's new name (stable), empty if none.
  struct NameResult {
    std::string name;
    bool matched = false;
    std::string_view mapped;
  };
  std::vector<NameResult> names;
  std::size_t names_used = 0;
};

constexpr std::size_t kNameCacheSize = 64;

struct Scratch {
  std::vector<Label> work;
  std::string joined;
  std::string buf;
  std::vector<RuleState> states;
  std::vector<Family> families;
  std::vector<Sample> moved;
  std::array<re2::StringPiece, kMaxGroups + 1> groups;
};

Scratch& scratch() {
  thread_local Scratch s;
  return s;
}

void expand(const Template& t, std::string_view input, const re2::StringPiece* groups, int ngroups,
            std::string& out) {
  out.clear();
  for (const Segment& s : t.segments) {
    out.append(s.literal);
    if (s.group < 0 || s.group > ngroups) continue;
    if (groups == nullptr) {
      out.append(input);  // default regex: group 0 and 1 are the whole input
    } else if (groups[s.group].data() != nullptr) {
      out.append(groups[s.group].data(), groups[s.group].size());
    }
  }
  out.append(t.tail);
}

std::string_view get(const std::vector<Label>& work, std::string_view name) noexcept {
  for (const Label& l : work)
    if (l.name == name) return l.value;
  return {};
}

// Sets (or with an empty value deletes) a label; true if anything changed.
bool set_label(std::vector<Label>& work, std::string_view name, std::string_view value) {
  for (std::size_t i = 0; i < work.size(); ++i) {
    if (work[i].name != name) continue;
    if (value.empty()) {
      work.erase(work.begin() + static_cast<std::ptrdiff_t>(i));
      return true;
    }
    if (work[i].value == value) return false;
    work[i].value = value;
    return true;
  }
  if (value.empty()) return false;
  work.push_back({name, value});
  return true;
}

std::string rule_error(std::size_t index, RelabelAction action, const std::string& problem) {
  static constexpr std::string_view names[] = {"replace",   "keep",      "drop",     "labelmap",
                                               "labeldrop", "labelkeep", "hashmod",  "lowercase",
                                               "uppercase", "keepequal", "dropequal"};
  return "relabel rule " + std::to_string(index + 1) + " (action " +
         std::string(names[static_cast<std::size_t>(action)]) + "): " + problem;
}

char ascii_lower(char c) noexcept {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}
char ascii_upper(char c) noexcept {
  return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
}

}  // namespace

struct RelabelProgram::Impl {
  std::vector<Rule> rules;
};

std::optional<RelabelAction> relabel_action_from_string(std::string_view s) noexcept {
  std::array<char, 16> lower{};
  if (s.size() >= lower.size()) return std::nullopt;
  for (std::size_t i = 0; i < s.size(); ++i) lower[i] = ascii_lower(s[i]);
  const std::string_view l(lower.data(), s.size());
  if (l == "replace") return RelabelAction::replace;
  if (l == "keep") return RelabelAction::keep;
  if (l == "drop") return RelabelAction::drop;
  if (l == "labelmap") return RelabelAction::labelmap;
  if (l == "labeldrop") return RelabelAction::labeldrop;
  if (l == "labelkeep") return RelabelAction::labelkeep;
  if (l == "hashmod") return RelabelAction::hashmod;
  if (l == "lowercase") return RelabelAction::lowercase;
  if (l == "uppercase") return RelabelAction::uppercase;
  if (l == "keepequal") return RelabelAction::keepequal;
  if (l == "dropequal") return RelabelAction::dropequal;
  return std::nullopt;
}

RelabelProgram::RelabelProgram() : impl_(std::make_unique<Impl>()) {}
RelabelProgram::~RelabelProgram() = default;
RelabelProgram::RelabelProgram(RelabelProgram&&) noexcept = default;
RelabelProgram& RelabelProgram::operator=(RelabelProgram&&) noexcept = default;

bool RelabelProgram::empty() const noexcept {
  return !impl_ || impl_->rules.empty();
}

std::optional<RelabelProgram> RelabelProgram::compile(const std::vector<RelabelRule>& rules,
                                                      std::string& error, std::size_t& error_rule) {
  RelabelProgram program;
  for (std::size_t i = 0; i < rules.size(); ++i) {
    const RelabelRule& r = rules[i];
    const RelabelAction a = r.action;
    auto fail = [&](const std::string& problem) {
      error = rule_error(i, a, problem);
      error_rule = i;
      return std::nullopt;
    };
    if (!is_valid_utf8(r.replacement)) return fail("'replacement' is not valid UTF-8");
    if (!is_valid_utf8(r.separator)) return fail("'separator' is not valid UTF-8");
    for (const std::string& l : r.source_labels)
      if (!is_valid_label_name(l)) return fail("invalid source label name \"" + l + "\"");
    const bool default_regex = r.regex == kDefaultRegex;
    const bool default_replacement = r.replacement == "$1";
    const bool default_separator = r.separator == ";";
    if (a == RelabelAction::hashmod && r.modulus == 0)
      return fail("hashmod requires a non-zero modulus");
    const bool needs_target = a == RelabelAction::replace || a == RelabelAction::hashmod ||
                              a == RelabelAction::lowercase || a == RelabelAction::uppercase ||
                              a == RelabelAction::keepequal || a == RelabelAction::dropequal;
    if (needs_target && r.target_label.empty()) return fail("'target_label' is required");
    if (a == RelabelAction::replace) {
      const bool templated = r.target_label.find('$') != std::string::npos;
      if (templated ? !is_valid_target_template(r.target_label)
                    : !is_valid_label_name(r.target_label))
        return fail("\"" + r.target_label + "\" is an invalid 'target_label'");
    } else if (needs_target && !is_valid_label_name(r.target_label)) {
      return fail("\"" + r.target_label + "\" is an invalid 'target_label'");
    }
    if ((a == RelabelAction::lowercase || a == RelabelAction::uppercase ||
         a == RelabelAction::keepequal || a == RelabelAction::dropequal) &&
        !default_replacement)
      return fail("'replacement' cannot be set for this action");
    if (a == RelabelAction::labelmap && !is_valid_target_template(r.replacement))
      return fail("\"" + r.replacement + "\" is an invalid 'replacement'");
    if ((a == RelabelAction::keepequal || a == RelabelAction::dropequal) &&
        (!default_regex || r.modulus != 0 || !default_separator))
      return fail("only 'source_labels' and 'target_label' may be set");
    if ((a == RelabelAction::labeldrop || a == RelabelAction::labelkeep) &&
        (!r.source_labels.empty() || !r.target_label.empty() || r.modulus != 0 ||
         !default_separator || !default_replacement))
      return fail("only 'regex' may be set");

    Rule rule;
    rule.action = a;
    rule.source_labels = r.source_labels;
    rule.separator = r.separator;
    rule.target_label = r.target_label;
    rule.replacement = r.replacement;
    rule.modulus = r.modulus;
    if (!default_regex) {
      RE2::Options opts;
      opts.set_log_errors(false);
      auto re = std::make_unique<RE2>("^(?:" + r.regex + ")$", opts);
      if (!re->ok()) return fail("invalid regex \"" + r.regex + "\": " + re->error());
      rule.re = std::move(re);
    }
    rule.target = parse_template(rule.target_label, rule.re.get());
    rule.replacement_tmpl = parse_template(rule.replacement, rule.re.get());
    program.impl_->rules.push_back(std::move(rule));
  }
  return program;
}

namespace {

// Matches `val` against the rule's regex, filling `groups` (null for the
// default regex, whose only group is the whole input).
bool match(const Rule& rule, std::string_view val, Scratch& sc, const re2::StringPiece*& groups,
           int& ngroups) {
  if (!rule.re) {
    groups = nullptr;
    ngroups = 1;
    return true;
  }
  ngroups = std::min(rule.re->NumberOfCapturingGroups(), kMaxGroups);
  const bool ok = rule.re->Match(re2::StringPiece(val.data(), val.size()), 0, val.size(),
                                 RE2::ANCHOR_BOTH, sc.groups.data(), ngroups + 1);
  groups = sc.groups.data();
  return ok;
}

bool matches(const Rule& rule, std::string_view s) {
  return !rule.re || RE2::FullMatch(re2::StringPiece(s.data(), s.size()), *rule.re);
}

// The cached result of the rule's regex on a label name, computing (and for
// labelmap expanding) it on first sight.
const RuleState::NameResult& name_result(const Rule& rule, RuleState& st, std::string_view name,
                                         MetricSet& set, Scratch& sc) {
  for (std::size_t i = 0; i < st.names_used; ++i)
    if (st.names[i].name == name) return st.names[i];
  RuleState::NameResult r;
  r.name.assign(name);
  if (rule.action == RelabelAction::labelmap) {
    const re2::StringPiece* groups = nullptr;
    int ngroups = 0;
    r.matched = match(rule, name, sc, groups, ngroups);
    if (r.matched) {
      expand(rule.replacement_tmpl, name, groups, ngroups, sc.buf);
      if (is_valid_label_name(sc.buf) && sc.buf != name) r.mapped = set.arena.store(sc.buf);
    }
  } else {
    r.matched = matches(rule, name);
  }
  if (st.names_used == kNameCacheSize) st.names_used = 0;  // many distinct names: start over
  if (st.names.size() <= st.names_used) st.names.emplace_back();
  RuleState::NameResult& slot = st.names[st.names_used++];
  slot.name.swap(r.name);
  slot.matched = r.matched;
  slot.mapped = r.mapped;
  return slot;
}

enum class Outcome { unchanged, changed, dropped };

// Runs every rule over `work` (the sample's labels plus __name__).
Outcome run_rules(const std::vector<Rule>& rules, MetricSet& set, Scratch& sc) {
  std::vector<Label>& work = sc.work;
  bool changed = false;
  for (std::size_t k = 0; k < rules.size(); ++k) {
    const Rule& rule = rules[k];
    RuleState& st = sc.states[k];
    // Source value.
    std::string_view val;
    if (rule.source_labels.size() == 1) {
      val = get(work, rule.source_labels[0]);
    } else if (!rule.source_labels.empty()) {
      sc.joined.clear();
      for (std::size_t i = 0; i < rule.source_labels.size(); ++i) {
        if (i > 0) sc.joined.append(rule.separator);
        sc.joined.append(get(work, rule.source_labels[i]));
      }
      val = sc.joined;
    }
    switch (rule.action) {
      case RelabelAction::keep:
      case RelabelAction::drop: {
        if (!st.cached || st.key != val) {
          st.key.assign(val);
          st.matched = matches(rule, val);
          st.cached = true;
        }
        if (st.matched == (rule.action == RelabelAction::drop)) return Outcome::dropped;
        break;
      }
      case RelabelAction::keepequal:
        if (get(work, rule.target_label) != val) return Outcome::dropped;
        break;
      case RelabelAction::dropequal:
        if (get(work, rule.target_label) == val) return Outcome::dropped;
        break;
      case RelabelAction::replace:
      case RelabelAction::lowercase:
      case RelabelAction::uppercase:
      case RelabelAction::hashmod: {
        if (!st.cached || st.key != val) {
          st.key.assign(val);
          st.cached = true;
          st.matched = false;
          st.target_ok = false;
          const re2::StringPiece* groups = nullptr;
          int ngroups = 0;
          if (rule.action != RelabelAction::replace || match(rule, val, sc, groups, ngroups)) {
            st.matched = true;
            // Target label.
            if (rule.action == RelabelAction::replace && rule.target.has_vars) {
              expand(rule.target, val, groups, ngroups, sc.buf);
              st.target_ok = is_valid_label_name(sc.buf);
              if (st.target_ok) st.target = set.arena.store(sc.buf);
            } else {
              if (!st.const_target_stored) {
                st.const_target = set.arena.store(rule.target_label);
                st.const_target_stored = true;
              }
              st.target = st.const_target;
              st.target_ok = true;
            }
            // Value.
            sc.buf.clear();
            switch (rule.action) {
              case RelabelAction::replace:
                expand(rule.replacement_tmpl, val, groups, ngroups, sc.buf);
                break;
              case RelabelAction::lowercase:
                for (char c : val) sc.buf.push_back(ascii_lower(c));
                break;
              case RelabelAction::uppercase:
                for (char c : val) sc.buf.push_back(ascii_upper(c));
                break;
              default: {
                const auto digest = md5(val);
                uint64_t h = 0;
                for (int i = 8; i < 16; ++i) h = (h << 8) | digest[static_cast<std::size_t>(i)];
                char num[24];
                sc.buf.assign(num, std::to_chars(num, num + sizeof num, h % rule.modulus).ptr);
                break;
              }
            }
            st.value = set.arena.store(sc.buf);
          }
        }
        if (st.matched && st.target_ok) changed |= set_label(work, st.target, st.value);
        break;
      }
      case RelabelAction::labelmap: {
        const std::size_t n = work.size();
        for (std::size_t i = 0; i < n && i < work.size(); ++i) {
          const std::string_view mapped = name_result(rule, st, work[i].name, set, sc).mapped;
          if (mapped.empty()) continue;
          const std::string_view value = work[i].value;
          changed |= set_label(work, mapped, value);
        }
        break;
      }
      case RelabelAction::labeldrop:
      case RelabelAction::labelkeep: {
        const bool drop_matching = rule.action == RelabelAction::labeldrop;
        const auto removed = std::remove_if(work.begin(), work.end(), [&](const Label& l) {
          return name_result(rule, st, l.name, set, sc).matched == drop_matching;
        });
        if (removed != work.end()) {
          work.erase(removed, work.end());
          changed = true;
        }
        break;
      }
    }
  }
  return changed ? Outcome::changed : Outcome::unchanged;
}

}  // namespace

RelabelStats RelabelProgram::apply(MetricSet& set) const {
  RelabelStats stats;
  if (empty()) return stats;
  const std::vector<Rule>& rules = impl_->rules;
  Scratch& sc = scratch();
  // Reset the per-rule caches, keeping their buffers (no allocation per call).
  sc.states.resize(rules.size());
  for (RuleState& st : sc.states) {
    st.cached = false;
    st.const_target_stored = false;
    st.names_used = 0;
  }
  sc.families.clear();
  std::size_t write = 0;
  for (std::size_t fi = 0; fi < set.families.size(); ++fi) {
    const Family f = set.families[fi];
    Family kept = f;
    kept.sample_begin = static_cast<uint32_t>(write);
    kept.sample_count = 0;
    sc.moved.clear();
    const std::size_t end = static_cast<std::size_t>(f.sample_begin) + f.sample_count;
    for (std::size_t i = f.sample_begin; i < end; ++i) {
      Sample s = set.samples[i];
      sc.work.clear();
      sc.work.push_back({kNameLabel, s.name});
      const auto own = set.labels_of(s);
      sc.work.insert(sc.work.end(), own.begin(), own.end());
      const Outcome outcome = run_rules(rules, set, sc);
      if (outcome == Outcome::dropped) {
        ++stats.samples_dropped;
        continue;
      }
      if (outcome == Outcome::changed) {
        const std::string_view name = get(sc.work, kNameLabel);
        if (!is_valid_metric_name(name)) {
          ++stats.samples_dropped;
          continue;
        }
        ++stats.samples_changed;
        s.name = name;
        s.label_begin = static_cast<uint32_t>(set.labels.size());
        s.label_count = 0;
        for (const Label& l : sc.work) {
          if (l.name == kNameLabel) continue;
          set.labels.push_back(l);
          ++s.label_count;
        }
        if (!sample_belongs_to_family(s.name, f.name, f.type)) {
          sc.moved.push_back(s);
          continue;
        }
      }
      set.samples[write++] = s;
      ++kept.sample_count;
    }
    if (kept.sample_count > 0 || f.sample_count == 0) sc.families.push_back(kept);
    // Renamed samples: one family (type unknown) per new name, after this one.
    for (std::size_t m = 0; m < sc.moved.size(); ++m) {
      if (sc.moved[m].name.empty()) continue;  // already placed
      const std::string_view name = sc.moved[m].name;
      Family nf;
      nf.name = name;
      nf.sample_begin = static_cast<uint32_t>(write);
      for (std::size_t j = m; j < sc.moved.size(); ++j) {
        if (sc.moved[j].name != name) continue;
        set.samples[write++] = sc.moved[j];
        sc.moved[j].name = {};
        ++nf.sample_count;
      }
      sc.families.push_back(nf);
    }
  }
  set.samples.resize(write);
  set.families.swap(sc.families);
  return stats;
}

}  // namespace pe
