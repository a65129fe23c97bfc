// minicrm_gen: deterministic benchmark data for MiniCRM.
//
//   minicrm_gen customers --count N --seed S --out customers.csv
//   minicrm_gen orders    --count M --customers N --seed S --out orders.csv
//   minicrm_gen sqlite    --customers N --orders M --seed S --db minicrm.db [--ids-out ids.txt]
//
// Common options: --now ISO (the "present" the data is relative to; default: the start of
// the current UTC day, so a run is reproducible within a day and for ever with --now),
// --batch ROWS (sqlite: rows per transaction, default 50000).
//
// Every value of customer i (and order j) comes from its own random stream derived from
// (seed, i), so customer i's email is known without generating the others: the orders CSV
// names customers by those emails. Customers are created over the 3 years before --now
// (more of them recently), orders over the last 2 years; a customer's orders are never
// dated before the customer was created.
//
// The sqlite mode writes into a database already migrated by `minicrm migrate` (same
// schema as src/store/sqlite/migrations.sql), with ids laid out like MongoDB ObjectIds by
// minicrm::IdGenerator on a ManualClock set to each row's creation time (so ids are
// time-ordered and deterministic except for the generator's 5 process-random bytes), and
// with each customer's order aggregates (order_spend, order_visits, last_order_at) equal to
// the sum, count and newest date of its inserted completed orders.
//
// Progress goes to stderr; one JSON line with the result goes to stdout.
#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/id.h"
#include "core/json_writer.h"
#include "core/money.h"
#include "core/order.h"
#include "core/time.h"

namespace {

using namespace minicrm;

constexpr Millis kDay = kMillisPerDay;
constexpr Millis kYear = 365 * kDay;
constexpr Millis kCustomerSpan = 3 * kYear;  // customers created over the last 3 years
constexpr Millis kOrderSpan = 2 * kYear;     // orders over the last 2 years

// ---------------------------------------------------------------------------------------
// Random numbers: SplitMix64, one independent stream per (seed, kind, index).

std::uint64_t mix64(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

class Rng {
 public:
  Rng(std::uint64_t seed, std::uint64_t kind, std::uint64_t index)
      : state_(mix64(mix64(seed * 0x9E3779B97F4A7C15ull + kind) ^ (index + 0x632BE59BD9B4E019ull))) {}

  std::uint64_t next() {
    state_ += 0x9E3779B97F4A7C15ull;
    return mix64(state_);
  }
  // [0, 1)
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  // [0, n)
  std::uint64_t below(std::uint64_t n) {
    return static_cast<std::uint64_t>((static_cast<unsigned __int128>(next()) * n) >> 64);
  }
  bool chance(double p) { return uniform() < p; }
  double normal() {
    double u1 = uniform();
    if (u1 < 1e-300) u1 = 1e-300;
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * uniform());
  }

 private:
  std::uint64_t state_;
};

// Picks an index by cumulative weights.
class Weighted {
 public:
  explicit Weighted(const std::vector<double>& weights) {
    double sum = 0;
    for (double w : weights) cumulative_.push_back(sum += w);
  }
  static Weighted zipf(std::size_t n, double s) {
    std::vector<double> w;
    for (std::size_t k = 1; k <= n; ++k) w.push_back(1.0 / std::pow(static_cast<double>(k), s));
    return Weighted(w);
  }
  std::size_t pick(Rng& rng) const {
    const double x = rng.uniform() * cumulative_.back();
    auto it = std::upper_bound(cumulative_.begin(), cumulative_.end(), x);
    return std::min<std::size_t>(static_cast<std::size_t>(it - cumulative_.begin()),
                                 cumulative_.size() - 1);
  }

