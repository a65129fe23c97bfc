#include "core/segment/columns.h"

#include <re2/re2.h>

#include <algorithm>
#include <bit>
#include <limits>
#include <queue>
#include <stdexcept>
#include <unordered_set>

namespace minicrm::segment {
namespace {

std::uint64_t hashOf(const Id& id) {
  return std::hash<Id>{}(id);
}

constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();

// An inclusive range [lo, hi] a numeric value must (or, negated, must not) fall in.
struct Range {
  std::int64_t lo = kMin;
  std::int64_t hi = kMax;
  bool negate = false;
};

struct TooSlow {};

}  // namespace

CustomerFacts CustomerFacts::of(const Customer& c) {
  return of(Customer(c));
}

CustomerFacts CustomerFacts::of(Customer&& c) {
  return {
      c.id,           std::move(c.name), std::move(c.email), std::move(c.phone), std::move(c.city),
      c.totalSpend(), c.visits(),        c.lastActive(),     c.createdAt,        false};
}

// --- storage ------------------------------------------------------------------------

namespace {

class HeapArena final : public TextArena {
 public:
  std::uint64_t append(std::string_view bytes) override {
    const std::uint64_t at = bytes_.size();
    bytes_.append(bytes);
    return at;
  }
  const char* data() const override { return bytes_.data(); }
  std::uint64_t size() const override { return bytes_.size(); }
  std::size_t heapBytes() const override { return bytes_.capacity(); }

