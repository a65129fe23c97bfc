// CustomerColumns: the facts segments test, for every customer, laid out column by column
// so a segment is evaluated over all of them at once (bitmaps, tight loops). This is what
// makes previews fast on millions of customers; the semantics are those of segment.h, and
// the equivalence test holds this evaluator to the reference one.
//
// Per customer, in the heap: id 12 bytes, totalSpend 8, visits 4, lastActive 8, createdAt 8,
// city code 4, text offset 4, id hash slot ~8 (about 56 bytes). The name, email and phone
// (about 55 bytes) are one record per customer in a TextArena, which the owner may keep
// outside the heap. Not thread-safe: the owner serialises writers against readers.
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
#include "core/segment/text_arena.h"

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
  // Set by writes that change only the aggregates (order writes): the columns keep the
  // text they hold for this customer instead of comparing it.
  bool aggregatesOnly = false;

  static CustomerFacts of(const Customer& c);
  static CustomerFacts of(Customer&& c);  // takes the text
};

struct Audience {
  std::int64_t total = 0;
  std::vector<Id> top;  // up to `limit` members, lastActive descending, then id descending
};

class CustomerColumns {
 public:
  using Deadline = std::chrono::steady_clock::time_point;

  // Text in the heap.
  CustomerColumns();
  // Text in the arenas `arenas` makes (a fresh one at each compaction).
  explicit CustomerColumns(TextArenaFactory arenas);

  // Inserts or replaces the customer with this id.
  void upsert(const CustomerFacts& f);
  // Removes the customer; false when absent.
  bool erase(const Id& id);
  void clear();
  void reserve(std::size_t customers);

  std::size_t size() const { return live_; }
  // Bytes held in the process's heap, text included when its arena keeps it there.
  std::size_t memoryBytes() const;
  // Bytes of text records in the arena (live and not yet compacted away).
  std::size_t textBytes() const { return arena_->size(); }

  // Counts the members of `segment` at `now` and lists the `limit` most recently active.
  // Unprocessable when it runs past `deadline`.
  Result<Audience> evaluate(const Node& segment, Millis now, std::size_t limit,
                            Deadline deadline) const;
  // Every member's id, in slot order (for tests and audits).
  std::vector<Id> members(const Node& segment, Millis now) const;

 private:
  class Evaluation;
  friend class Evaluation;

  std::uint32_t slotFor(const Id& id) const;  // kNoSlot when absent
  void indexInsert(const Id& id, std::uint32_t slot);
  void indexErase(const Id& id);
  void growIndex();
  std::uint32_t cityCode(const std::optional<std::string>& city);
  void setAlive(std::size_t slot, bool alive);

  // Text records: name, email, phone, each as varint(length + 1) and its bytes (0: absent).
  enum TextField { kName = 0, kEmail = 1, kPhone = 2, kFields = 3 };
  static std::optional<std::string_view> fieldOf(const char* record, TextField field);
  std::size_t recordSize(std::size_t slot) const;
  void setText(std::size_t slot, const CustomerFacts& f);
  void dropText(std::size_t slot);
  void compactTextIfWasteful();

  static constexpr std::uint32_t kNoSlot = 0xFFFFFFFF;
  static constexpr std::uint32_t kNoText = 0xFFFFFFFF;

  std::vector<Id> ids_;
  std::vector<std::int64_t> spend_;
  std::vector<std::int32_t> visits_;
  std::vector<std::int64_t> lastActive_;
  std::vector<std::int64_t> createdAt_;
  std::vector<std::uint32_t> city_;   // 0: no city
  std::vector<std::uint32_t> text_;   // record offset in arena_, kNoText for free slots
  std::vector<std::uint64_t> alive_;  // bitmap over slots
  std::vector<std::uint32_t> free_;   // slots to reuse
  std::size_t live_ = 0;

  std::vector<std::string> cities_{""};  // code -> name; code 0 is "no city"
  std::unordered_map<std::string, std::uint32_t> cityCodes_;

  std::vector<std::uint32_t> index_;  // open addressing: slot + 1, 0 empty
  std::size_t indexUsed_ = 0;

  TextArenaFactory newArena_;
  std::unique_ptr<TextArena> arena_;
  std::size_t liveTextBytes_ = 0;
  std::string record_;  // scratch for the record being written
};

}  // namespace minicrm::segment