 private:
  std::vector<double> cumulative_;
};

// ---------------------------------------------------------------------------------------
// Vocabulary.

const std::vector<std::string_view> kIndianFirst = {
    "Aarav", "Vivaan", "Aditya", "Vihaan", "Arjun", "Sai", "Reyansh", "Ayaan", "Krishna",
    "Ishaan", "Rohan", "Rahul", "Amit", "Suresh", "Rajesh", "Vikram", "Karan", "Siddharth",
    "Anil", "Sunil", "Manoj", "Deepak", "Nikhil", "Pranav", "Harsh", "Kunal", "Varun",
    "Abhishek", "Gaurav", "Yash", "Akash", "Naveen", "Ravi", "Sanjay", "Mohit", "Tarun",
    "Imran", "Farhan", "Harpreet", "Gurpreet", "Aadhya", "Ananya", "Diya", "Saanvi",
    "Priya", "Pooja", "Neha", "Sneha", "Kavya", "Isha", "Riya", "Aisha", "Meera", "Lakshmi",
    "Divya", "Anjali", "Shreya", "Nisha", "Sunita", "Kavita", "Swati", "Pallavi", "Shalini",
    "Tanvi", "Nandini", "Aparna", "Deepika", "Radha", "Sushma", "Fatima", "Zoya", "Simran",
    "Manpreet", "Jyoti", "Rekha", "Geeta", "Bhavna", "Madhuri", "Keerthi", "Lavanya"};
const std::vector<std::string_view> kIndianLast = {
    "Sharma", "Verma", "Gupta", "Agarwal", "Singh", "Kumar", "Patel", "Shah", "Mehta",
    "Joshi", "Desai", "Reddy", "Rao", "Naidu", "Iyer", "Iyengar", "Nair", "Menon", "Pillai",
    "Krishnan", "Subramanian", "Chatterjee", "Banerjee", "Mukherjee", "Das", "Bose", "Ghosh",
    "Sen", "Dutta", "Kapoor", "Malhotra", "Khanna", "Chopra", "Bhatia", "Sethi", "Arora",
    "Gill", "Sandhu", "Kaur", "Yadav", "Mishra", "Tiwari", "Pandey", "Dubey", "Chauhan",
    "Rathore", "Thakur", "Jain", "Bansal", "Goyal", "Kulkarni", "Deshpande", "Patil",
    "Jadhav", "Pawar", "Khan", "Ahmed", "Qureshi", "Sheikh", "Fernandes", "D'Souza", "Hegde",
    "Shetty", "Bhat", "Saxena", "Srivastava", "Chaudhary", "Trivedi", "Vyas", "Pathak"};
const std::vector<std::string_view> kIntlFirst = {
    "James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda", "David",
    "Elizabeth", "William", "Sarah", "Daniel", "Emma", "Oliver", "Sophia", "Lucas", "Mia",
    "Noah", "Olivia", "Liam", "Chloe", "Mateo", "Lucia", "Hiroshi", "Yuki", "Wei", "Mei",
    "Ahmed", "Layla", "Omar", "Sofia", "Ivan", "Anna", "Pierre", "Camille", "Hans", "Greta",
    "Carlos", "Isabella"};
const std::vector<std::string_view> kIntlLast = {
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Wilson",
    "Anderson", "Taylor", "Thomas", "Moore", "Martin", "Lee", "Thompson", "White", "Clark",
    "Lewis", "Walker", "Tanaka", "Sato", "Wang", "Li", "Chen", "Hassan", "Ali", "Rossi",
    "Muller", "Dubois", "Silva", "Santos", "Kowalski", "Novak", "Ivanov", "O'Brien",
    "Murphy", "Nguyen", "Kim", "Park"};

// Zipf-weighted, most populous first.
const std::vector<std::string_view> kCities = {
    "Mumbai", "Delhi", "Bengaluru", "Hyderabad", "Chennai", "Kolkata", "Pune", "Ahmedabad",
    "Jaipur", "Surat", "Lucknow", "Kanpur", "Nagpur", "Indore", "Thane", "Bhopal",
    "Visakhapatnam", "Patna", "Vadodara", "Ghaziabad", "Ludhiana", "Agra", "Nashik",
    "Faridabad", "Meerut", "Rajkot", "Varanasi", "Srinagar", "Aurangabad", "Amritsar",
    "Navi Mumbai", "Prayagraj", "Ranchi", "Coimbatore", "Kochi", "Chandigarh", "Guwahati",
    "Mysuru", "Dubai", "Singapore"};

struct Domain {
  std::string_view name;
  double weight;
};
const std::vector<Domain> kDomains = {
    {"gmail.com", 35}, {"yahoo.com", 9}, {"yahoo.co.in", 5}, {"outlook.com", 10},
    {"hotmail.com", 5}, {"rediffmail.com", 4}, {"icloud.com", 4}, {"protonmail.com", 1},
    // company domains: 27% together
    {"infosys.com", 3}, {"tcs.com", 3}, {"wipro.com", 2.5}, {"hcltech.com", 2},
    {"techmahindra.com", 1.5}, {"zoho.com", 1.5}, {"flipkart.com", 1.5}, {"razorpay.com", 1},
    {"freshworks.com", 1}, {"swiggy.in", 1}, {"reliance.co.in", 2}, {"tatamotors.com", 1},
    {"accenture.com", 2}, {"deloitte.com", 1}, {"acme.co.in", 1}, {"example.org", 1}};

struct Product {
  std::string_view name;
  int rupees;
};
// Roughly by popularity (Zipf-weighted); prices 50..20,000 INR.
const std::vector<Product> kProducts = {
    {"Cold Coffee 250ml", 50},         {"Cotton T-Shirt", 499},
    {"Toor Dal 1kg", 159},             {"Basmati Rice 5kg", 649},
    {"Face Wash 100ml", 199},          {"Phone Case", 349},
    {"Amul Butter 500g", 275},         {"Masala Chai Pack", 120},
    {"Steel Water Bottle", 499},       {"Denim Jeans", 1799},
    {"Aashirvaad Atta 10kg", 489},     {"Wireless Mouse", 899},
    {"Cotton Kurta", 899},             {"Sunscreen SPF 50", 549},
    {"Running Shoes", 3499},           {"Wireless Earbuds", 2499},
    {"Tata Tea Gold 1kg", 560},        {"Notebook Pack (5)", 250},
    {"Ayurvedic Hair Oil", 249},       {"Formal Shirt", 1299},
    {"LED Bulb Pack", 599},            {"Fortune Sunflower Oil 5L", 799},
    {"Organic Honey 500g", 349},       {"Sports Socks (3 pairs)", 299},
    {"Leather Wallet", 799},           {"Paperback Novel", 399},
    {"Bedsheet Set", 1299},            {"Power Bank 20000mAh", 1899},
    {"Non-stick Tawa", 899},           {"Coffee Beans 500g", 699},
    {"Umbrella", 399},                 {"Kolhapuri Chappals", 699},
    {"Cotton Towels (2)", 599},        {"Lipstick", 699},
    {"Diwali Sweets Box 1kg", 850},    {"Yoga Mat", 999},
    {"USB-C Charger 65W", 1499},       {"Backpack", 1499},
    {"Pressure Cooker 5L", 2199},      {"Bluetooth Speaker", 3999},
    {"Dry Fruits Gift Box", 1499},     {"Scented Candles", 449},
    {"HDMI Cable 2m", 399},            {"Handloom Dupatta", 1199},
    {"Kids Puzzle Set", 649},          {"Brass Diya Set", 749},
    {"Pet Food 3kg", 1199},            {"Sunglasses", 1999},
    {"Gift Card", 1000},               {"Beard Trimmer", 1799},
    {"Woollen Shawl", 2499},           {"Camera Tripod", 1599},
    {"Perfume 100ml", 2999},           {"Ceramic Dinner Set", 3499},
    {"Mixer Grinder", 3999},           {"Cricket Bat", 2799},
    {"Silk Saree", 4999},              {"Mechanical Keyboard", 4599},
    {"Smartwatch", 6999},              {"Air Fryer", 7999},
    {"Office Chair", 8999},            {"Study Table", 11999},
    {"Gold-plated Earrings", 12999},   {"27-inch Monitor", 14999},
    {"Noise Cancelling Headphones", 17999}, {"Tablet 10-inch", 18999},
    {"Android Smartphone", 19999}};

// ---------------------------------------------------------------------------------------
// The data model.

struct Params {
  std::int64_t customers = 0;
  std::int64_t orders = 0;
  std::uint64_t seed = 1;
  Millis now = 0;
};

enum Stream : std::uint64_t { kCustomerStream = 1, kOrderStream = 2 };

// Customers are created over [now - 3y, now), denser towards now (density grows linearly):
// created(i) = start + span * sqrt((i + r) / N), strictly increasing in i.
Millis customerCreatedAt(const Params& p, std::int64_t i) {
  Rng rng(p.seed, kCustomerStream, static_cast<std::uint64_t>(i));
  const double x = (static_cast<double>(i) + rng.uniform()) / static_cast<double>(p.customers);
  return p.now - kCustomerSpan + static_cast<Millis>(std::sqrt(x) * static_cast<double>(kCustomerSpan));
}

// Number of customers created at or before t (a prefix of the index space).
std::int64_t customersCreatedBy(const Params& p, Millis t) {
  double x = static_cast<double>(t - (p.now - kCustomerSpan)) / static_cast<double>(kCustomerSpan);
  x = std::clamp(x, 0.0, 1.0);
  auto k = static_cast<std::int64_t>(std::floor(static_cast<double>(p.customers) * x * x));
  return std::clamp<std::int64_t>(k, 1, p.customers);
}

struct CustomerRow {
  std::string name;
  std::string email;
  std::optional<std::string> phone;
  std::optional<std::string_view> city;
  Money spend = 0;
  std::int64_t visits = 0;
  Millis lastActive = 0;
  Millis createdAt = 0;
};

std::string lowerAlpha(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c >= 'A' && c <= 'Z') out.push_back(static_cast<char>(c - 'A' + 'a'));
    else if (c >= 'a' && c <= 'z') out.push_back(c);
  }
  return out;
}

