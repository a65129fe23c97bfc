// minicrm_segbench: the helper of bench/segments.sh (segment previews).
//
//   minicrm_segbench http  --port P --rules FILE [--calls 100] [--warmup 20] [--limit 20]
//   minicrm_segbench sql   --rules FILE [--now-ms MS]
//   minicrm_segbench store --db FILE --rules FILE [--engine sql|columns] [--calls 3]
//                          [--warmup 1] [--limit 20]
//
// FILE holds one rule per line: `label<TAB>segmentRules JSON`. Every mode prints one JSON
// line per rule on stdout; diagnostics go to stderr.
//
// http:  POST /api/v1/campaigns/preview {"segmentRules", "limit"} to 127.0.0.1:P, --warmup
//        then --calls sequential requests per rule, all over one keep-alive connection
//        (TCP_NODELAY). Latency = from before the request is written to the last byte of the
//        body. Reports p50/p99 (nearest rank), min/mean/max, the server's `total` (and
//        whether every call returned the same one), how many customers came back and
//        whether they were ordered by lastActive descending, non-200 answers (with the
//        first body), reconnects and the wall-clock end of each rule (end_unix_ms); a last
//        line {"client_cpu_ms"} gives the client's own CPU time.
// sql:   the WHERE the server's SQL path runs for each rule (store/sqlite/segment_sql, the
//        real compiler) with the values written inline, as the two statements of
//        SqliteStore::previewSegment's SQL path (count, then the first rows by lastActive
//        desc, id desc). "where" puts each value next to its own placeholder (what the
//        compiler means); when SqlSegment's bind order differs from its placeholders'
//        order (binds_match_placeholders false), "where_as_bound" is what bindTo() really
//        binds. The sqlite3 shell has no minicrm_regexp (RE2): a $regex becomes the
//        shell's own regexp()/regexpi() (ext/misc/regexp.c) and is flagged.
// store: the same previews in process through SqliteStore::previewSegment (no HTTP), with
//        the engine forced: `sql` is exactly the server's SQL path (the one used until the
//        index is loaded), `columns` the in-memory index. The budget is lifted (1 h) so
//        slow segments are timed instead of cut at the server's 2 s; calls over 2 s are
//        counted (the server would answer them 422).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include "core/clock.h"
#include "core/segment/segment.h"
#include "store/sqlite/segment_sql.h"
#include "store/sqlite/sqlite_store.h"

namespace {

using namespace minicrm;
using Steady = std::chrono::steady_clock;

struct Rule {
  std::string label;
  std::string json;
};

std::vector<Rule> readRules(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::vector<Rule> rules;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const auto tab = line.find('\t');
    if (tab == std::string::npos) throw std::runtime_error("rule line without a tab: " + line);
    rules.push_back({line.substr(0, tab), line.substr(tab + 1)});
  }
  return rules;
}

