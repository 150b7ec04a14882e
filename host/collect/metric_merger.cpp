// metric_merger.cpp — grouping by family, type-conflict resolution, series
// deduplication with an open-addressing table of series hashes.
#include "collect/metric_merger.hpp"

#include <bit>
#include <functional>
#include <memory>
#include <unordered_map>

namespace pe::host {
namespace {

// Counters are grouped under their "_total" name, so a text-format "x_total"
// family and an OpenMetrics "x" family (samples "x_total") meet, while a
// gauge "x" beside a counter "x_total" (every Go exporter's
// go_memstats_alloc_bytes pair) stays two families.
void group_key(const Family& f, std::string& key) {
  constexpr std::string_view kTotal = "_total";
  key.assign(f.name);
  if (f.type == MetricType::counter &&
      !(key.size() > kTotal.size() &&
        key.compare(key.size() - kTotal.size(), kTotal.size(), kTotal) == 0))
    key.append(kTotal);
}

inline uint64_t mix(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

// Order-independent over labels: {a,b} and {b,a} are the same series.
uint64_t series_hash(const MetricSet& set, const Sample& s) {
  std::hash<std::string_view> h;
  uint64_t acc = mix(h(s.name));
  for (const Label& l : set.labels_of(s)) acc += mix(h(l.name) * 31 + h(l.value));
  return mix(acc);
}

bool same_series(const MetricSet& a, const Sample& sa, const MetricSet& b, const Sample& sb) {
  if (sa.name != sb.name || sa.label_count != sb.label_count) return false;
  auto la = a.labels_of(sa);
  auto lb = b.labels_of(sb);
  for (const Label& x : la) {
    bool found = false;
    for (const Label& y : lb) {
      if (x.name == y.name) {
        if (x.value != y.value) return false;
        found = true;
        break;
      }
    }
    if (!found) return false;
  }
  return true;
}

}  // namespace

bool MetricMerger::seen_before(std::span<const MergeSource> sources, uint32_t source,
                               uint32_t sample_index) {
  const MetricSet& set = *sources[source].set;
  const Sample& s = set.samples[sample_index];
  uint64_t h = series_hash(set, s);
  for (std::size_t i = h & slot_mask_;; i = (i + 1) & slot_mask_) {
    Slot& slot = slots_[i];
    if (slot.sample == UINT32_MAX) {
      slot = Slot{h, source, sample_index};
      return false;
    }
    if (slot.hash == h) {
      const MetricSet& other = *sources[slot.source].set;
      if (same_series(set, s, other, other.samples[slot.sample])) return true;
    }
  }
}

void MetricMerger::write(std::span<const MergeSource> sources, ExpositionWriter& writer,
                         MergeStats& stats) {
  stats.sources.assign(sources.size(), {});
  groups_.clear();
  shares_.assign(sources.size(), 0);
  std::unordered_map<std::string, std::size_t> index;
  std::string key;
  for (uint32_t si = 0; si < sources.size(); ++si) {
    const MetricSet& set = *sources[si].set;
    for (const Family& f : set.families) {
      group_key(f, key);
      auto [it, inserted] = index.try_emplace(key, groups_.size());
      if (inserted) {
        Group g;
        g.source = si;
        g.type = f.type;
        g.header = f;
        groups_.push_back(std::move(g));
      }
      Group& g = groups_[it->second];
      if (f.type != g.type) {
        auto& ps = stats.sources[si];
        ps.conflict_samples += f.sample_count;
        ps.conflicting_families.push_back(f.name);
        shares_[si] = shares_[g.source] = 1;
        continue;
      }
      if (g.source != si) shares_[si] = shares_[g.source] = 1;
      if (!g.header.has_help && f.has_help) {
        g.header.help = f.help;
        g.header.has_help = true;
      }
      if (g.header.unit.empty() && !f.unit.empty()) g.header.unit = f.unit;
      g.parts.push_back(Part{si, &f});
    }
  }

  // OpenMetrics declares a counter "x_total" as "x": when another group is
  // named "x", the writer declares the counter as unknown "x_total" instead
  // (see text_writer.cpp).
  const bool om = writer.format() == ExpositionFormat::openmetrics;
  for (Group& g : groups_) {
    if (!om || g.type != MetricType::counter) continue;
    group_key(g.header, key);
    key.resize(key.size() - 6);  // group keys of counters end in "_total"
    auto it = index.find(key);
    g.counter_stem_taken = it != index.end() && groups_[it->second].type != MetricType::counter;
  }

  for (std::size_t gi = 0; gi < groups_.size();) {
    const uint32_t source = groups_[gi].source;
    if (!sources[source].memo || shares_[source]) {
      write_group(sources, groups_[gi++], writer, stats);
      continue;
    }
    // A source sharing no family declared all its groups, one after another.
    std::size_t end = gi + 1;
    while (end < groups_.size() && groups_[end].source == source) ++end;
    write_own_groups(sources, gi, end, writer, stats);
    gi = end;
  }
}

void MetricMerger::write_own_groups(std::span<const MergeSource> sources, std::size_t begin,
                                    std::size_t end, ExpositionWriter& writer, MergeStats& stats) {
  const uint32_t source = groups_[begin].source;
  std::vector<bool> stems;
  stems.reserve(end - begin);
  for (std::size_t i = begin; i < end; ++i) stems.push_back(groups_[i].counter_stem_taken);
  SegmentMemo& memo = *sources[source].memo;
  if (auto kept = memo.get(writer.format()); kept && kept->stems_taken == stems) {
    writer.append_written(kept->bytes);
    stats.sources[source].duplicates += kept->duplicates;
    stats.families += kept->families;
    stats.samples += kept->samples;
    return;
  }
  const std::size_t start = writer.flush();
  const uint64_t duplicates = stats.sources[source].duplicates, families = stats.families,
                 samples = stats.samples;
  for (std::size_t i = begin; i < end; ++i) write_group(sources, groups_[i], writer, stats);
  auto segment = std::make_shared<WrittenSegment>();
  segment->format = writer.format();
  segment->stems_taken = std::move(stems);
  writer.flush();
  segment->bytes = std::string(writer.written_since(start));
  segment->duplicates = stats.sources[source].duplicates - duplicates;
  segment->families = stats.families - families;
  segment->samples = stats.samples - samples;
  memo.put(std::move(segment));
}

void MetricMerger::write_group(std::span<const MergeSource> sources, const Group& g,
                               ExpositionWriter& writer, MergeStats& stats) {
  std::size_t n = 0;
  for (const Part& p : g.parts) n += p.family->sample_count;
  if (n == 0) return;
  std::size_t cap = std::bit_ceil(n * 2);
  if (slots_.size() < cap) slots_.resize(cap);
  slot_mask_ = cap - 1;
  for (std::size_t i = 0; i < cap; ++i) slots_[i].sample = UINT32_MAX;

  writer.family_header(g.header, g.counter_stem_taken);
  ++stats.families;
  for (const Part& p : g.parts) {
    const MetricSet& set = *sources[p.source].set;
    for (uint32_t i = p.family->sample_begin; i < p.family->sample_begin + p.family->sample_count;
         ++i) {
      if (seen_before(sources, p.source, i)) {
        ++stats.sources[p.source].duplicates;
        continue;
      }
      const Sample& s = set.samples[i];
      writer.sample(g.header, s, set.labels_of(s), {}, &set);
      ++stats.samples;
    }
  }
}

}  // namespace pe::host
