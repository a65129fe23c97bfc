// TextArena: append-only bytes holding CustomerColumns' text (names, emails, phones).
//
// The columns only append, read through data() and move to a fresh arena to compact, so
// where the bytes live is the owner's choice: the heap (heapArena(), the default), or a
// file mapped into memory (sqlite::MappedArena), which keeps the text in the kernel's page
// cache instead of the process's heap.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

namespace minicrm::segment {

class TextArena {
 public:
  virtual ~TextArena() = default;

  // Appends bytes and returns the offset they start at. May move data().
  virtual std::uint64_t append(std::string_view bytes) = 0;
  virtual const char* data() const = 0;
  virtual std::uint64_t size() const = 0;
  // Bytes this arena holds in the process's heap (the rest lives in the page cache).
  virtual std::size_t heapBytes() const = 0;
};

using TextArenaFactory = std::function<std::unique_ptr<TextArena>()>;

std::unique_ptr<TextArena> heapArena();

}  // namespace minicrm::segment