double ms(Steady::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

double round3(double v) {
  return std::round(v * 1000.0) / 1000.0;
}

// Nearest-rank percentile of sorted values.
double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  rank = std::clamp<std::size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

void putStats(boost::json::object& o, std::vector<double> lat) {
  std::sort(lat.begin(), lat.end());
  double sum = 0;
  for (double v : lat)
    sum += v;
  o["calls"] = lat.size();
  o["p50_ms"] = round3(percentile(lat, 50));
  o["p99_ms"] = round3(percentile(lat, 99));
  o["min_ms"] = round3(lat.empty() ? 0 : lat.front());
  o["mean_ms"] = round3(lat.empty() ? 0 : sum / static_cast<double>(lat.size()));
  o["max_ms"] = round3(lat.empty() ? 0 : lat.back());
}

void emit(const boost::json::object& o) {
  std::printf("%s\n", boost::json::serialize(o).c_str());
  std::fflush(stdout);
}

// Counts the nodes of a parsed tree the way the parser limits them (every predicate and
// every $and/$or/$nor/$not node).
int countNodes(const segment::Node& n) {
  int c = n.kind == segment::Node::Kind::all ? 0 : 1;
  for (const auto& k : n.children)
    c += countNodes(k);
  return c;
}
int depthOf(const segment::Node& n) {
  int d = 0;
  for (const auto& k : n.children)
    d = std::max(d, depthOf(k));
  return d + 1;
}

segment::Node parseRule(const Rule& r) {
  boost::json::value v;
  try {
    v = boost::json::parse(r.json);
  } catch (const std::exception& e) {
    throw std::runtime_error("rule " + r.label + ": invalid JSON: " + e.what());
  }
  auto n = segment::parse(v, "segmentRules");
  if (!n.ok()) throw std::runtime_error("rule " + r.label + ": " + n.error().message);
  return std::move(n).value();
}

// ---------------------------------------------------------------------------------------
// http

class Connection {
 public:
  explicit Connection(int port) : port_(port) { open(); }
  ~Connection() { close(); }

  struct Response {
    int status = 0;
    std::string body;
    bool closed = false;  // the server asked to close (or closed)
  };

  // Writes the request and reads the whole response. Throws on a socket error.
  Response roundTrip(const std::string& request) {
    writeAll(request);
    Response r;
    // Headers.
    std::size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos)
      readMore();
    const std::string head = buf_.substr(0, end);
    buf_.erase(0, end + 4);
    if (head.size() < 12 || head.compare(0, 5, "HTTP/") != 0) {
      throw std::runtime_error("bad status line: " + head.substr(0, 80));
    }
    r.status = std::atoi(head.c_str() + 9);
    long long length = -1;
    bool chunked = false;
    std::size_t pos = head.find("\r\n");
    while (pos != std::string::npos && pos < head.size()) {
      const std::size_t next = head.find("\r\n", pos + 2);
      std::string line =
          head.substr(pos + 2, (next == std::string::npos ? head.size() : next) - pos - 2);
      std::string lower = line;
      for (char& c : lower)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (lower.rfind("content-length:", 0) == 0) length = std::atoll(line.c_str() + 15);
      if (lower.rfind("transfer-encoding:", 0) == 0 && lower.find("chunked") != std::string::npos) {
        chunked = true;
      }
      if (lower.rfind("connection:", 0) == 0 && lower.find("close") != std::string::npos) {
        r.closed = true;
      }
      pos = next;
    }
    if (chunked) {
      for (;;) {
        std::size_t eol;
        while ((eol = buf_.find("\r\n")) == std::string::npos)
          readMore();
        const std::size_t n = std::stoul(buf_.substr(0, eol), nullptr, 16);
        while (buf_.size() < eol + 2 + n + 2)
          readMore();
        r.body.append(buf_, eol + 2, n);
        buf_.erase(0, eol + 2 + n + 2);
        if (n == 0) break;
      }
    } else if (length >= 0) {
      while (buf_.size() < static_cast<std::size_t>(length))
        readMore();
      r.body = buf_.substr(0, static_cast<std::size_t>(length));
      buf_.erase(0, static_cast<std::size_t>(length));
    } else {
      throw std::runtime_error("response without Content-Length");
    }
    if (r.closed) reopen();
    return r;
  }

  void reopen() {
    close();
    open();
    ++reconnects;
  }

  int reconnects = 0;

 private:
  void open() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port_));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      throw std::runtime_error("connect 127.0.0.1:" + std::to_string(port_) + ": " +
                               std::strerror(errno));
    }
    buf_.clear();
  }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  void writeAll(const std::string& s) {
    std::size_t off = 0;
    while (off < s.size()) {
      const ssize_t n = ::send(fd_, s.data() + off, s.size() - off, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        throw std::runtime_error(std::string("send: ") + std::strerror(errno));
      }
      off += static_cast<std::size_t>(n);
    }
  }
  void readMore() {
    char tmp[65536];
    for (;;) {
      const ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
      if (n > 0) {
        buf_.append(tmp, static_cast<std::size_t>(n));
        return;
      }
      if (n == 0) throw std::runtime_error("the server closed the connection");
      if (errno != EINTR) throw std::runtime_error(std::string("recv: ") + std::strerror(errno));
    }
  }

  int port_;
  int fd_ = -1;
  std::string buf_;
};