 private:
  std::string bytes_;
};

void putField(std::string& out, const std::string* value) {
  std::uint64_t n = value ? value->size() + 1 : 0;
  while (n >= 0x80) {
    out.push_back(static_cast<char>((n & 0x7F) | 0x80));
    n >>= 7;
  }
  out.push_back(static_cast<char>(n));
  if (value) out += *value;
}

// Reads the field at p and moves p past it.
std::optional<std::string_view> takeField(const char*& p) {
  std::uint64_t n = 0;
  for (int shift = 0;; shift += 7) {
    const auto b = static_cast<unsigned char>(*p++);
    n |= std::uint64_t{b & 0x7Fu} << shift;
    if ((b & 0x80) == 0) break;
  }
  if (n == 0) return std::nullopt;
  const std::string_view v(p, n - 1);
  p += n - 1;
  return v;
}

// Where the field after the first `n` starts.
const char* skipFields(const char* p, int n) {
  for (int i = 0; i < n; ++i)
    takeField(p);
  return p;
}

}  // namespace

std::unique_ptr<TextArena> heapArena() {
  return std::make_unique<HeapArena>();
}

CustomerColumns::CustomerColumns() : CustomerColumns(heapArena) {}

CustomerColumns::CustomerColumns(TextArenaFactory arenas)
    : newArena_(std::move(arenas)), arena_(newArena_()) {}

std::optional<std::string_view> CustomerColumns::fieldOf(const char* record, TextField field) {
  const char* p = skipFields(record, field);
  return takeField(p);
}

std::size_t CustomerColumns::recordSize(std::size_t slot) const {
  const char* start = arena_->data() + text_[slot];
  return static_cast<std::size_t>(skipFields(start, kFields) - start);
}

void CustomerColumns::setText(std::size_t slot, const CustomerFacts& f) {
  record_.clear();
  putField(record_, &f.name);
  putField(record_, &f.email);
  putField(record_, f.phone ? &*f.phone : nullptr);
  if (text_[slot] != kNoText) {
    const std::size_t old = recordSize(slot);
    // Order writes change aggregates, rarely text: keep the record when it is unchanged.
    if (old == record_.size() && std::string_view(arena_->data() + text_[slot], old) == record_) {
      return;
    }
    liveTextBytes_ -= old;
    text_[slot] = kNoText;
  }
  std::uint64_t at = arena_->append(record_);
  if (at + record_.size() > kNoText) {
    // Offsets are 32 bits: compact away replaced records, then try again.
    compactTextIfWasteful();
    at = arena_->append(record_);
    if (at + record_.size() > kNoText) {
      throw std::length_error("customer index text exceeds 4 GiB");
    }
  }
  text_[slot] = static_cast<std::uint32_t>(at);
  liveTextBytes_ += record_.size();
}

void CustomerColumns::dropText(std::size_t slot) {
  if (text_[slot] == kNoText) return;
  liveTextBytes_ -= recordSize(slot);
  text_[slot] = kNoText;
}

void CustomerColumns::compactTextIfWasteful() {
  const std::uint64_t size = arena_->size();
  if (size < (1u << 20) || size < 2 * static_cast<std::uint64_t>(liveTextBytes_)) return;
  // Build the new arena and offsets aside, so a failure leaves the columns as they were.
  auto fresh = newArena_();
  std::vector<std::uint32_t> moved(text_.size(), kNoText);
  for (std::size_t slot = 0; slot < text_.size(); ++slot) {
    if (text_[slot] == kNoText) continue;
    const std::size_t n = recordSize(slot);
    moved[slot] = static_cast<std::uint32_t>(
        fresh->append(std::string_view(arena_->data() + text_[slot], n)));
  }
  text_ = std::move(moved);
  arena_ = std::move(fresh);
}

std::uint32_t CustomerColumns::slotFor(const Id& id) const {
  if (index_.empty()) return kNoSlot;
  const std::size_t mask = index_.size() - 1;
  for (std::size_t i = hashOf(id) & mask;; i = (i + 1) & mask) {
    const std::uint32_t e = index_[i];
    if (e == 0) return kNoSlot;
    if (ids_[e - 1] == id) return e - 1;
  }
}

void CustomerColumns::growIndex() {
  std::vector<std::uint32_t> old = std::move(index_);
  index_.assign(std::max<std::size_t>(1024, old.size() * 2), 0);
  const std::size_t mask = index_.size() - 1;
  for (std::uint32_t e : old) {
    if (e == 0) continue;
    std::size_t i = hashOf(ids_[e - 1]) & mask;
    while (index_[i] != 0)
      i = (i + 1) & mask;
    index_[i] = e;
  }
}

void CustomerColumns::indexInsert(const Id& id, std::uint32_t slot) {
  if ((indexUsed_ + 1) * 2 > index_.size()) growIndex();
  const std::size_t mask = index_.size() - 1;
  std::size_t i = hashOf(id) & mask;
  while (index_[i] != 0)
    i = (i + 1) & mask;
  index_[i] = slot + 1;
  ++indexUsed_;
}

void CustomerColumns::indexErase(const Id& id) {
  const std::size_t mask = index_.size() - 1;
  std::size_t i = hashOf(id) & mask;
  while (index_[i] != 0 && !(ids_[index_[i] - 1] == id))
    i = (i + 1) & mask;
  if (index_[i] == 0) return;
  index_[i] = 0;
  --indexUsed_;
  // Backward-shift deletion keeps every probe chain unbroken.
  for (std::size_t j = (i + 1) & mask; index_[j] != 0; j = (j + 1) & mask) {
    const std::size_t home = hashOf(ids_[index_[j] - 1]) & mask;
    const bool between = i <= j ? (home > i && home <= j) : (home > i || home <= j);
    if (!between) {
      index_[i] = index_[j];
      index_[j] = 0;
      i = j;
    }
  }
}

std::uint32_t CustomerColumns::cityCode(const std::optional<std::string>& city) {
  if (!city) return 0;
  auto it = cityCodes_.find(*city);
  if (it != cityCodes_.end()) return it->second;
  const auto code = static_cast<std::uint32_t>(cities_.size());
  cities_.push_back(*city);
  cityCodes_.emplace(*city, code);
  return code;
}

void CustomerColumns::setAlive(std::size_t slot, bool alive) {
  const std::uint64_t bit = std::uint64_t{1} << (slot % 64);
  if (alive) {
    alive_[slot / 64] |= bit;
  } else {
    alive_[slot / 64] &= ~bit;
  }
}

void CustomerColumns::upsert(const CustomerFacts& f) {
  std::uint32_t slot = slotFor(f.id);
  if (slot == kNoSlot) {
    if (!free_.empty()) {
      slot = free_.back();
      free_.pop_back();
    } else {
      slot = static_cast<std::uint32_t>(ids_.size());
      const std::size_t n = slot + 1;
      ids_.resize(n);
      spend_.resize(n);
      visits_.resize(n);
      lastActive_.resize(n);
      createdAt_.resize(n);
      city_.resize(n);
      text_.resize(n, kNoText);
      alive_.resize((n + 63) / 64, 0);
    }
    ids_[slot] = f.id;
    indexInsert(f.id, slot);
    setAlive(slot, true);
    ++live_;
  }
  spend_[slot] = f.totalSpend;
  visits_[slot] = static_cast<std::int32_t>(std::min<std::int64_t>(f.visits, INT32_MAX));
  lastActive_[slot] = f.lastActive;
  createdAt_[slot] = f.createdAt;
  city_[slot] = cityCode(f.city);
  if (f.aggregatesOnly && text_[slot] != kNoText) return;
  setText(slot, f);
  compactTextIfWasteful();
}

bool CustomerColumns::erase(const Id& id) {
  const std::uint32_t slot = slotFor(id);
  if (slot == kNoSlot) return false;
  indexErase(id);
  setAlive(slot, false);
  dropText(slot);
  free_.push_back(slot);
  --live_;
  return true;
}

void CustomerColumns::clear() {
  *this = CustomerColumns(std::move(newArena_));
}

void CustomerColumns::reserve(std::size_t n) {
  ids_.reserve(n);
  spend_.reserve(n);
  visits_.reserve(n);
  lastActive_.reserve(n);
  createdAt_.reserve(n);
  city_.reserve(n);
  text_.reserve(n);
  while (index_.size() < 2 * n)
    growIndex();
}

std::size_t CustomerColumns::memoryBytes() const {
  std::size_t bytes = ids_.capacity() * sizeof(Id) + spend_.capacity() * 8 +
                      visits_.capacity() * 4 + lastActive_.capacity() * 8 +
                      createdAt_.capacity() * 8 + city_.capacity() * 4 + alive_.capacity() * 8 +
                      free_.capacity() * 4 + index_.capacity() * 4 + text_.capacity() * 4 +
                      arena_->heapBytes() + record_.capacity();
  for (const auto& c : cities_)
    bytes += c.capacity() + 48;
  return bytes;
}

// --- evaluation -----------------------------------------------------------------------

// One evaluation: bitmaps over slots. Each node is evaluated only over the rows of its
// `mask` (the rows still undecided), so conjunctions narrow as they go.
class CustomerColumns::Evaluation {
 public:
  using Bits = std::vector<std::uint64_t>;