CustomerRow makeCustomer(const Params& p, std::int64_t i) {
  static const Weighted cityPick = Weighted::zipf(kCities.size(), 1.0);
  static const Weighted domainPick = [] {
    std::vector<double> w;
    for (const auto& d : kDomains) w.push_back(d.weight);
    return Weighted(w);
  }();
  static const Weighted patternPick({35, 20, 15, 10, 10, 10});

  CustomerRow c;
  c.createdAt = customerCreatedAt(p, i);
  Rng rng(p.seed, kCustomerStream, static_cast<std::uint64_t>(i));
  rng.uniform();  // the draw customerCreatedAt used

  const bool indian = rng.chance(0.8);
  const auto& firsts = indian ? kIndianFirst : kIntlFirst;
  const auto& lasts = indian ? kIndianLast : kIntlLast;
  const std::string_view first = firsts[rng.below(firsts.size())];
  const std::string_view last = lasts[rng.below(lasts.size())];
  c.name.reserve(first.size() + last.size() + 1);
  c.name.append(first).append(" ").append(last);

  // Unique: the local part ends with i + 1 after letters or a separator.
  const std::string f = lowerAlpha(first), l = lowerAlpha(last);
  const std::string n = std::to_string(i + 1);
  std::string local;
  switch (patternPick.pick(rng)) {
    case 0: local = f + "." + l + n; break;
    case 1: local = f + l + n; break;
    case 2: local = f + n; break;
    case 3: local = f.substr(0, 1) + "." + l + n; break;
    case 4: local = f + "_" + l + n; break;
    default: local = l + "." + f + n; break;
  }
  c.email = local + "@" + std::string(kDomains[domainPick.pick(rng)].name);

  if (rng.chance(0.90)) {
    std::string phone = "+91";
    phone.push_back(static_cast<char>('6' + rng.below(4)));
    for (int d = 0; d < 9; ++d) phone.push_back(static_cast<char>('0' + rng.below(10)));
    c.phone = std::move(phone);
  }
  if (rng.chance(0.95)) c.city = kCities[cityPick.pick(rng)];

  // Visits: geometric (p = 0.12), capped at 50. Spend: log-normal, median ~3,000 INR,
  // capped at 500,000 INR; nothing spent without a visit.
  std::int64_t visits = 0;
  while (visits < 50 && !rng.chance(0.12)) ++visits;
  c.visits = visits;
  if (visits > 0) {
    double rupees = std::exp(std::log(3000.0) + 1.15 * rng.normal());
    rupees = std::clamp(rupees, 50.0, 500000.0);
    Money paise = static_cast<Money>(std::llround(rupees)) * 100;
    if (rng.chance(0.3)) paise += static_cast<Money>(rng.below(100));
    c.spend = std::min<Money>(paise, 500000 * 100);
  } else {
    rng.normal();
    rng.chance(0.3);
  }

  // Last active: within the last 2 years (or since creation), skewed towards now.
  const Millis window = std::min(p.now - c.createdAt, kOrderSpan);
  const double back = std::pow(rng.uniform(), 2.2);
  c.lastActive = p.now - static_cast<Millis>(back * static_cast<double>(window));
  if (c.lastActive < c.createdAt) c.lastActive = c.createdAt;
  c.lastActive -= c.lastActive % 1000;
  if (c.lastActive < c.createdAt) c.lastActive = c.createdAt;
  return c;
}