int runHttp(int port, const std::vector<Rule>& rules, int calls, int warmup, int limit) {
  Connection conn(port);
  for (const auto& rule : rules) {
    const std::string body =
        R"({"segmentRules":)" + rule.json + R"(,"limit":)" + std::to_string(limit) + "}";
    const std::string request =
        "POST /api/v1/campaigns/preview HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
        "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
        "\r\n\r\n" + body;
    std::vector<double> lat;
    lat.reserve(static_cast<std::size_t>(calls));
    std::map<int, int> statuses;
    std::string firstError;
    long long total = -1;
    int totalChanged = 0, returned = -1, misordered = 0;
    const int reconnectsBefore = conn.reconnects;
    for (int i = 0; i < warmup + calls; ++i) {
      const auto t0 = Steady::now();
      auto r = conn.roundTrip(request);
      const auto t1 = Steady::now();
      if (i >= warmup) lat.push_back(ms(t1 - t0));
      ++statuses[r.status];
      if (r.status != 200) {
        if (firstError.empty()) firstError = r.body.substr(0, 400);
        continue;
      }
      const auto doc = boost::json::parse(r.body);
      const auto& data = doc.at("data").as_object();
      const long long t = data.at("total").to_number<long long>();
      if (total < 0) {
        total = t;
      } else if (t != total) {
        ++totalChanged;
      }
      const auto& customers = data.at("customers").as_array();
      returned = static_cast<int>(customers.size());
      for (std::size_t k = 1; k < customers.size(); ++k) {
        if (customers[k - 1].at("lastActive").as_string() <
            customers[k].at("lastActive").as_string()) {
          ++misordered;
        }
      }
    }
    boost::json::object o;
    o["rule"] = rule.label;
    putStats(o, lat);
    o["warmup"] = warmup;
    o["total"] = total;
    o["total_changed"] = totalChanged;
    o["returned"] = returned;
    o["misordered"] = misordered;
    boost::json::object st;
    for (auto [code, n] : statuses)
      st[std::to_string(code)] = n;
    o["statuses"] = st;
    o["reconnects"] = conn.reconnects - reconnectsBefore;
    if (!firstError.empty()) o["error"] = firstError;
    o["end_unix_ms"] = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
    emit(o);
  }
  // The client's own CPU time, so the caller can tell other processes' load apart.
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  boost::json::object o;
  o["client_cpu_ms"] = round3((ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000.0 +
                              (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000.0);
  emit(o);
  return 0;
}

// ---------------------------------------------------------------------------------------
// sql

std::string quoteSql(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    out += c;
    if (c == '\'') out += '\'';
  }
  return out + "'";
}

std::string literal(const std::variant<std::nullptr_t, std::int64_t, std::string>& b) {
  if (std::holds_alternative<std::int64_t>(b)) return std::to_string(std::get<std::int64_t>(b));
  if (std::holds_alternative<std::string>(b)) return quoteSql(std::get<std::string>(b));
  return "NULL";
}

// A compiled WHERE with its values written inline as SqlSegment::bindTo binds them: a
// numbered placeholder "?N" takes the N-th value, an anonymous "?" the next one in order.
// minicrm_regexp(P, O, col) becomes the shell's regexp(P, col) or regexpi(P, col)
// (options "i"; other options are flagged as lost).
using Bind = std::variant<std::nullptr_t, std::int64_t, std::string>;

bool numberedPlaceholders(const std::string& where) {
  for (std::size_t i = 0; i + 1 < where.size(); ++i) {
    if (where[i] == '?' && std::isdigit(static_cast<unsigned char>(where[i + 1]))) return true;
  }
  return false;
}

std::string inlineWhere(const std::string& where, const std::vector<Bind>& binds,
                        bool& regexReplaced, bool& regexOptionsLost) {
  static const std::string kRegexp = "minicrm_regexp(";
  std::size_t next = 0;
  std::vector<bool> used(binds.size(), false);
  // Reads the placeholder at where[i] ('?'), advancing i; returns its value.
  auto placeholder = [&](std::size_t& i) -> const Bind& {
    std::size_t j = i + 1;
    while (j < where.size() && std::isdigit(static_cast<unsigned char>(where[j])))
      ++j;
    std::size_t k;
    if (j > i + 1) {
      k = std::stoul(where.substr(i + 1, j - i - 1)) - 1;
    } else {
      k = next++;
    }
    if (k >= binds.size()) throw std::runtime_error("placeholder without a value in: " + where);
    used[k] = true;
    i = j;
    return binds[k];
  };
  std::string out;
  for (std::size_t i = 0; i < where.size();) {
    if (where.compare(i, kRegexp.size(), kRegexp) == 0 && i + kRegexp.size() < where.size() &&
        where[i + kRegexp.size()] == '?') {
      std::size_t j = i + kRegexp.size();
      const Bind& pattern = placeholder(j);
      if (where.compare(j, 2, ", ") != 0 || j + 2 >= where.size() || where[j + 2] != '?') {
        throw std::runtime_error("unexpected minicrm_regexp call in: " + where);
      }
      j += 2;
      const Bind& options = placeholder(j);
      if (where.compare(j, 2, ", ") != 0)
        throw std::runtime_error("unexpected minicrm_regexp call in: " + where);
      j += 2;
      const std::string o =
          std::holds_alternative<std::string>(options) ? std::get<std::string>(options) : "";
      std::string fn = "regexp(";
      if (o == "i") {
        fn = "regexpi(";
      } else if (!o.empty()) {
        regexOptionsLost = true;
      }
      out += fn + literal(pattern) + ", ";
      regexReplaced = true;
      i = j;
      continue;
    }
    if (where[i] == '?') {
      out += literal(placeholder(i));
      continue;
    }
    out += where[i++];
  }
  if (std::find(used.begin(), used.end(), false) != used.end()) {
    throw std::runtime_error("a value bound to no placeholder in: " + where);
  }
  return out;
}

// The WHERE the SQL compiler means: the same text as compileSegment() (same tree shape,
// same per-predicate SQL), but every value inline next to its own placeholder. Built leaf
// by leaf: a leaf's binds are put back in text order (a $regex: pattern then options; a
// date day span: start then end; avgOrderValue binds one value twice). Compilers that
// number their placeholders ("?3") need none of this.
class IntendedSql {
 public:
  IntendedSql(Millis now) : now_(now) {}
  bool regexReplaced = false, regexOptionsLost = false;

  std::string node(const segment::Node& n) {
    using K = segment::Node::Kind;
    switch (n.kind) {
      case K::all:
        return "1";
      case K::predicate:
        return leaf(n);
      case K::and_:
        return balanced(n.children, 0, n.children.size(), "AND");
      case K::or_:
        return balanced(n.children, 0, n.children.size(), "OR");
      case K::nor:
        return "NOT " + balanced(n.children, 0, n.children.size(), "OR");
      case K::not_:
        return "NOT (" + node(n.children.at(0)) + ")";
    }
    return "0";
  }

 private:
  std::string balanced(const std::vector<segment::Node>& items, std::size_t from, std::size_t to,
                       const char* op) {
    if (to - from == 1) return "(" + node(items[from]) + ")";
    const std::size_t mid = from + (to - from) / 2;
    std::string left = balanced(items, from, mid, op);
    std::string right = balanced(items, mid, to, op);
    return "(" + left + " " + op + " " + right + ")";
  }

  std::string leaf(const segment::Node& n) {
    const sqlite::SqlSegment s = sqlite::compileSegment(n, now_);
    std::vector<Bind> binds = s.binds;
    const auto& p = n.predicate;
    if (numberedPlaceholders(s.where)) {
      // Each placeholder names its value: nothing to put back in order.
    } else if (p.op == segment::Op::regex) {
      binds = {p.pattern, p.options};
    } else if (binds.size() == 2 && std::holds_alternative<std::int64_t>(binds[0]) &&
               std::holds_alternative<std::int64_t>(binds[1]) &&
               s.where.find("BETWEEN") != std::string::npos) {
      if (std::get<std::int64_t>(binds[0]) > std::get<std::int64_t>(binds[1])) {
        std::swap(binds[0], binds[1]);
      }
    } else if (binds.size() > 1 && p.field != segment::Field::avgOrderValue) {
      throw std::runtime_error(
          "a predicate with several values this tool does not know how to order");
    }
    return inlineWhere(s.where, binds, regexReplaced, regexOptionsLost);
  }

  Millis now_;
};

int runSql(const std::vector<Rule>& rules, Millis now, int limit) {
  const std::string rowsHead =
      "SELECT id, name, email, phone, city, base_spend, base_visits, base_last_active, "
      "order_spend, order_visits, last_order_at, created_at, updated_at FROM customers WHERE ";
  const std::string rowsTail =
      " ORDER BY last_active DESC, id DESC LIMIT " + std::to_string(limit) + ";";
  for (const auto& rule : rules) {
    const segment::Node n = parseRule(rule);
    const sqlite::SqlSegment sql = sqlite::compileSegment(n, now);
    bool replaced = false, lost = false;
    const std::string asBound = inlineWhere(sql.where, sql.binds, replaced, lost);
    IntendedSql intended(now);
    const std::string where = intended.node(n);
    boost::json::object o;
    o["rule"] = rule.label;
    o["nodes"] = countNodes(n);
    o["depth"] = depthOf(n);
    o["canonical"] = boost::json::serialize(segment::print(n));
    o["description"] = segment::describe(n);
    o["where"] = where;
    o["count_sql"] = "SELECT count(*) FROM customers WHERE " + where + ";";
    o["rows_sql"] = rowsHead + where + rowsTail;
    // What the server actually runs: its binds in the order SqlSegment holds them.
    o["binds_match_placeholders"] = asBound == where;
    if (asBound != where) {
      o["where_as_bound"] = asBound;
      o["count_sql_as_bound"] = "SELECT count(*) FROM customers WHERE " + asBound + ";";
    }
    o["regex_replaced"] = replaced || intended.regexReplaced;
    if (lost || intended.regexOptionsLost) o["regex_options_lost"] = true;
    emit(o);
  }
  return 0;
}

// ---------------------------------------------------------------------------------------
// store

int runStore(const std::string& db, const std::vector<Rule>& rules, const std::string& engineName,
             int calls, int warmup, int limit) {
  const SegmentEngine engine =
      engineName == "columns" ? SegmentEngine::columns : SegmentEngine::sql;
  sqlite::SqliteOptions options;
  options.path = db;
  options.customerIndex = engine == SegmentEngine::columns;
  const Clock& clock = SystemClock::instance();
  const auto t0 = Steady::now();
  auto opened = sqlite::SqliteStore::open(options, clock);
  if (!opened.ok()) throw std::runtime_error("open " + db + ": " + opened.error().message);
  auto& store = **opened;
  if (engine == SegmentEngine::columns) {
    if (!store.waitForCustomerIndex(std::chrono::minutes(10))) {
      throw std::runtime_error("the customer index did not load");
    }
    boost::json::object o;
    o["index_load_ms"] = round3(ms(Steady::now() - t0));
    o["index_bytes"] = store.customerIndexBytes();
    emit(o);
  }
  constexpr auto kNoBudget = std::chrono::hours(1);
  for (const auto& rule : rules) {
    const segment::Node n = parseRule(rule);
    std::vector<double> lat;
    long long total = -1;
    int overBudget = 0, returned = -1;
    std::string error;
    for (int i = 0; i < warmup + calls; ++i) {
      const auto a = Steady::now();
      auto p = store.previewSegment(n, clock.now(), limit, kNoBudget, engine);
      const double t = ms(Steady::now() - a);
      if (i >= warmup) {
        lat.push_back(t);
        if (t > 2000) ++overBudget;
      }
      if (!p.ok()) {
        error = p.error().message;
        break;
      }
      total = p->total;
      returned = static_cast<int>(p->customers.size());
    }
    boost::json::object o;
    o["rule"] = rule.label;
    o["engine"] = engineName;
    putStats(o, lat);
    o["warmup"] = warmup;
    o["total"] = total;
    o["returned"] = returned;
    o["over_2s_budget"] = overBudget;
    if (!error.empty()) o["error"] = error;
    emit(o);
  }
  store.close();
  return 0;
}

[[noreturn]] void usage(const std::string& problem = "") {
  if (!problem.empty()) std::fprintf(stderr, "minicrm_segbench: %s\n\n", problem.c_str());
  std::fprintf(
      stderr,
      "usage:\n"
      "  minicrm_segbench http --port P --rules FILE [--calls 100] [--warmup 20] [--limit 20]\n"
      "  minicrm_segbench sql --rules FILE [--now-ms MS] [--limit 20]\n"
      "  minicrm_segbench store --db FILE --rules FILE [--engine sql|columns] [--calls 3]"
      " [--warmup 1] [--limit 20]\n");
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) usage();
  const std::string mode = argv[1];
  // The store logs through spdlog: keep stdout for the JSON lines.
  spdlog::set_default_logger(spdlog::stderr_logger_mt("segbench"));
  spdlog::set_level(spdlog::level::warn);
  std::map<std::string, std::string> opt;
  for (int k = 2; k < argc; ++k) {
    std::string a = argv[k];
    if (a.rfind("--", 0) != 0 || k + 1 >= argc) usage("bad argument " + a);
    opt[a.substr(2)] = argv[++k];
  }
  auto get = [&](const std::string& name, const std::string& fallback) {
    auto it = opt.find(name);
    return it == opt.end() ? fallback : it->second;
  };
  try {
    const std::string rulesPath = get("rules", "");
    if (rulesPath.empty()) usage("--rules is required");
    const auto rules = readRules(rulesPath);
    const int limit = std::stoi(get("limit", "20"));
    if (mode == "http") {
      const int port = std::stoi(get("port", "0"));
      if (port <= 0) usage("--port is required");
      return runHttp(port, rules, std::stoi(get("calls", "100")), std::stoi(get("warmup", "20")),
                     limit);
    }
    if (mode == "sql") {
      const std::string now = get("now-ms", "");
      return runSql(rules, now.empty() ? SystemClock::instance().now() : std::stoll(now), limit);
    }
    if (mode == "store") {
      const std::string db = get("db", "");
      if (db.empty()) usage("--db is required");
      return runStore(db, rules, get("engine", "sql"), std::stoi(get("calls", "3")),
                      std::stoi(get("warmup", "1")), limit);
    }
    usage("unknown mode " + mode);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "minicrm_segbench: %s\n", e.what());
    return 1;
  }
}
