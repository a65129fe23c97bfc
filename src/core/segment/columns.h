// CustomerColumns: the facts segments test, for every customer, laid out column by column
// so a segment is evaluated over all of them at once (bitmaps, tight loops). This is what
// makes previews fast on millions of customers; the semantics are those of segment.h, and
// the equivalence test holds this evaluator to the reference one.
//
// Per customer: id 12 bytes, totalSpend 8, visits 4, lastActive 8, createdAt 8, city code 4,
// id hash slot ~8 (52 bytes), plus the name, email and phone text with 6 bytes of offsets
// each. Not thread-safe: the owner serialises writers against readers.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/error.h"
#include "core/id.h"
#include "core/segment/segment.h"

namespace minicrm::segment {

// What the columns keep of a customer (served values).
struct CustomerFacts {
  Id id;
  std::string name;
  std::string email;
  std::optional<std::string> phone;
  std::optional<std::string> city;
  Money totalSpend = 0;
  std::int64_t visits = 0;
  Millis lastActive = 0;
  Millis createdAt = 0;

  static CustomerFacts of(const Customer& c);
};

struct Audience {
  std::int64_t total = 0;
  std::vector<Id> top;  // up to `limit` members, lastActive descending, then id descending
};

class CustomerColumns {
 public:
  using Deadline = std::chrono::steady_clock::time_point;

  // Inserts or replaces the customer with this id.
  void upsert(const CustomerFacts& f);
  // Removes the customer; false when absent.
  bool erase(const Id& id);
  void clear();
  void reserve(std::size_t customers);

  std::size_t size() const { return live_; }
  std::size_t memoryBytes() const;

  // Counts the members of `segment` at `now` and lists the `limit` most recently active.
  // Unprocessable when it runs past `deadline`.
  Result<Audience> evaluate(const Node& segment, Millis now, std::size_t limit,
                            Deadline deadline) const;
  // Every member's id, in slot order (for tests and audits).
  std::vector<Id> members(const Node& segment, Millis now) const;

 private:
  struct Text {
    std::string arena;
    std::vector<std::uint32_t> offset;
    std::vector<std::uint32_t> length;  // kNull for absent
    std::size_t liveBytes = 0;

    static constexpr std::uint32_t kNull = 0xFFFFFFFF;
    void resize(std::size_t n);
    void set(std::size_t slot, const std::optional<std::string>& value);
    std::optional<std::string_view> get(std::size_t slot) const {
      const std::uint32_t len = length[slot];
      if (len == kNull) return std::nullopt;
      return std::string_view(arena.data() + offset[slot], len);
    }
    void compactIfWasteful();
  };

  class Evaluation;
  friend class Evaluation;

  std::uint32_t slotFor(const Id& id) const;  // kNoSlot when absent
  void indexInsert(const Id& id, std::uint32_t slot);
  void indexErase(const Id& id);
  void growIndex();
  std::uint32_t cityCode(const std::optional<std::string>& city);
  void setAlive(std::size_t slot, bool alive);

  static constexpr std::uint32_t kNoSlot = 0xFFFFFFFF;

  std::vector<Id> ids_;
  std::vector<std::int64_t> spend_;
  std::vector<std::int32_t> visits_;
  std::vector<std::int64_t> lastActive_;
  std::vector<std::int64_t> createdAt_;
  std::vector<std::uint32_t> city_;  // 0: no city
  Text name_, email_, phone_;
  std::vector<std::uint64_t> alive_;  // bitmap over slots
  std::vector<std::uint32_t> free_;   // slots to reuse
  std::size_t live_ = 0;

  std::vector<std::string> cities_{""};  // code -> name; code 0 is "no city"
  std::unordered_map<std::string, std::uint32_t> cityCodes_;

  std::vector<std::uint32_t> index_;  // open addressing: slot + 1, 0 empty
  std::size_t indexUsed_ = 0;
};

}  // namespace minicrm::segment