  Evaluation(const CustomerColumns& c, Millis now, Deadline deadline)
      : c_(c),
        now_(now),
        deadline_(deadline),
        words_(c.alive_.size()),
        textBase_(c.arena_->data()) {}

  Bits run(const Node& n) { return eval(n, c_.alive_); }

 private:
  void checkTime(std::size_t word) const {
    if ((word & 1023) == 0 && std::chrono::steady_clock::now() > deadline_) throw TooSlow{};
  }

  Bits eval(const Node& n, const Bits& mask) {
    switch (n.kind) {
      case Node::Kind::all:
        return mask;
      case Node::Kind::predicate:
        return leaf(n.predicate, mask);
      case Node::Kind::and_: {
        Bits acc = mask;
        for (const auto& child : n.children) {
          if (empty(acc)) break;
          acc = eval(child, acc);
        }
        return acc;
      }
      case Node::Kind::or_:
      case Node::Kind::nor: {
        Bits acc(words_, 0);
        Bits remaining = mask;
        for (const auto& child : n.children) {
          if (empty(remaining)) break;
          Bits hit = eval(child, remaining);
          for (std::size_t w = 0; w < words_; ++w) {
            acc[w] |= hit[w];
            remaining[w] &= ~hit[w];
          }
        }
        return n.kind == Node::Kind::or_ ? acc : remaining;
      }
      case Node::Kind::not_: {
        Bits hit = eval(n.children.at(0), mask);
        for (std::size_t w = 0; w < words_; ++w)
          hit[w] = mask[w] & ~hit[w];
        return hit;
      }
    }
    return Bits(words_, 0);
  }

  static bool empty(const Bits& b) {
    return std::all_of(b.begin(), b.end(), [](std::uint64_t w) { return w == 0; });
  }

  // Applies test(slot) to every row in mask.
  template <class Test>
  Bits each(const Bits& mask, Test test) const {
    Bits out(words_, 0);
    for (std::size_t w = 0; w < words_; ++w) {
      checkTime(w);
      std::uint64_t m = mask[w];
      if (m == 0) continue;
      std::uint64_t bits = 0;
      const std::size_t base = w * 64;
      while (m) {
        const int b = std::countr_zero(m);
        m &= m - 1;
        if (test(base + b)) bits |= std::uint64_t{1} << b;
      }
      out[w] = bits;
    }
    return out;
  }

  // Branch-free range test over a whole numeric column.
  template <class T>
  Bits ranges(const Bits& mask, const std::vector<T>& col, const std::vector<Range>& rs,
              bool negate) const {
    Bits out(words_, 0);
    const std::size_t n = col.size();
    for (std::size_t w = 0; w < words_; ++w) {
      checkTime(w);
      if (mask[w] == 0) continue;
      std::uint64_t bits = 0;
      const std::size_t base = w * 64;
      const std::size_t end = std::min<std::size_t>(64, n - base);
      for (std::size_t b = 0; b < end; ++b) {
        const std::int64_t v = col[base + b];
        bool in = false;
        for (const Range& r : rs)
          in |= (v >= r.lo) & (v <= r.hi);
        bits |= static_cast<std::uint64_t>(in != negate) << b;
      }
      out[w] = bits & mask[w];
    }
    return out;
  }

