// fake_config.hpp — the configuration a pe::testing::FakeHost hands a
// plugin's create: an in-memory tree of TOML values (strings, integers,
// floats, booleans, arrays, tables) built by the test, with the key paths the
// host reports errors at ("tls.ca_file", "targets[1]") and the "used" mark
// behind the host's "unknown key" check. Durations are strings, as in the
// TOML file ("15s"); the FakeHost reads them with pe::parse_duration.
//
//   host.config().set("target", "db:5432").set("timeout", "5s").set("retries", 3);
//   host.config().table("tls").set("verify", true);
//   host.config().set_array("tags", {"a", "b"});
//   host.config().array("queries").push_table().set("name", "q1");
//
// Thread-safety: none; build it on the test thread, before create.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "plugin_exporter/plugin.h"

namespace pe::testing {

// One scalar as a test writes it: "text", 42, 0.5, true.
class ConfigValue {
 public:
  ConfigValue(const char* s) : kind_(PE_CONFIG_STRING), string_(s ? s : "") {}
  ConfigValue(std::string s) : kind_(PE_CONFIG_STRING), string_(std::move(s)) {}
  ConfigValue(std::string_view s) : kind_(PE_CONFIG_STRING), string_(s) {}
  ConfigValue(int v) : kind_(PE_CONFIG_INTEGER), integer_(v) {}
  ConfigValue(long v) : kind_(PE_CONFIG_INTEGER), integer_(v) {}
  ConfigValue(long long v) : kind_(PE_CONFIG_INTEGER), integer_(v) {}
  ConfigValue(double v) : kind_(PE_CONFIG_FLOAT), number_(v) {}
  ConfigValue(bool v) : kind_(PE_CONFIG_BOOLEAN), boolean_(v) {}

  pe_config_kind kind() const noexcept { return kind_; }
  const std::string& string() const noexcept { return string_; }
  int64_t integer() const noexcept { return integer_; }
  double number() const noexcept { return number_; }
  bool boolean() const noexcept { return boolean_; }

 private:
  pe_config_kind kind_;
  std::string string_;
  int64_t integer_ = 0;
  double number_ = 0;
  bool boolean_ = false;
};

// A table, an array or a scalar of the tree. Children keep insertion order,
// the "file order" config_at and config_key_at report.
class ConfigNode {
 public:
  ConfigNode(pe_config_kind kind, std::string path) : kind_(kind), path_(std::move(path)) {}
  ConfigNode(const ConfigValue& value, std::string path)
      : kind_(value.kind()), path_(std::move(path)), value_(value) {}

  pe_config_kind kind() const noexcept { return kind_; }
  // The key path errors are reported at; "" for the plugin table itself.
  const std::string& path() const noexcept { return path_; }
  const ConfigValue& value() const noexcept { return value_; }

  // --- building (tables) ---
  // Sets `key` to a scalar (replacing what was there); returns this table.
  ConfigNode& set(std::string_view key, const ConfigValue& value) {
    put(key, std::make_unique<ConfigNode>(value, child_path(path_, key)));
    return *this;
  }
  // Sets `key` to an array of scalars; returns this table.
  ConfigNode& set_array(std::string_view key, std::initializer_list<ConfigValue> values) {
    ConfigNode& a = array(key);
    for (const ConfigValue& v : values) a.push(v);
    return *this;
  }
  // The subtable (or array) at `key`, created empty when absent.
  ConfigNode& table(std::string_view key) { return container(key, PE_CONFIG_TABLE); }
  ConfigNode& array(std::string_view key) { return container(key, PE_CONFIG_ARRAY); }
  // Removes `key`; returns this table.
  ConfigNode& erase(std::string_view key) {
    require(PE_CONFIG_TABLE, "erase");
    for (auto it = children_.begin(); it != children_.end(); ++it) {
      if (it->first == key) {
        children_.erase(it);
        break;
      }
    }
    return *this;
  }

  // --- building (arrays) ---
  // Appends a scalar; returns this array.
  ConfigNode& push(const ConfigValue& value) {
    require(PE_CONFIG_ARRAY, "push");
    children_.emplace_back(std::string(), std::make_unique<ConfigNode>(value, next_index_path()));
    return *this;
  }
  // Appends an empty table (an array of tables, [[key]] in TOML); returns it.
  ConfigNode& push_table() {
    require(PE_CONFIG_ARRAY, "push_table");
    children_.emplace_back(std::string(),
                           std::make_unique<ConfigNode>(PE_CONFIG_TABLE, next_index_path()));
    return *children_.back().second;
  }

