// plugin_library_test.cpp — loading and the ABI check: a plugin of another
// major, of a newer minor, or without the entry symbol is refused with a
// message naming the file and both versions; a good one loads.
#include "plugin/plugin_library.hpp"

#include <gtest/gtest.h>

using pe::host::PluginLibrary;

namespace {
std::string test_plugin(const char* name) {
  return std::string(PE_TEST_PLUGIN_DIR) + "/" + name + ".so";
}
std::string abi_version(int major, int minor) {
  return std::to_string(major) + "." + std::to_string(minor);
}
}  // namespace

TEST(PluginLibrary, LoadsAPluginOfTheSameAbi) {
  std::string error;
  auto lib = PluginLibrary::load(test_plugin("abi_same"), error);
  ASSERT_TRUE(lib) << error;
  EXPECT_EQ(lib->name(), "abi_variant");
  EXPECT_EQ(lib->descriptor().abi_major, static_cast<uint32_t>(PE_ABI_MAJOR));
}

TEST(PluginLibrary, LoadsTheExampleAndTheCppTestPlugin) {
  std::string error;
  auto hello = PluginLibrary::load(std::string(PE_PLUGIN_DIR) + "/hello.so", error);
  ASSERT_TRUE(hello) << error;
  EXPECT_EQ(hello->name(), "hello");
  EXPECT_FALSE(hello->has(PE_CAP_HTTP_ROUTES));
  auto ts = PluginLibrary::load(test_plugin("test_source"), error);
  ASSERT_TRUE(ts) << error;
  EXPECT_TRUE(ts->has(PE_CAP_HTTP_ROUTES));
  EXPECT_NE(ts->descriptor().handle_http, nullptr);
}

TEST(PluginLibrary, RefusesAnotherMajorNamingFileAndVersions) {
  std::string error;
  auto lib = PluginLibrary::load(test_plugin("abi_next_major"), error);
  EXPECT_FALSE(lib);
  EXPECT_NE(error.find(test_plugin("abi_next_major")), std::string::npos) << error;
  EXPECT_NE(error.find("built for plugin ABI " + abi_version(PE_ABI_MAJOR + 1, PE_ABI_MINOR)),
            std::string::npos)
      << error;
  EXPECT_NE(error.find("this host speaks " + abi_version(PE_ABI_MAJOR, PE_ABI_MINOR)),
            std::string::npos)
      << error;
}

TEST(PluginLibrary, RefusesANewerMinor) {
  std::string error;
  auto lib = PluginLibrary::load(test_plugin("abi_next_minor"), error);
  EXPECT_FALSE(lib);
  EXPECT_NE(error.find(test_plugin("abi_next_minor")), std::string::npos) << error;
  EXPECT_NE(error.find("built for plugin ABI " + abi_version(PE_ABI_MAJOR, PE_ABI_MINOR + 1) +
                       ", newer than this host's " + abi_version(PE_ABI_MAJOR, PE_ABI_MINOR)),
            std::string::npos)
      << error;
}

TEST(PluginLibrary, RefusesAFileWithoutTheEntrySymbol) {
  std::string error;
  auto lib = PluginLibrary::load(test_plugin("no_entry"), error);
  EXPECT_FALSE(lib);
  EXPECT_NE(error.find(test_plugin("no_entry")), std::string::npos) << error;
  EXPECT_NE(error.find("no entry symbol plugin_exporter_entry"), std::string::npos) << error;
}

TEST(PluginLibrary, RefusesFilesThatAreNotSharedObjects) {
  std::string error;
  EXPECT_FALSE(PluginLibrary::load("/nonexistent/x.so", error));
  EXPECT_NE(error.find("/nonexistent/x.so: cannot load"), std::string::npos) << error;
  EXPECT_FALSE(PluginLibrary::load("/etc/hostname", error));
  EXPECT_NE(error.find("/etc/hostname"), std::string::npos) << error;
}
