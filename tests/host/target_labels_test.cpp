// target_labels_test.cpp — static collector labels, and the clash rule
// (ours win, the source's moves to exported_<name>; honor_labels keeps theirs).
#include "collect/target_labels.hpp"

#include <gtest/gtest.h>

#include <map>

namespace {

std::map<std::string, std::string> labels_of(const pe::MetricSet& set, std::size_t i) {
  std::map<std::string, std::string> m;
  for (const pe::Label& l : set.labels_of(set.samples[i]))
    m[std::string(l.name)] = std::string(l.value);
  return m;
}

pe::MetricSet source() {
  pe::MetricSet set;
  set.add_family("up", pe::MetricType::gauge);
  pe::Label a[] = {{"job", "theirs"}, {"x", "1"}};
  set.add_sample("up", a, 1);
  pe::Label b[] = {{"exported_job", "taken"}, {"job", "theirs2"}};
  set.add_sample("up", b, 1);
  set.add_sample("up", {}, 1);
  return set;
}

const std::vector<std::pair<std::string, std::string>> kStatic{{"job", "ours"}, {"env", "prod"}};

}  // namespace

TEST(TargetLabels, AddsStaticLabelsAndRenamesClashes) {
  pe::MetricSet set = source();
  pe::host::apply_target_labels(set, kStatic, false);
  EXPECT_EQ(labels_of(set, 0),
            (std::map<std::string, std::string>{
                {"job", "ours"}, {"env", "prod"}, {"exported_job", "theirs"}, {"x", "1"}}));
  EXPECT_EQ(labels_of(set, 1),
            (std::map<std::string, std::string>{{"job", "ours"},
                                                {"env", "prod"},
                                                {"exported_job", "taken"},
                                                {"exported_exported_job", "theirs2"}}));
  EXPECT_EQ(labels_of(set, 2),
            (std::map<std::string, std::string>{{"job", "ours"}, {"env", "prod"}}));
}

TEST(TargetLabels, HonorLabelsKeepsTheSourceValue) {
  pe::MetricSet set = source();
  pe::host::apply_target_labels(set, kStatic, true);
  EXPECT_EQ(labels_of(set, 0),
            (std::map<std::string, std::string>{{"job", "theirs"}, {"env", "prod"}, {"x", "1"}}));
  EXPECT_EQ(labels_of(set, 2),
            (std::map<std::string, std::string>{{"job", "ours"}, {"env", "prod"}}));
}
