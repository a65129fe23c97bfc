#include "cli/settings.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "support/temp_dir.h"

namespace minicrm::cli {
namespace {

class SettingsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const auto& s : settingSpecs())
      unsetenv(s.env.c_str());
    unsetenv("MONGO_URI");
  }
};

TEST_F(SettingsTest, DefaultsMatchTheTable) {
  auto s = resolveSettings({});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->host, "127.0.0.1");
  EXPECT_EQ(s->port, 8000);
  EXPECT_EQ(s->databaseUrl, "sqlite:./minicrm.db");
  EXPECT_EQ(s->corsOrigins, std::vector<std::string>{"http://localhost:5173"});
  EXPECT_EQ(s->sqliteSynchronous, "FULL");
  for (const auto& spec : settingSpecs())
    EXPECT_FALSE(spec.help.empty()) << spec.env;
}

TEST_F(SettingsTest, FlagsBeatEnvironment) {
  setenv("PORT", "9000", 1);
  EXPECT_EQ(resolveSettings({})->port, 9000);
  EXPECT_EQ(resolveSettings({{"PORT", "9100"}})->port, 9100);
}

TEST_F(SettingsTest, CorsOriginsAreSplitAndTrimmed) {
  setenv("CORS_ORIGINS", " http://localhost:5173/ , https://app.example.com,, ", 1);
  EXPECT_EQ(resolveSettings({})->corsOrigins,
            (std::vector<std::string>{"http://localhost:5173", "https://app.example.com"}));
}

TEST_F(SettingsTest, InvalidValuesNameTheirSetting) {
  auto s = resolveSettings({{"PORT", "eighty"}, {"ACCESS_LOG", "maybe"}, {"IO_THREADS", "-1"}});
  ASSERT_FALSE(s.ok());
  ASSERT_EQ(s.error().fields.size(), 3u);
  EXPECT_EQ(s.error().fields[0].path, "PORT");
  EXPECT_EQ(s.error().fields[1].path, "ACCESS_LOG");
  EXPECT_EQ(s.error().fields[2].path, "IO_THREADS");
}

TEST_F(SettingsTest, MongoUriAloneIsRefusedWithTheReplacement) {
  setenv("MONGO_URI", "mongodb://localhost/crm", 1);
  auto s = resolveSettings({});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("DATABASE_URL"), std::string::npos);
  setenv("DATABASE_URL", "sqlite:/tmp/x.db", 1);
  EXPECT_TRUE(resolveSettings({}).ok());
}

TEST_F(SettingsTest, DotEnvFillsOnlyWhatTheEnvironmentLacks) {
  testing::TempDir dir("minicrm-dotenv-unit");
  const std::string path = (dir.path() / ".env").string();
  {
    std::ofstream out(path);
    out << "# comment\n\nPORT=7000\nexport HOST=0.0.0.0\nCORS_ORIGINS='http://a.io'\n"
           "LOG_LEVEL=debug # trailing comment\n";
  }
  setenv("PORT", "7100", 1);
  ASSERT_TRUE(loadDotEnv(path).ok());
  auto s = resolveSettings({});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->port, 7100);
  EXPECT_EQ(s->host, "0.0.0.0");
  EXPECT_EQ(s->corsOrigins, std::vector<std::string>{"http://a.io"});
  EXPECT_EQ(s->logLevel, "debug");
  EXPECT_TRUE(loadDotEnv((dir.path() / "missing.env").string()).ok());
  {
    std::ofstream out(path);
    out << "NOT A SETTING\n";
  }
  EXPECT_FALSE(loadDotEnv(path).ok());
}

TEST_F(SettingsTest, UploadLimitTakesBytesWithBinarySuffixes) {
  EXPECT_EQ(resolveSettings({})->uploadLimit, 1ull << 30);
  const std::vector<std::pair<std::string, std::uint64_t>> good = {
      {"1048576", 1048576}, {"512MiB", 512ull << 20}, {"2G", 2ull << 30}, {"64 KiB", 64ull << 10}};
  for (const auto& [text, bytes] : good) {
    auto s = resolveSettings({{"UPLOAD_LIMIT", text}});
    ASSERT_TRUE(s.ok()) << text;
    EXPECT_EQ(s->uploadLimit, bytes) << text;
  }
  for (const char* bad : {"0", "lots", "5TB", "-1", "1.5G"}) {
    auto s = resolveSettings({{"UPLOAD_LIMIT", bad}});
    ASSERT_FALSE(s.ok()) << bad;
    EXPECT_EQ(s.error().fields.at(0).path, "UPLOAD_LIMIT");
  }
}

}  // namespace
}  // namespace minicrm::cli
