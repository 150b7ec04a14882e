// same_content.hpp — whether two MetricSets hold the same exposition, so a
// caller that kept what it made of one (written bytes) may reuse it for the
// other.
#pragma once

#include "plugin_exporter/exposition/metric_set.hpp"

namespace pe::host {

// True when both sets hold the same families, samples (values compared bit
// for bit, so 0 and -0 or two NaNs differ as written text may), labels and
// exemplars in the same layout. Sets that differ only in layout compare
// unequal: a caller then makes its result again, never reuses a wrong one.
bool same_content(const MetricSet& a, const MetricSet& b) noexcept;

}  // namespace pe::host
