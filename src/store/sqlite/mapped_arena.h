// MappedArena: the customer index's text in a file next to the database, mapped into
// memory, instead of in the heap.
//
// - The file is unlinked from the start (O_TMPFILE where the file system has it), so it
//   never outlives the process and is rebuilt with the index at every start.
// - Its blocks are reserved ahead (posix_fallocate), so a full disk shows at append, never
//   as a SIGBUS at a page fault. When the file cannot grow, the arena copies its bytes to
//   the heap and carries on there (logged): the index stays exact, only its home changes.
// - Pages it has filled are dropped from the process's page tables every MiB: they stay in
//   the kernel's page cache (reclaimable: written back to the file under memory pressure)
//   and are mapped in again when a preview reads text. Idle, the server keeps only the
//   index's fixed-size columns resident.
#pragma once

#include <cstdint>
#include <string>

#include "core/segment/text_arena.h"

namespace minicrm::sqlite {

class MappedArena final : public segment::TextArena {
 public:
  // Throws std::system_error when the file cannot be made or mapped in `dir`.
  explicit MappedArena(const std::string& dir);
  ~MappedArena() override;
  MappedArena(const MappedArena&) = delete;
  MappedArena& operator=(const MappedArena&) = delete;

  std::uint64_t append(std::string_view bytes) override;
  const char* data() const override { return inHeap_ ? heap_.data() : base_; }
  std::uint64_t size() const override { return size_; }
  std::size_t heapBytes() const override { return inHeap_ ? heap_.capacity() : 0; }
  bool inHeap() const { return inHeap_; }

 private:
  void moveToHeap(const std::exception& why);
  void unmap();

  bool inHeap_ = false;
  std::string heap_;  // the bytes once the file could not grow
  int fd_ = -1;
  char* base_ = nullptr;
  std::uint64_t size_ = 0;      // bytes appended
  std::uint64_t reserved_ = 0;  // bytes the file has blocks for
  std::uint64_t released_ = 0;  // bytes dropped from the page tables
};

// A factory of MappedArenas in the directory of the database at `dbPath`; heap arenas
// for in-memory databases or when the directory refuses a file (logged once).
segment::TextArenaFactory textArenasFor(const std::string& dbPath);

}  // namespace minicrm::sqlite
