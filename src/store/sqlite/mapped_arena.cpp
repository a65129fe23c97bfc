#include "store/sqlite/mapped_arena.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <system_error>

#include "core/json_writer.h"

namespace minicrm::sqlite {
namespace {

// Address space the mapping takes (no memory): record offsets are 32 bits, so the index
// never needs more than 4 GiB plus one record.
constexpr std::uint64_t kAddressSpace = std::uint64_t{5} << 30;
constexpr std::uint64_t kReserveStep = std::uint64_t{32} << 20;
constexpr std::uint64_t kReleaseStep = std::uint64_t{1} << 20;

[[noreturn]] void fail(const char* what, int err) {
  throw std::system_error(err, std::generic_category(), what);
}

int openUnlinked(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd >= 0) return fd;
  // File systems without O_TMPFILE: create, then unlink at once.
  std::string name = (std::filesystem::path(dir) / ".minicrm-index-XXXXXX").string();
  fd = ::mkostemp(name.data(), O_CLOEXEC);
  if (fd < 0) fail("cannot create the customer index text file", errno);
  ::unlink(name.c_str());
  return fd;
}

}  // namespace

MappedArena::MappedArena(const std::string& dir) : fd_(openUnlinked(dir)) {
  void* p = ::mmap(nullptr, kAddressSpace, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0);
  if (p == MAP_FAILED) {
    const int err = errno;
    ::close(fd_);
    fail("cannot map the customer index text file", err);
  }
  base_ = static_cast<char*>(p);
}

MappedArena::~MappedArena() {
  unmap();
}

void MappedArena::unmap() {
  if (base_) ::munmap(base_, kAddressSpace);
  if (fd_ >= 0) ::close(fd_);
  base_ = nullptr;
  fd_ = -1;
}

void MappedArena::moveToHeap(const std::exception& why) {
  spdlog::warn(R"("msg":"customer index text moves to memory: its file cannot grow","error":{})",
               jsonQuote(why.what()));
  heap_.reserve(size_ + size_ / 4 + 4096);
  heap_.assign(base_, size_);
  unmap();
  inHeap_ = true;
}

std::uint64_t MappedArena::append(std::string_view bytes) {
  const std::uint64_t at = size_;
  const std::uint64_t end = size_ + bytes.size();
  if (!inHeap_ && end > reserved_) {
    try {
      if (end > kAddressSpace) {
        throw std::length_error("customer index text exceeds its mapping");
      }
      const std::uint64_t want = std::min(kAddressSpace, (end / kReserveStep + 1) * kReserveStep);
      const int err = ::posix_fallocate(fd_, static_cast<off_t>(reserved_),
                                        static_cast<off_t>(want - reserved_));
      if (err != 0) fail("cannot grow the customer index text file", err);
      reserved_ = want;
    } catch (const std::exception& e) {
      moveToHeap(e);
    }
  }
  if (inHeap_) {
    heap_.append(bytes);
    size_ = end;
    return at;
  }
  std::memcpy(base_ + size_, bytes.data(), bytes.size());
  size_ = end;
  const std::uint64_t full = size_ / kReleaseStep * kReleaseStep;
  if (full > released_) {
    // Written pages stay in the page cache (dirty until written back); only our mapping of
    // them goes.
    ::madvise(base_ + released_, full - released_, MADV_DONTNEED);
    released_ = full;
  }
  return at;
}

segment::TextArenaFactory textArenasFor(const std::string& dbPath) {
  std::filesystem::path dir = std::filesystem::path(dbPath).parent_path();
  if (dir.empty()) dir = ".";
  auto warned = std::make_shared<std::atomic<bool>>(false);
  return [dir = dir.string(), warned]() -> std::unique_ptr<segment::TextArena> {
    try {
      return std::make_unique<MappedArena>(dir);
    } catch (const std::exception& e) {
      if (!warned->exchange(true)) {
        spdlog::warn(
            R"("msg":"customer index text kept in memory: no file for it","dir":{},"error":{})",
            jsonQuote(dir), jsonQuote(e.what()));
      }
      return segment::heapArena();
    }
  };
}

}  // namespace minicrm::sqlite