  static Range numericRange(Op op, std::int64_t lo, std::int64_t hi) {
    constexpr Range nothing{kMax, kMin, false};  // lo > hi: no value is inside
    switch (op) {
      case Op::eq:
        return {lo, hi, false};
      case Op::ne:
        return {lo, hi, true};
      case Op::gt:
        return hi == kMax ? nothing : Range{hi + 1, kMax, false};
      case Op::gte:
        return {lo, kMax, false};
      case Op::lt:
        return lo == kMin ? nothing : Range{kMin, lo - 1, false};
      case Op::lte:
        return {kMin, hi, false};
      default:
        return {};
    }
  }

  Span spanFor(const Value& v) const { return spanOf(v.date, now_); }

  Bits numeric(const Predicate& p, const Bits& mask) const {
    std::vector<Range> rs;
    bool negate = false;
    auto bounds = [&](const Value& v) -> std::pair<std::int64_t, std::int64_t> {
      if (typeOf(p.field) == FieldType::date) {
        const Span s = spanFor(v);
        return {s.start, s.end};
      }
      return {v.number, v.number};
    };
    if (p.op == Op::in || p.op == Op::nin) {
      for (const auto& v : p.values) {
        if (v.kind == Value::Kind::null) continue;  // numeric fields are never null
        auto [lo, hi] = bounds(v);
        rs.push_back({lo, hi, false});
      }
      negate = p.op == Op::nin;
      if (rs.empty()) rs.push_back({kMax, kMin, false});  // matches nothing
    } else if (p.op == Op::exists) {
      return p.exists ? mask : Bits(words_, 0);
    } else {
      const Value& v = p.values.at(0);
      if (v.kind == Value::Kind::null) {  // {$eq: null} never, {$ne: null} always
        return p.op == Op::ne ? mask : Bits(words_, 0);
      }
      auto [lo, hi] = bounds(v);
      Range r = numericRange(p.op, lo, hi);
      negate = r.negate;
      r.negate = false;
      rs.push_back(r);
    }
    switch (p.field) {
      case Field::totalSpend:
        return ranges(mask, c_.spend_, rs, negate);
      case Field::visits:
        return ranges(mask, c_.visits_, rs, negate);
      case Field::lastActive:
        return ranges(mask, c_.lastActive_, rs, negate);
      case Field::createdAt:
        return ranges(mask, c_.createdAt_, rs, negate);
      default:
        return Bits(words_, 0);
    }
  }

  Bits average(const Predicate& p, const Bits& mask) const {
    auto cmpAt = [&](std::size_t s, Money v) {
      return compareAverage(c_.spend_[s], c_.visits_[s], v);
    };
    switch (p.op) {
      case Op::exists:
        return p.exists ? mask : Bits(words_, 0);
      case Op::in:
      case Op::nin: {
        const bool in = p.op == Op::in;
        return each(mask, [&](std::size_t s) {
          bool any = false;
          for (const auto& v : p.values) {
            if (v.kind != Value::Kind::null && cmpAt(s, v.number) == 0) {
              any = true;
              break;
            }
          }
          return any == in;
        });
      }
      default:
        break;
    }
    const Value& v = p.values.at(0);
    if (v.kind == Value::Kind::null) return p.op == Op::ne ? mask : Bits(words_, 0);
    return each(mask, [&](std::size_t s) { return satisfies(p.op, cmpAt(s, v.number)); });
  }

  std::optional<std::string_view> textAt(Field f, std::size_t s) const {
    switch (f) {
      case Field::name:
        return fieldOf(textBase_ + c_.text_[s], kName);
      case Field::email:
        return fieldOf(textBase_ + c_.text_[s], kEmail);
      case Field::phone:
        return fieldOf(textBase_ + c_.text_[s], kPhone);
      case Field::city: {
        const std::uint32_t code = c_.city_[s];
        if (code == 0) return std::nullopt;
        return std::string_view(c_.cities_[code]);
      }
      default:
        return std::nullopt;
    }
  }