struct OrderRow {
  std::int64_t customer = 0;
  std::vector<OrderItem> items;
  Money amount = 0;
  Millis date = 0;
  OrderStatus status = OrderStatus::completed;
  std::string_view channel;
  std::string externalId;
};

OrderRow makeOrder(const Params& p, std::int64_t j) {
  static const Weighted productPick = Weighted::zipf(kProducts.size(), 0.7);
  static const Weighted itemCount({50, 28, 15, 7});
  static const Weighted quantity({60, 20, 10, 6, 4});
  static const Weighted channel({45, 35, 20});
  static constexpr std::string_view kChannels[] = {"web", "app", "store"};

  OrderRow o;
  Rng rng(p.seed, kOrderStream, static_cast<std::uint64_t>(j));
  // Dates over [now - 2y, now - 1 min], denser towards now; increasing in j.
  const double x = (static_cast<double>(j) + rng.uniform()) / static_cast<double>(p.orders);
  o.date = p.now - kOrderSpan +
           static_cast<Millis>(std::sqrt(x) * static_cast<double>(kOrderSpan - 60'000));

  // Customer: one that exists by then; 60% of orders go to the "loyal" tenth (index % 10 == 0).
  const std::int64_t existing = customersCreatedBy(p, o.date);
  std::int64_t c = static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(existing)));
  if (rng.chance(0.6)) c -= c % 10;
  o.customer = c;

  const std::size_t items = itemCount.pick(rng) + 1;
  for (std::size_t k = 0; k < items; ++k) {
    const Product& prod = kProducts[productPick.pick(rng)];
    Money price = static_cast<Money>(prod.rupees) * 100;
    if (rng.chance(0.15)) price = std::max<Money>(5000, (price * 9 / 10) / 100 * 100);  // sale
    o.items.push_back({std::string(prod.name), static_cast<std::int64_t>(quantity.pick(rng) + 1), price});
    o.amount += o.items.back().price * o.items.back().quantity;
  }
  const double s = rng.uniform();
  o.status = s < 0.90 ? OrderStatus::completed : s < 0.96 ? OrderStatus::cancelled : OrderStatus::refunded;
  o.channel = kChannels[channel.pick(rng)];
  char ext[48];
  std::snprintf(ext, sizeof ext, "ORD-%llu-%08lld", static_cast<unsigned long long>(p.seed),
                static_cast<long long>(j + 1));
  o.externalId = ext;
  return o;
}

