// minicrm_fsync_probe DIR [--count 200] [--size 4096]
//
// How long the disk under DIR takes to make a small write durable: appends SIZE bytes and
// calls fdatasync COUNT times on a temporary file in DIR (what a WAL commit costs), then
// prints one JSON line:
//   {"bench":"fsync_latency","value":<median ms>,"unit":"ms","p99":...,"min":...,"max":...,
//    "mean":...,"count":...,"dir":"..."}
// The file is removed afterwards.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "minicrm_fsync_probe: %s\n", what.c_str());
  std::exit(1);
}

double percentile(const std::vector<double>& sorted, double p) {
  // Nearest rank.
  const auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

std::string jsonString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char b[8];
      std::snprintf(b, sizeof b, "\\u%04x", c);
      out += b;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir;
  long count = 200;
  long size = 4096;
  for (int k = 1; k < argc; ++k) {
    const std::string a = argv[k];
    if ((a == "--count" || a == "--size") && k + 1 < argc) {
      const long v = std::strtol(argv[++k], nullptr, 10);
      if (v <= 0) die(a + " must be a positive integer");
      (a == "--count" ? count : size) = v;
    } else if (!a.starts_with("--") && dir.empty()) {
      dir = a;
    } else {
      die("usage: minicrm_fsync_probe DIR [--count 200] [--size 4096]");
    }
  }
  if (dir.empty()) die("usage: minicrm_fsync_probe DIR [--count 200] [--size 4096]");

  std::string path = dir + "/.fsync_probe.XXXXXX";
  const int fd = mkstemp(path.data());
  if (fd < 0) die("cannot create a file in " + dir + ": " + std::strerror(errno));
  std::vector<char> block(static_cast<std::size_t>(size));
  for (std::size_t i = 0; i < block.size(); ++i) block[i] = static_cast<char>('a' + i % 26);

  std::vector<double> ms;
  ms.reserve(static_cast<std::size_t>(count));
  for (long i = 0; i < count; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    std::size_t done = 0;
    while (done < block.size()) {
      const ssize_t n = ::write(fd, block.data() + done, block.size() - done);
      if (n < 0) {
        if (errno == EINTR) continue;
        unlink(path.c_str());
        die(std::string("write failed: ") + std::strerror(errno));
      }
      done += static_cast<std::size_t>(n);
    }
    if (::fdatasync(fd) != 0) {
      unlink(path.c_str());
      die(std::string("fdatasync failed: ") + std::strerror(errno));
    }
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                     .count());
  }
  ::close(fd);
  unlink(path.c_str());

  double sum = 0;
  for (double v : ms) sum += v;
  std::sort(ms.begin(), ms.end());
  std::printf(
      "{\"bench\":\"fsync_latency\",\"value\":%.3f,\"unit\":\"ms\",\"p99\":%.3f,\"min\":%.3f,"
      "\"max\":%.3f,\"mean\":%.3f,\"count\":%ld,\"bytes\":%ld,\"dir\":%s}\n",
      percentile(ms, 50), percentile(ms, 99), ms.front(), ms.back(),
      sum / static_cast<double>(ms.size()), count, size, jsonString(dir).c_str());
  return 0;
}
