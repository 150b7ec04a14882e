// connection_settings_test.cpp — dsn (conninfo or URI) and discrete fields
// merge into libpq parameters; bad input is reported with its key; password
// files are checked like .pgpass.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "connection_settings.hpp"

namespace pe::postgres {
namespace {

ConnectionSettings build(const ConnectionInput& in, std::vector<SettingsProblem>& problems) {
  return build_connection_settings(in, problems);
}

TEST(ConnectionSettings, UriAndFieldsMerge) {
  ConnectionInput in;
  in.dsn = "postgresql://mon@db.example:6543/app?sslmode=require&connect_timeout=3";
  in.fields = {{"dbname", "other"}, {"application_name", "mine"}};
  in.password = "pw";
  std::vector<SettingsProblem> problems;
  ConnectionSettings s = build(in, problems);
  EXPECT_TRUE(problems.empty());
  EXPECT_EQ(*s.find("host"), "db.example");
  EXPECT_EQ(*s.find("port"), "6543");
  EXPECT_EQ(*s.find("user"), "mon");
  EXPECT_EQ(*s.find("dbname"), "other");  // the discrete field wins over the dsn
  EXPECT_EQ(*s.find("sslmode"), "require");
  EXPECT_EQ(*s.find("password"), "pw");
  EXPECT_EQ(*s.find("application_name"), "mine");
  EXPECT_EQ(s.describe(), "db.example:6543/other as mon");
  EXPECT_EQ(s.describe().find("pw"), std::string::npos);
}

TEST(ConnectionSettings, KeywordValueDsnAndDefaults) {
  ConnectionInput in;
  in.dsn = "host=/run/postgresql dbname='my db'";
  std::vector<SettingsProblem> problems;
  ConnectionSettings s = build(in, problems);
  EXPECT_TRUE(problems.empty());
  EXPECT_EQ(*s.find("dbname"), "my db");
  EXPECT_EQ(*s.find("application_name"), "plugin_exporter");
  EXPECT_EQ(s.find("password"), nullptr);
}

TEST(ConnectionSettings, ProblemsNameTheirKey) {
  ConnectionInput in;
  in.dsn = "host=a bogus=1";
  in.fields = {{"sslmode", "maybe"}, {"not_a_keyword", "x"}};
  std::vector<SettingsProblem> problems;
  build(in, problems);
  ASSERT_EQ(problems.size(), 3u);
  EXPECT_EQ(problems[0].key, "dsn");
  EXPECT_NE(problems[0].message.find("bogus"), std::string::npos);
  EXPECT_EQ(problems[1].key, "not_a_keyword");
  EXPECT_EQ(problems[2].key, "sslmode");

  problems.clear();
  in = ConnectionInput{};
  in.dsn = "postgresql://host/db?no_such_parameter=1";
  build(in, problems);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].key, "dsn");
}

TEST(ConnectionSettings, KnowsLibpqKeywords) {
  EXPECT_TRUE(is_libpq_keyword("keepalives_idle"));
  EXPECT_TRUE(is_libpq_keyword("sslrootcert"));
  EXPECT_FALSE(is_libpq_keyword("hostname"));
}

TEST(PasswordFile, ModeCheckedLikePgpass) {
  char dir_template[] = "/tmp/pe-pg-pwfile-XXXXXX";
  ASSERT_NE(mkdtemp(dir_template), nullptr);
  std::string dir = dir_template;
  std::string file = dir + "/pw";
  std::ofstream(file) << "secret\n";
  ASSERT_EQ(chmod(file.c_str(), 0600), 0);
  EXPECT_FALSE(password_file_problem(file).has_value());
  ASSERT_EQ(chmod(file.c_str(), 0640), 0);
  auto why = password_file_problem(file);
  ASSERT_TRUE(why.has_value());
  EXPECT_NE(why->find("mode 0640"), std::string::npos);
  EXPECT_NE(why->find("chmod 600"), std::string::npos);
  EXPECT_TRUE(password_file_problem(dir).has_value());            // a directory
  EXPECT_TRUE(password_file_problem(dir + "/absent").has_value());  // missing
  std::remove(file.c_str());
  rmdir(dir.c_str());
}

}  // namespace
}  // namespace pe::postgres