// ---------------------------------------------------------------------------------------
// Output helpers.

double secondsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void csvCell(std::string& out, std::string_view v) {
  if (v.find_first_of(",\"\r\n") == std::string_view::npos) {
    out.append(v);
    return;
  }
  out.push_back('"');
  for (char c : v) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

class Progress {
 public:
  Progress(std::string what, std::int64_t total) : what_(std::move(what)), total_(total) {}
  void update(std::int64_t done) {
    const double s = secondsSince(t0_);
    std::fprintf(stderr, "minicrm_gen: %s %lld/%lld (%.0f%%) %.1fs %.0f rows/s\n", what_.c_str(),
                 static_cast<long long>(done), static_cast<long long>(total_),
                 total_ ? 100.0 * static_cast<double>(done) / static_cast<double>(total_) : 100.0,
                 s, s > 0 ? static_cast<double>(done) / s : 0.0);
  }
  double seconds() const { return secondsSince(t0_); }

 private:
  std::string what_;
  std::int64_t total_;
  std::chrono::steady_clock::time_point t0_ = std::chrono::steady_clock::now();
};

class Output {
 public:
  explicit Output(const std::string& path) : f_(std::fopen(path.c_str(), "wb")) {
    if (!f_) throw std::runtime_error("cannot write " + path + ": " + std::strerror(errno));
    buf_.reserve(1 << 20);
  }
  ~Output() { close(); }
  std::string& buf() { return buf_; }
  void maybeFlush() {
    if (buf_.size() >= (1 << 20)) flush();
  }
  void flush() {
    if (!buf_.empty() && std::fwrite(buf_.data(), 1, buf_.size(), f_) != buf_.size()) {
      throw std::runtime_error("write failed");
    }
    buf_.clear();
  }
  void close() {
    if (!f_) return;
    flush();
    if (std::fclose(f_) != 0) {
      f_ = nullptr;
      throw std::runtime_error("close failed");
    }
    f_ = nullptr;
  }

 private:
  std::FILE* f_;
  std::string buf_;
};

std::string jsonLine(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out = "{";
  for (std::size_t k = 0; k < fields.size(); ++k) {
    if (k) out += ",";
    out += jsonQuote(fields[k].first) + ":" + fields[k].second;
  }
  return out + "}";
}

std::string num(double v) {
  char b[64];
  std::snprintf(b, sizeof b, "%.3f", v);
  std::string s = b;
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}
std::string num(std::int64_t v) { return std::to_string(v); }

// ---------------------------------------------------------------------------------------
// Modes.

int writeCustomersCsv(const Params& p, const std::string& out) {
  Progress progress("customers", p.customers);
  Output o(out);
  o.buf() += "name,email,phone,totalSpend,visits,lastActive,city\n";
  for (std::int64_t i = 0; i < p.customers; ++i) {
    const CustomerRow c = makeCustomer(p, i);
    std::string& b = o.buf();
    csvCell(b, c.name);
    b += ',';
    csvCell(b, c.email);
    b += ',';
    if (c.phone) b += *c.phone;
    b += ',';
    appendMoney(b, c.spend);
    b += ',';
    b += std::to_string(c.visits);
    b += ',';
    appendIso(b, c.lastActive);
    b += ',';
    if (c.city) csvCell(b, *c.city);
    b += '\n';
    o.maybeFlush();
    if ((i + 1) % 200000 == 0) progress.update(i + 1);
  }
  o.close();
  if (p.customers % 200000 != 0) progress.update(p.customers);
  std::printf("%s\n", jsonLine({{"bench", jsonQuote("gen_customers_csv")},
                                {"value", num(progress.seconds())},
                                {"unit", jsonQuote("s")},
                                {"rows", num(p.customers)},
                                {"seed", num(static_cast<std::int64_t>(p.seed))},
                                {"now", jsonQuote(formatIso(p.now))},
                                {"out", jsonQuote(out)}})
                          .c_str());
  return 0;
}

int writeOrdersCsv(const Params& p, const std::string& out) {
  Progress progress("orders", p.orders);
  Output o(out);
  o.buf() += "orderId,customerEmail,orderDate,status,channel,item,quantity,price\n";
  std::int64_t lines = 0;
  for (std::int64_t j = 0; j < p.orders; ++j) {
    const OrderRow r = makeOrder(p, j);
    const std::string email = makeCustomer(p, r.customer).email;
    for (const auto& item : r.items) {
      std::string& b = o.buf();
      b += r.externalId;
      b += ',';
      csvCell(b, email);
      b += ',';
      appendIso(b, r.date);
      b += ',';
      b += toString(r.status);
      b += ',';
      b += r.channel;
      b += ',';
      csvCell(b, item.name);
      b += ',';
      b += std::to_string(item.quantity);
      b += ',';
      appendMoney(b, item.price);
      b += '\n';
      ++lines;
    }
    o.maybeFlush();
    if ((j + 1) % 200000 == 0) progress.update(j + 1);
  }
  o.close();
  if (p.orders % 200000 != 0) progress.update(p.orders);
  std::printf("%s\n", jsonLine({{"bench", jsonQuote("gen_orders_csv")},
                                {"value", num(progress.seconds())},
                                {"unit", jsonQuote("s")},
                                {"orders", num(p.orders)},
                                {"lines", num(lines)},
                                {"customers", num(p.customers)},
                                {"seed", num(static_cast<std::int64_t>(p.seed))},
                                {"now", jsonQuote(formatIso(p.now))},
                                {"out", jsonQuote(out)}})
                          .c_str());
  return 0;
}

class Db {
 public:
  explicit Db(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
      std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
      sqlite3_close(db_);
      db_ = nullptr;
      throw std::runtime_error("cannot open " + path + ": " + msg +
                               " (create it first with `minicrm migrate --database-url sqlite:" +
                               path + "`)");
    }
  }
  ~Db() {
    for (auto* s : stmts_) sqlite3_finalize(s);
    sqlite3_close(db_);
  }
  void exec(const std::string& sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : "?";
      sqlite3_free(err);
      throw std::runtime_error(sql + ": " + msg);
    }
  }
  sqlite3_stmt* prepare(const std::string& sql) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v3(db_, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr) !=
        SQLITE_OK) {
      throw std::runtime_error(std::string("prepare failed: ") + sqlite3_errmsg(db_) +
                               " (is the database migrated? run `minicrm migrate` first)");
    }
    stmts_.push_back(s);
    return s;
  }
  std::int64_t scalar(const std::string& sql) {
    sqlite3_stmt* s = prepare(sql);
    std::int64_t v = 0;
    if (sqlite3_step(s) == SQLITE_ROW) v = sqlite3_column_int64(s, 0);
    sqlite3_reset(s);
    return v;
  }
  void step(sqlite3_stmt* s) {
    if (sqlite3_step(s) != SQLITE_DONE) {
      throw std::runtime_error(std::string("insert failed: ") + sqlite3_errmsg(db_));
    }
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
  }

 private:
  sqlite3* db_ = nullptr;
  std::vector<sqlite3_stmt*> stmts_;
};

