#include "core/id.h"

#include <sys/random.h>

#include <cstring>
#include <stdexcept>

namespace minicrm {
namespace {

constexpr char kHex[] = "0123456789abcdef";

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<Id> Id::parse(std::string_view hex) {
  if (hex.size() != 24) return std::nullopt;
  Id id;
  for (std::size_t i = 0; i < 12; ++i) {
    int hi = hexValue(hex[2 * i]);
    int lo = hexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    id.bytes[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return id;
}

Id Id::fromBytes(const void* data) {
  Id id;
  std::memcpy(id.bytes.data(), data, 12);
  return id;
}

std::string Id::hex() const {
  std::string out;
  appendHex(out);
  return out;
}

void Id::appendHex(std::string& out) const {
  char buf[24];
  for (std::size_t i = 0; i < 12; ++i) {
    buf[2 * i] = kHex[bytes[i] >> 4];
    buf[2 * i + 1] = kHex[bytes[i] & 0xF];
  }
  out.append(buf, 24);
}

std::int64_t Id::seconds() const {
  return static_cast<std::int64_t>(std::uint32_t{bytes[0]} << 24 | std::uint32_t{bytes[1]} << 16 |
                                   std::uint32_t{bytes[2]} << 8 | std::uint32_t{bytes[3]});
}

IdGenerator::IdGenerator(const Clock& clock) : clock_(clock) {
  if (getrandom(random_.data(), random_.size(), 0) != static_cast<ssize_t>(random_.size())) {
    throw std::runtime_error("getrandom failed");
  }
}

IdGenerator::IdGenerator(const Clock& clock, const std::array<std::uint8_t, 5>& fixed,
                         std::uint64_t state)
    : clock_(clock), random_(fixed), state_(state) {}

Id IdGenerator::next() {
  const std::uint64_t floor = static_cast<std::uint64_t>(clock_.now() / 1000) << 24;
  std::uint64_t prev = state_.load(std::memory_order_relaxed);
  std::uint64_t next;
  do {
    next = prev + 1 > floor ? prev + 1 : floor;
  } while (!state_.compare_exchange_weak(prev, next, std::memory_order_relaxed));

  const auto seconds = static_cast<std::uint32_t>(next >> 24);
  const auto counter = static_cast<std::uint32_t>(next & 0xFFFFFF);
  Id id;
  id.bytes[0] = static_cast<std::uint8_t>(seconds >> 24);
  id.bytes[1] = static_cast<std::uint8_t>(seconds >> 16);
  id.bytes[2] = static_cast<std::uint8_t>(seconds >> 8);
  id.bytes[3] = static_cast<std::uint8_t>(seconds);
  std::memcpy(id.bytes.data() + 4, random_.data(), 5);
  id.bytes[9] = static_cast<std::uint8_t>(counter >> 16);
  id.bytes[10] = static_cast<std::uint8_t>(counter >> 8);
  id.bytes[11] = static_cast<std::uint8_t>(counter);
  return id;
}

}  // namespace minicrm