  // --- reading (the FakeHost's side of the C ABI) ---
  const ConfigNode* child(std::string_view key) const {
    for (const auto& [k, node] : children_)
      if (k == key) return node.get();
    return nullptr;
  }
  std::size_t size() const noexcept { return children_.size(); }
  const ConfigNode* at(std::size_t index) const {
    return index < children_.size() ? children_[index].second.get() : nullptr;
  }
  const std::string* key_at(std::size_t index) const {
    return kind_ == PE_CONFIG_TABLE && index < children_.size() ? &children_[index].first : nullptr;
  }

  // Reading a key marks it used (plugin.h); keys never used are "unknown".
  void mark_used() const noexcept { used_ = true; }
  void reset_used() const noexcept {
    used_ = false;
    for (const auto& entry : children_) entry.second->reset_used();
  }
  // The nodes the host would report as "unknown key": unused keys of this
  // table, and below the used tables and arrays of tables.
  void collect_unused(std::vector<const ConfigNode*>& out) const {
    for (const auto& [key, node] : children_) {
      if (!key.empty() && !node->used_) {
        out.push_back(node.get());
        continue;
      }
      if (node->kind_ == PE_CONFIG_TABLE) node->collect_unused(out);
      if (node->kind_ == PE_CONFIG_ARRAY)
        for (const auto& element : node->children_)
          if (element.second->kind_ == PE_CONFIG_TABLE) element.second->collect_unused(out);
    }
  }

  // "a string", "an integer", ... as the host's messages say it.
  static const char* kind_name(pe_config_kind kind) noexcept {
    switch (kind) {
      case PE_CONFIG_TABLE:
        return "a table";
      case PE_CONFIG_ARRAY:
        return "an array";
      case PE_CONFIG_STRING:
        return "a string";
      case PE_CONFIG_INTEGER:
        return "an integer";
      case PE_CONFIG_FLOAT:
        return "a float";
      case PE_CONFIG_BOOLEAN:
        return "a boolean";
      default:
        return "nothing";
    }
  }
  // The host's key paths: bare keys as written, others quoted.
  static std::string child_path(const std::string& parent, std::string_view key) {
    bool bare = !key.empty();
    for (char c : key)
      bare = bare && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '_' || c == '-');
    std::string k = bare ? std::string(key) : "\"" + std::string(key) + "\"";
    return parent.empty() ? k : parent + "." + k;
  }

 private:
  void require(pe_config_kind kind, const char* what) const {
    if (kind_ != kind)
      throw std::logic_error(std::string("pe::testing::ConfigNode::") + what + " on " +
                             kind_name(kind_) + " (" + path_ + ")");
  }
  void put(std::string_view key, std::unique_ptr<ConfigNode> node) {
    require(PE_CONFIG_TABLE, "set");
    for (auto& entry : children_) {
      if (entry.first == key) {
        entry.second = std::move(node);
        return;
      }
    }
    children_.emplace_back(std::string(key), std::move(node));
  }
  ConfigNode& container(std::string_view key, pe_config_kind kind) {
    require(PE_CONFIG_TABLE, kind == PE_CONFIG_TABLE ? "table" : "array");
    for (auto& entry : children_)
      if (entry.first == key && entry.second->kind_ == kind) return *entry.second;
    put(key, std::make_unique<ConfigNode>(kind, child_path(path_, key)));
    return *child_mutable(key);
  }
  ConfigNode* child_mutable(std::string_view key) {
    for (auto& entry : children_)
      if (entry.first == key) return entry.second.get();
    return nullptr;
  }
  std::string next_index_path() const {
    return path_ + "[" + std::to_string(children_.size()) + "]";
  }

  pe_config_kind kind_;
  std::string path_;
  ConfigValue value_{false};
  std::vector<std::pair<std::string, std::unique_ptr<ConfigNode>>> children_;
  mutable bool used_ = false;
};

// The collector's plugin table ([collector.config] in the host's file).
class FakeConfig : public ConfigNode {
 public:
  FakeConfig() : ConfigNode(PE_CONFIG_TABLE, std::string()) {}
};

}  // namespace pe::testing
