// A temporary directory removed with everything in it when the object goes away.
#pragma once

#include <atomic>
#include <filesystem>
#include <string>

namespace minicrm::testing {

class TempDir {
 public:
  explicit TempDir(const std::string& prefix) {
    std::string pattern = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
    if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // A fresh file name inside the directory (not created).
  std::string newFile(const std::string& name) {
    return (path_ / (std::to_string(counter_++) + "-" + name)).string();
  }

 private:
  std::filesystem::path path_;
  std::atomic<int> counter_{0};
};

}  // namespace minicrm::testing