  Bits city(const Predicate& p, const Bits& mask) const {
    // Codes instead of strings: a value that names no known city matches no row.
    auto codeOf = [&](const Value& v) -> std::int64_t {
      if (v.kind == Value::Kind::null) return 0;
      auto it = c_.cityCodes_.find(v.text);
      return it == c_.cityCodes_.end() ? -1 : static_cast<std::int64_t>(it->second);
    };
    std::vector<Range> rs;
    bool negate = false;
    if (p.op == Op::eq || p.op == Op::ne || p.op == Op::in || p.op == Op::nin) {
      for (const auto& v : p.values) {
        const std::int64_t code = codeOf(v);
        if (code >= 0) rs.push_back({code, code, false});
      }
      if (rs.empty()) rs.push_back({kMax, kMin, false});
      negate = p.op == Op::ne || p.op == Op::nin;
      return ranges(mask, c_.city_, rs, negate);
    }
    if (p.op == Op::exists) {
      rs.push_back({0, 0, false});
      return ranges(mask, c_.city_, rs, p.exists);
    }
    return text(p, mask, nullptr);
  }

  // Any text predicate, row by row; `re` is the compiled pattern of a $regex.
  Bits text(const Predicate& p, const Bits& mask, const RegexMatcher* re) const {
    switch (p.op) {
      case Op::exists:
        return each(mask,
                    [&](std::size_t s) { return textAt(p.field, s).has_value() == p.exists; });
      case Op::regex:
        return each(mask, [&](std::size_t s) {
          auto t = textAt(p.field, s);
          return t && re->matches(*t);
        });
      case Op::in:
      case Op::nin: {
        std::unordered_set<std::string_view> set;
        bool withNull = false;
        for (const auto& v : p.values) {
          if (v.kind == Value::Kind::null) {
            withNull = true;
          } else {
            set.insert(v.text);
          }
        }
        const bool in = p.op == Op::in;
        return each(mask, [&](std::size_t s) {
          auto t = textAt(p.field, s);
          const bool hit = t ? set.count(*t) > 0 : withNull;
          return hit == in;
        });
      }
      default:
        break;
    }
    const Value& v = p.values.at(0);
    if (v.kind == Value::Kind::null) {
      const bool wantNull = p.op == Op::eq;
      return each(mask, [&](std::size_t s) { return textAt(p.field, s).has_value() != wantNull; });
    }
    return each(mask, [&](std::size_t s) {
      auto t = textAt(p.field, s);
      if (!t) return p.op == Op::ne;
      return satisfies(p.op, t->compare(v.text));
    });
  }

  Bits leaf(const Predicate& p, const Bits& mask) const {
    if (p.field == Field::avgOrderValue) return average(p, mask);
    if (typeOf(p.field) != FieldType::text) return numeric(p, mask);
    if (p.field == Field::city && p.op != Op::regex) return city(p, mask);
    if (p.op == Op::regex) {
      const RegexMatcher re(p.pattern, p.options);
      return text(p, mask, &re);
    }
    return text(p, mask, nullptr);
  }

  const CustomerColumns& c_;
  Millis now_;
  Deadline deadline_;
  std::size_t words_;
  const char* textBase_;  // the arena's bytes (stable while the columns are read)
};

Result<Audience> CustomerColumns::evaluate(const Node& segment, Millis now, std::size_t limit,
                                           Deadline deadline) const {
  Evaluation::Bits hits;
  try {
    hits = Evaluation(*this, now, deadline).run(segment);
  } catch (const TooSlow&) {
    return Error{ErrorKind::unprocessable,
                 "The segment is too expensive to evaluate in time; simplify it",
                 {}};
  }
  Audience a;
  // Keep the `limit` most recent: a min-heap on (lastActive, id).
  using Key = std::pair<std::int64_t, Id>;
  std::priority_queue<Key, std::vector<Key>, std::greater<Key>> heap;
  for (std::size_t w = 0; w < hits.size(); ++w) {
    std::uint64_t m = hits[w];
    a.total += std::popcount(m);
    while (m && limit > 0) {
      const std::size_t s = w * 64 + static_cast<std::size_t>(std::countr_zero(m));
      m &= m - 1;
      Key k{lastActive_[s], ids_[s]};
      if (heap.size() < limit) {
        heap.push(k);
      } else if (heap.top() < k) {
        heap.pop();
        heap.push(k);
      }
    }
  }
  a.top.resize(heap.size());
  for (std::size_t i = heap.size(); i-- > 0;) {
    a.top[i] = heap.top().second;
    heap.pop();
  }
  return a;
}

std::vector<Id> CustomerColumns::members(const Node& segment, Millis now) const {
  auto hits = Evaluation(*this, now, Deadline::max()).run(segment);
  std::vector<Id> out;
  for (std::size_t w = 0; w < hits.size(); ++w) {
    for (std::uint64_t m = hits[w]; m; m &= m - 1) {
      out.push_back(ids_[w * 64 + static_cast<std::size_t>(std::countr_zero(m))]);
    }
  }
  return out;
}

}  // namespace minicrm::segment