void bindText(sqlite3_stmt* s, int k, std::string_view v) {
  sqlite3_bind_text(s, k, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
}
void bindId(sqlite3_stmt* s, int k, const Id& id) {
  sqlite3_bind_blob(s, k, id.bytes.data(), 12, SQLITE_TRANSIENT);
}

int writeSqlite(const Params& p, const std::string& path, const std::string& idsOut,
                std::int64_t batch) {
  const auto t0 = std::chrono::steady_clock::now();
  Db db(path);
  if (db.scalar("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN "
                "('customers', 'orders', 'schema_migrations')") != 3) {
    throw std::runtime_error(path + " is not a migrated MiniCRM database: run `minicrm migrate "
                                    "--database-url sqlite:" + path + "` first");
  }
  if (db.scalar("SELECT EXISTS (SELECT 1 FROM customers) OR EXISTS (SELECT 1 FROM orders)")) {
    throw std::runtime_error(path + " already holds customers or orders; start from an empty, "
                                    "migrated database");
  }
  db.exec("PRAGMA journal_mode=WAL");
  db.exec("PRAGMA synchronous=OFF");
  db.exec("PRAGMA cache_size=-1048576");  // 1 GiB: every index stays in memory during load
  db.exec("PRAGMA temp_store=MEMORY");

  // Customer ids in creation order: the generator's counter makes them strictly increasing.
  std::vector<Id> ids(static_cast<std::size_t>(p.customers));
  {
    ManualClock clock(0);
    IdGenerator gen(clock);
    for (std::int64_t i = 0; i < p.customers; ++i) {
      clock.set(customerCreatedAt(p, i));
      ids[static_cast<std::size_t>(i)] = gen.next();
    }
  }
  if (!idsOut.empty()) {
    Output o(idsOut);
    for (const Id& id : ids) {
      id.appendHex(o.buf());
      o.buf() += '\n';
      o.maybeFlush();
    }
    o.close();
  }

  // Each customer's completed-order aggregates, from a first pass over the orders (cheap:
  // no I/O), so customers can be inserted before their orders. Customers first puts their
  // pages at the front of the file, as in a database that imported its customers and then
  // took orders; inserting orders first would push the customers table past the readers'
  // mmap window and make every customer read slower than in real use.
  std::vector<Money> spend(static_cast<std::size_t>(p.customers), 0);
  std::vector<std::int32_t> count(static_cast<std::size_t>(p.customers), 0);
  std::vector<Millis> lastOrder(static_cast<std::size_t>(p.customers), -1);
  std::int64_t completed = 0;
  for (std::int64_t j = 0; j < p.orders; ++j) {
    const OrderRow o = makeOrder(p, j);
    if (o.status != OrderStatus::completed) continue;
    const auto c = static_cast<std::size_t>(o.customer);
    spend[c] += o.amount;
    count[c] += 1;
    lastOrder[c] = std::max(lastOrder[c], o.date);
    ++completed;
  }

  double customersSeconds = 0;
  {
    sqlite3_stmt* ins = db.prepare(
        "INSERT INTO customers (id, name, email, phone, city, base_spend, base_visits, "
        "base_last_active, order_spend, order_visits, last_order_at, created_at, updated_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)");
    Progress progress("customers", p.customers);
    db.exec("BEGIN");
    for (std::int64_t i = 0; i < p.customers; ++i) {
      const auto k = static_cast<std::size_t>(i);
      const CustomerRow c = makeCustomer(p, i);
      bindId(ins, 1, ids[k]);
      bindText(ins, 2, c.name);
      bindText(ins, 3, c.email);
      if (c.phone) bindText(ins, 4, *c.phone);
      if (c.city) bindText(ins, 5, *c.city);
      sqlite3_bind_int64(ins, 6, c.spend);
      sqlite3_bind_int64(ins, 7, c.visits);
      sqlite3_bind_int64(ins, 8, c.lastActive);
      sqlite3_bind_int64(ins, 9, spend[k]);
      sqlite3_bind_int64(ins, 10, count[k]);
      if (lastOrder[k] >= 0) sqlite3_bind_int64(ins, 11, lastOrder[k]);  // else NULL
      sqlite3_bind_int64(ins, 12, c.createdAt);
      sqlite3_bind_int64(ins, 13, std::max(c.createdAt, lastOrder[k]));
      db.step(ins);
      if ((i + 1) % batch == 0) {
        db.exec("COMMIT");
        if ((i + 1) % (batch * 4) == 0) progress.update(i + 1);
        db.exec("BEGIN");
      }
    }
    db.exec("COMMIT");
    if (p.customers % (batch * 4) != 0) progress.update(p.customers);
    customersSeconds = progress.seconds();
  }

  double ordersSeconds = 0;
  if (p.orders > 0) {
    sqlite3_stmt* ins = db.prepare(
        "INSERT INTO orders (id, customer_id, items, amount, order_date, status, channel, "
        "external_id, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
    ManualClock clock(0);
    IdGenerator gen(clock);
    Progress progress("orders", p.orders);
    db.exec("BEGIN");
    for (std::int64_t j = 0; j < p.orders; ++j) {
      const OrderRow o = makeOrder(p, j);
      clock.set(o.date);
      bindId(ins, 1, gen.next());
      bindId(ins, 2, ids[static_cast<std::size_t>(o.customer)]);
      bindText(ins, 3, encodeItems(o.items));
      sqlite3_bind_int64(ins, 4, o.amount);
      sqlite3_bind_int64(ins, 5, o.date);
      bindText(ins, 6, toString(o.status));
      bindText(ins, 7, o.channel);
      bindText(ins, 8, o.externalId);
      sqlite3_bind_int64(ins, 9, o.date);
      Millis updated = o.date;
      if (o.status != OrderStatus::completed) {
        updated = std::min(p.now, o.date + kDay * (1 + (j % 7)));  // cancelled/refunded later
      }
      sqlite3_bind_int64(ins, 10, updated);
      db.step(ins);
      if ((j + 1) % batch == 0) {
        db.exec("COMMIT");
        if ((j + 1) % (batch * 4) == 0) progress.update(j + 1);
        db.exec("BEGIN");
      }
    }
    db.exec("COMMIT");
    if (p.orders % (batch * 4) != 0) progress.update(p.orders);
    ordersSeconds = progress.seconds();
  }

  const auto tc = std::chrono::steady_clock::now();
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  const double checkpointSeconds = secondsSince(tc);
  const double total = secondsSince(t0);
  std::fprintf(stderr, "minicrm_gen: done in %.1fs (checkpoint %.1fs)\n", total, checkpointSeconds);

  std::printf(
      "%s\n",
      jsonLine({{"bench", jsonQuote("gen_sqlite_load")},
                {"value", num(total)},
                {"unit", jsonQuote("s")},
                {"customers", num(p.customers)},
                {"orders", num(p.orders)},
                {"completed_orders", num(completed)},
                {"customers_s", num(customersSeconds)},
                {"orders_s", num(ordersSeconds)},
                {"customers_per_s",
                 num(customersSeconds > 0 ? static_cast<double>(p.customers) / customersSeconds : 0)},
                {"orders_per_s",
                 num(ordersSeconds > 0 ? static_cast<double>(p.orders) / ordersSeconds : 0)},
                {"seed", num(static_cast<std::int64_t>(p.seed))},
                {"now", jsonQuote(formatIso(p.now))},
                {"db", jsonQuote(path)}})
          .c_str());
  return 0;
}

// ---------------------------------------------------------------------------------------
// Command line.

[[noreturn]] void usage(const std::string& problem = "") {
  if (!problem.empty()) std::fprintf(stderr, "minicrm_gen: %s\n\n", problem.c_str());
  std::fprintf(stderr,
               "usage:\n"
               "  minicrm_gen customers --count N --seed S --out FILE.csv\n"
               "  minicrm_gen orders --count M --customers N --seed S --out FILE.csv\n"
               "  minicrm_gen sqlite --customers N --orders M --seed S --db FILE.db "
               "[--ids-out FILE] [--batch 50000]\n"
               "options for all: --now ISO-8601 (default: start of the current UTC day)\n");
  std::exit(2);
}

std::int64_t parseCount(const std::string& name, const std::string& v, std::int64_t min) {
  char* end = nullptr;
  errno = 0;
  const long long n = std::strtoll(v.c_str(), &end, 10);
  if (v.empty() || *end || errno || n < min || n > 100'000'000'000LL) {
    usage(name + " must be an integer >= " + std::to_string(min));
  }
  return n;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) usage();
  const std::string mode = argv[1];
  if (mode == "-h" || mode == "--help") usage();
  std::map<std::string, std::string> opt;
  for (int k = 2; k < argc; ++k) {
    std::string a = argv[k];
    if (!a.starts_with("--")) usage("unexpected argument " + a);
    if (auto eq = a.find('='); eq != std::string::npos) {
      opt[a.substr(2, eq - 2)] = a.substr(eq + 1);
    } else if (k + 1 < argc) {
      opt[a.substr(2)] = argv[++k];
    } else {
      usage("missing value for " + a);
    }
  }
  auto need = [&](const char* name) -> std::string {
    auto it = opt.find(name);
    if (it == opt.end()) usage(std::string("--") + name + " is required for " + mode);
    std::string v = it->second;
    opt.erase(it);
    return v;
  };
  auto take = [&](const char* name, std::string fallback) -> std::string {
    auto it = opt.find(name);
    if (it == opt.end()) return fallback;
    std::string v = it->second;
    opt.erase(it);
    return v;
  };

  Params p;
  const std::string seed = take("seed", "1");
  p.seed = static_cast<std::uint64_t>(parseCount("--seed", seed, 0));
  const std::string now = take("now", "");
  if (now.empty()) {
    p.now = startOfDay(SystemClock::instance().now());
  } else {
    auto t = parseIsoTime(now);
    if (!t) usage("--now must be an ISO-8601 date or time");
    p.now = t->millis;
  }

  try {
    if (mode == "customers") {
      p.customers = parseCount("--count", need("count"), 1);
      const std::string out = need("out");
      if (!opt.empty()) usage("unknown option --" + opt.begin()->first);
      return writeCustomersCsv(p, out);
    }
    if (mode == "orders") {
      p.orders = parseCount("--count", need("count"), 0);
      p.customers = parseCount("--customers", need("customers"), 1);
      const std::string out = need("out");
      if (!opt.empty()) usage("unknown option --" + opt.begin()->first);
      return writeOrdersCsv(p, out);
    }
    if (mode == "sqlite") {
      p.customers = parseCount("--customers", need("customers"), 1);
      p.orders = parseCount("--orders", take("orders", "0"), 0);
      const std::string db = need("db");
      const std::string ids = take("ids-out", "");
      const std::int64_t batch = parseCount("--batch", take("batch", "50000"), 1);
      if (!opt.empty()) usage("unknown option --" + opt.begin()->first);
      return writeSqlite(p, db, ids, batch);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "minicrm_gen: %s\n", e.what());
    return 1;
  }
  usage("unknown mode " + mode);
}
