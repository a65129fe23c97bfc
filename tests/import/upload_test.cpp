// CSV uploads over real HTTP: multipart bodies, the upload limit, a client that goes away
// mid-upload, import jobs, writes that keep committing during a big import, the undo of a
// failed import, and a crash of the real binary in the middle of a job.
#include <gtest/gtest.h>
#include <signal.h>

#include <boost/json/parse.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>

#include "cli/app.h"
#include "support/process.h"
#include "support/raw_socket.h"
#include "support/test_server.h"

namespace minicrm::testing {
namespace {

std::string customersCsv(int rows, int first = 0) {
  std::string csv = "name,email,city\n";
  csv.reserve(static_cast<std::size_t>(rows) * 40);
  for (int i = first; i < first + rows; ++i) {
    csv += "Customer " + std::to_string(i) + ",user" + std::to_string(i) + "@example.com,Pune\n";
  }
  return csv;
}

std::string multipart(const std::string& boundary,
                      const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string body;
  for (const auto& [name, value] : fields) {
    body += "--" + boundary + "\r\n";
    body += "Content-Disposition: form-data; name=\"" + name + "\"" +
            (name == "file" ? "; filename=\"customers.csv\"" : "") + "\r\n";
    if (name == "file") body += "Content-Type: application/vnd.ms-excel\r\n";
    body += "\r\n" + value + "\r\n";
  }
  return body + "--" + boundary + "--\r\n";
}

std::int64_t customerCount(HttpClient& c) {
  return c.get("/api/v1/customers").json().at("meta").at("total").as_int64();
}

std::size_t spooledFiles(const TestServer& server) {
  const std::string dir = cli::importSpoolDir("sqlite:" + server.databasePath());
  std::size_t n = 0;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator(dir, ec);
       !ec && it != std::filesystem::directory_iterator(); ++it) {
    ++n;
  }
  return n;
}

// Polls the job until it is finished; returns its last state.
boost::json::object waitForJob(HttpClient& c, const std::string& id) {
  boost::json::object job;
  for (int i = 0; i < 3000; ++i) {
    job = c.get("/api/v1/import-jobs/" + id).json().at("data").as_object();
    const auto status = job.at("status").as_string();
    if (status == "completed" || status == "failed") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return job;
}

TEST(Upload, MultipartFilePartIsImportedWhateverItsTypeAndOtherFields) {
  TestServer server;
  HttpClient c = server.client();
  const std::string body =
      multipart("bNd42", {{"note", "ignored"}, {"file", customersCsv(3)}, {"after", "x"}});
  auto res = c.request("POST", "/api/v1/customers/bulk", body,
                       {{"Content-Type", "multipart/form-data; boundary=bNd42"}});
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.json().at("summary").at("inserted").as_int64(), 3);
  EXPECT_EQ(customerCount(c), 3);
  EXPECT_EQ(spooledFiles(server), 0u);
}

TEST(Upload, MultipartWithoutFilePartOrBoundaryIs400) {
  TestServer server;
  HttpClient c = server.client();
  auto res =
      c.request("POST", "/api/v1/customers/bulk", multipart("q", {{"upload", customersCsv(2)}}),
                {{"Content-Type", "multipart/form-data; boundary=q"}});
  EXPECT_EQ(res.status, 400);
  EXPECT_NE(res.json().at("message").as_string().find("\"upload\""), std::string::npos) << res.body;
  auto noBoundary =
      c.request("POST", "/api/v1/customers/bulk", "x", {{"Content-Type", "multipart/form-data"}});
  EXPECT_EQ(noBoundary.status, 400);
  EXPECT_NE(noBoundary.json().at("message").as_string().find("boundary"), std::string::npos);
  auto cut = c.request("POST", "/api/v1/customers/bulk",
                       "--q\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nname,email\n",
                       {{"Content-Type", "multipart/form-data; boundary=q"}});
  EXPECT_EQ(cut.status, 400);
  EXPECT_NE(cut.json().at("message").as_string().find("closing boundary"), std::string::npos);
  EXPECT_EQ(customerCount(c), 0);
  EXPECT_EQ(spooledFiles(server), 0u);
}

TEST(Upload, BeyondUploadLimitIs413AndNothingIsKept) {
  cli::Settings settings;
  settings.uploadLimit = 4096;
  TestServer server(settings);
  HttpClient c = server.client();
  const std::string big = customersCsv(500);
  ASSERT_GT(big.size(), 4096u);
  auto declared = c.request("POST", "/api/v1/customers/bulk", big, {{"Content-Type", "text/csv"}});
  EXPECT_EQ(declared.status, 413);
  EXPECT_NE(declared.json().at("message").as_string().find("4096"), std::string::npos);
  HttpClient c2 = server.client();
  auto chunked = c2.request("POST", "/api/v1/customers/bulk", big,
                            {{"Content-Type", "text/csv"}, {"Transfer-Encoding", "chunked"}});
  EXPECT_EQ(chunked.status, 413);
  HttpClient c3 = server.client();
  auto small = c3.request("POST", "/api/v1/customers/bulk", customersCsv(10),
                          {{"Content-Type", "text/csv"}});
  EXPECT_EQ(small.status, 200) << small.body;
  EXPECT_EQ(customerCount(c3), 10);
  EXPECT_EQ(spooledFiles(server), 0u);
}

TEST(Upload, JsonBodiesOfUploadRoutesKeepTheOneMebibyteLimit) {
  TestServer server;
  HttpClient c = server.client();
  const std::string big = "[" + std::string(1 << 20, ' ') + "]";
  EXPECT_EQ(c.send("POST", "/api/v1/orders/bulk", big).status, 413);
  HttpClient c2 = server.client();
  auto json = c2.send("POST", "/api/v1/customers/bulk", "{}");
  EXPECT_EQ(json.status, 415);
}

TEST(Upload, AClientThatGoesAwayMidUploadLeavesNothing) {
  TestServer server;
  auto client = std::make_unique<RawSocket>(server.port());
  const std::string csv = customersCsv(5000);
  const std::string head =
      "POST /api/v1/customers/bulk HTTP/1.1\r\nHost: x\r\n"
      "Content-Type: text/csv\r\nContent-Length: " +
      std::to_string(csv.size() * 2) + "\r\n\r\n";
  ASSERT_TRUE(client->send(head));
  ASSERT_TRUE(client->send(csv));
  // The server has started spooling the upload...
  for (int i = 0; i < 500 && spooledFiles(server) == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(spooledFiles(server), 1u);
  client.reset();  // ...and the client goes away half-way.
  for (int i = 0; i < 500 && spooledFiles(server) > 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(spooledFiles(server), 0u);
  HttpClient c = server.client();
  EXPECT_EQ(customerCount(c), 0);
}

// With auth configured, an upload without credentials is refused on its headers: the
// server answers 401 without waiting for (or spooling) a byte of the body.
TEST(Upload, AnUploadWithoutCredentialsIsRefusedBeforeItsBody) {
  cli::Settings settings;
  settings.auth = "required";
  settings.receiptWebhookSecret = "whsec_test";
  TestServer server(settings);
  RawSocket client(server.port(), std::chrono::seconds(5));
  ASSERT_TRUE(
      client.send("POST /api/v1/customers/bulk HTTP/1.1\r\nHost: x\r\n"
                  "Content-Type: text/csv\r\nContent-Length: 100000000\r\n\r\nname,email\n"));
  const std::string answer = client.readToEnd();
  EXPECT_EQ(answer.rfind("HTTP/1.1 401", 0), 0u) << answer;
  EXPECT_NE(answer.find("WWW-Authenticate: Bearer"), std::string::npos) << answer;
  EXPECT_EQ(spooledFiles(server), 0u);
}

TEST(Upload, AsyncJobReportsProgressAndItsResult) {
  TestServer server;
  HttpClient c = server.client();
  std::string csv = customersCsv(2000) + "Bad,not-an-email,x\nAgain,user7@example.com,y\n";
  auto res =
      c.request("POST", "/api/v1/customers/bulk?async=1", csv, {{"Content-Type", "text/csv"}});
  ASSERT_EQ(res.status, 202) << res.body;
  const auto data = res.json().at("data").as_object();
  EXPECT_TRUE(data.at("status") == "queued" || data.at("status") == "running" ||
              data.at("status") == "completed");
  const std::string id(data.at("jobId").as_string());
  const auto job = waitForJob(c, id);
  EXPECT_EQ(job.at("status"), "completed");
  EXPECT_EQ(job.at("rowsProcessed").as_int64(), 2002);
  EXPECT_EQ(job.at("summary").at("inserted").as_int64(), 2000);
  EXPECT_EQ(job.at("summary").at("duplicates").as_int64(), 1);
  EXPECT_EQ(job.at("summary").at("rejected").as_int64(), 1);
  ASSERT_EQ(job.at("rows").as_array().size(), 2u);
  EXPECT_EQ(job.at("rows").as_array()[0].at("row").as_int64(), 2002);
  EXPECT_EQ(job.at("ok"), false);
  EXPECT_EQ(customerCount(c), 2000);
  EXPECT_EQ(spooledFiles(server), 0u);
  EXPECT_EQ(c.get("/api/v1/import-jobs/" + std::string(24, 'a')).status, 404);
  EXPECT_EQ(c.get("/api/v1/import-jobs/nope").status, 404);
}

TEST(Upload, TheReportListsAtMostAThousandRows) {
  TestServer server;
  HttpClient c = server.client();
  std::string csv = "name,email\n";
  for (int i = 0; i < 1500; ++i)
    csv += "Bad " + std::to_string(i) + ",not-an-email-" + std::to_string(i) + "\n";
  csv += "Good,good@example.com\n";
  auto res = c.request("POST", "/api/v1/customers/bulk", csv, {{"Content-Type", "text/csv"}});
  ASSERT_EQ(res.status, 200) << res.body.substr(0, 500);
  const auto report = res.json();
  EXPECT_EQ(report.at("ok"), false);
  EXPECT_EQ(report.at("summary").at("rejected").as_int64(), 1500);
  EXPECT_EQ(report.at("summary").at("inserted").as_int64(), 1);
  const auto& rows = report.at("rows").as_array();
  ASSERT_EQ(rows.size(), 1000u);
  EXPECT_EQ(rows.front().at("row").as_int64(), 2);
  EXPECT_EQ(rows.back().at("row").as_int64(), 1001);
  EXPECT_EQ(report.at("rowsTruncated"), true);
}

TEST(Upload, SmallWritesKeepCommittingDuringABigImport) {
  TestServer server;
  HttpClient c = server.client();
  auto customer = c.send("POST", "/api/v1/customers", R"({"name":"Shop","email":"shop@x.io"})");
  const std::string cid(customer.json().at("data").at("_id").as_string());
  const int rows = 150000;
  auto res = c.request("POST", "/api/v1/customers/bulk?async=1", customersCsv(rows),
                       {{"Content-Type", "text/csv"}});
  ASSERT_EQ(res.status, 202) << res.body;
  const std::string id(res.json().at("data").at("jobId").as_string());
  // Orders posted while the job runs commit between its chunks, not after it: each order is
  // answered while the job has not finished.
  int duringImport = 0;
  for (int i = 0; i < 2000; ++i) {
    auto order =
        c.send("POST", "/api/v1/orders",
               R"({"customer":")" + cid + R"(","items":[{"name":"Tea","quantity":1,"price":1}]})");
    ASSERT_EQ(order.status, 201) << order.body;
    auto job = c.get("/api/v1/import-jobs/" + id).json().at("data");
    if (job.at("status") == "completed") break;
    if (job.at("rowsProcessed").as_int64() > 0) ++duringImport;
  }
  EXPECT_GE(duringImport, 3) << "orders did not commit while the import was running";
  const auto job = waitForJob(c, id);
  EXPECT_EQ(job.at("summary").at("inserted").as_int64(), rows);
  EXPECT_EQ(customerCount(c), rows + 1);
}

TEST(Upload, AFailedImportIsUndone) {
  TestServer server;
  HttpClient c = server.client();
  auto stored = c.send("POST", "/api/v1/customers",
                       R"({"name":"Stored","email":"stored@example.com","city":"Pune"})");
  const std::string sid(stored.json().at("data").at("_id").as_string());
  // More rows than one chunk, then a NUL byte: the import fails after writing.
  std::string csv = "name,email,city\nRenamed,stored@example.com,Goa\n" +
                    customersCsv(120000).substr(std::string("name,email,city\n").size());
  csv += std::string("Broken,bro\0ken@example.com,x\n", 29);
  auto res =
      c.request("POST", "/api/v1/customers/bulk?mode=upsert", csv, {{"Content-Type", "text/csv"}});
  EXPECT_EQ(res.status, 400) << res.body;
  EXPECT_NE(res.json().at("message").as_string().find("line 120003"), std::string::npos)
      << res.body;
  EXPECT_EQ(customerCount(c), 1);
  auto after = c.get("/api/v1/customers/" + sid).json().at("data");
  EXPECT_EQ(after.at("name"), "Stored");
  EXPECT_EQ(after.at("city"), "Pune");
}

bool waitHealthy(int port) {
  HttpClient c("http://127.0.0.1:" + std::to_string(port));
  for (int i = 0; i < 400; ++i) {
    if (c.get("/healthz").status == 200) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  return false;
}

TEST(Binary, ImportJobKilledMidwayResumesAfterRestartWithExactCounts) {
  TempDir dir("minicrm-import-crash");
  const std::string db = dir.newFile("crash.db");
  const int port = freePort();
  const std::map<std::string, std::string> env = {{"PORT", std::to_string(port)},
                                                  {"DATABASE_URL", "sqlite:" + db},
                                                  {"SQLITE_SYNCHRONOUS", "NORMAL"},
                                                  {"ACCESS_LOG", "off"},
                                                  {"MONGO_URI", ""}};
  const int rows = 300000;
  std::string id;
  {
    Process first({MINICRM_BINARY, "serve"}, env);
    ASSERT_TRUE(waitHealthy(port));
    HttpClient c("http://127.0.0.1:" + std::to_string(port));
    auto res = c.request("POST", "/api/v1/customers/bulk?async=1",
                         customersCsv(rows) + "Bad,bad,x\n", {{"Content-Type", "text/csv"}});
    ASSERT_EQ(res.status, 202) << res.body;
    id = std::string(res.json().at("data").at("jobId").as_string());
    // Kill it once some chunks are committed and before the end.
    bool midway = false;
    for (int i = 0; i < 2000 && !midway; ++i) {
      auto job = c.get("/api/v1/import-jobs/" + id).json().at("data");
      const auto done = job.at("rowsProcessed").as_int64();
      midway = job.at("status") == "running" && done > 0 && done < rows;
      if (job.at("status") == "completed") break;
      if (!midway) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    ASSERT_TRUE(midway) << "the job finished before it could be interrupted";
    first.signal(SIGKILL);
    first.wait();
  }
  // An upload the crash interrupted before it became a job is garbage at the restart.
  const std::string spool = cli::importSpoolDir("sqlite:" + db);
  { std::ofstream(spool + "/upload-interrupted.csv") << "name,email\n"; }
  Process second({MINICRM_BINARY, "serve"}, env);
  ASSERT_TRUE(waitHealthy(port));
  HttpClient c("http://127.0.0.1:" + std::to_string(port));
  const auto job = waitForJob(c, id);
  EXPECT_EQ(job.at("status"), "completed");
  EXPECT_EQ(job.at("summary").at("received").as_int64(), rows + 1);
  EXPECT_EQ(job.at("summary").at("inserted").as_int64(), rows);
  EXPECT_EQ(job.at("summary").at("duplicates").as_int64(), 0);
  EXPECT_EQ(job.at("summary").at("rejected").as_int64(), 1);
  ASSERT_EQ(job.at("rows").as_array().size(), 1u);
  EXPECT_EQ(job.at("rows").as_array()[0].at("row").as_int64(), rows + 2);
  EXPECT_EQ(customerCount(c), rows);
  EXPECT_FALSE(std::filesystem::exists(spool + "/upload-interrupted.csv"));
  EXPECT_TRUE(std::filesystem::is_empty(spool)) << "the job's input is removed when it is done";
  second.signal(SIGTERM);
  EXPECT_EQ(second.wait().exitCode, 0);
}

TEST(Binary, AnInterruptedJobWhoseInputIsGoneFailsAndIsUndone) {
  TempDir dir("minicrm-import-gone");
  const std::string db = dir.newFile("gone.db");
  const int port = freePort();
  const std::map<std::string, std::string> env = {{"PORT", std::to_string(port)},
                                                  {"DATABASE_URL", "sqlite:" + db},
                                                  {"SQLITE_SYNCHRONOUS", "NORMAL"},
                                                  {"ACCESS_LOG", "off"},
                                                  {"MONGO_URI", ""}};
  const int rows = 300000;
  std::string id;
  {
    Process first({MINICRM_BINARY, "serve"}, env);
    ASSERT_TRUE(waitHealthy(port));
    HttpClient c("http://127.0.0.1:" + std::to_string(port));
    ASSERT_EQ(c.send("POST", "/api/v1/customers", R"({"name":"Kept","email":"kept@x.io"})").status,
              201);
    auto res = c.request("POST", "/api/v1/customers/bulk?async=1", customersCsv(rows),
                         {{"Content-Type", "text/csv"}});
    ASSERT_EQ(res.status, 202) << res.body;
    id = std::string(res.json().at("data").at("jobId").as_string());
    bool midway = false;
    for (int i = 0; i < 2000 && !midway; ++i) {
      auto job = c.get("/api/v1/import-jobs/" + id).json().at("data");
      const auto done = job.at("rowsProcessed").as_int64();
      midway = job.at("status") == "running" && done > 0 && done < rows;
      if (job.at("status") == "completed") break;
      if (!midway) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    ASSERT_TRUE(midway) << "the job finished before it could be interrupted";
    first.signal(SIGKILL);
    first.wait();
  }
  const std::string spool = cli::importSpoolDir("sqlite:" + db);
  std::filesystem::remove_all(spool);
  Process second({MINICRM_BINARY, "serve"}, env);
  ASSERT_TRUE(waitHealthy(port));
  HttpClient c("http://127.0.0.1:" + std::to_string(port));
  const auto job = waitForJob(c, id);
  EXPECT_EQ(job.at("status"), "failed");
  EXPECT_NE(job.at("error").as_string().find("gone"), std::string::npos) << job.at("error");
  EXPECT_GT(job.at("rowsProcessed").as_int64(), 0) << "it says how far it got";
  EXPECT_EQ(customerCount(c), 1) << "the rows it had written are removed";
  second.signal(SIGTERM);
  EXPECT_EQ(second.wait().exitCode, 0);
}

TEST(Binary, ImportCommandWritesTheDatabaseAndReportsRejectedRows) {
  TempDir dir("minicrm-import-cli");
  const std::string url = "sqlite:" + dir.newFile("cli.db");
  const std::string file = dir.newFile("customers.csv");
  {
    std::ofstream out(file);
    out << customersCsv(50) << "Bad,not-an-email,x\nAgain,user3@example.com,y\n";
  }
  ProcessResult dry =
      runProcess({MINICRM_BINARY, "import", "customers", file, "--dry-run", "--database-url", url});
  EXPECT_EQ(dry.exitCode, 1) << dry.output;
  EXPECT_NE(dry.output.find("dry run customers: 52 received, 51 accepted (50 inserted"),
            std::string::npos)
      << dry.output;
  ProcessResult real =
      runProcess({MINICRM_BINARY, "import", "customers", file, "--database-url", url});
  EXPECT_EQ(real.exitCode, 1) << real.output;
  EXPECT_NE(real.output.find("row 52 (not-an-email): error: email must be a valid email address"),
            std::string::npos)
      << real.output;
  EXPECT_NE(real.output.find("row 53 (user3@example.com): duplicate"), std::string::npos);
  // Not a terminal: plain progress lines.
  EXPECT_NE(real.output.find("import: 100%"), std::string::npos) << real.output;
  ProcessResult again =
      runProcess({MINICRM_BINARY, "import", "customers", file, "--upsert", "--database-url", url});
  EXPECT_NE(again.output.find("(0 inserted, 50 updated, 1 duplicates)"), std::string::npos)
      << again.output;
  {
    std::ofstream out(file);
    out << "email\n";
  }
  ProcessResult bad = runProcess({MINICRM_BINARY, "import", "orders", file, "--database-url", url});
  EXPECT_EQ(bad.exitCode, 2) << bad.output;
  EXPECT_NE(bad.output.find("customerEmail"), std::string::npos) << bad.output;
}

}  // namespace
}  // namespace minicrm::testing
