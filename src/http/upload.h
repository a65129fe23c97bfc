// Request bodies that are streamed to disk instead of read into memory: CSV uploads, sent
// as multipart/form-data (the file in field `file`) or as a raw text/csv body. The server
// feeds a BodySink as bytes arrive; the handler then finds the spooled file in
// Request::upload.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"
#include "http/message.h"

namespace minicrm::http {

// A spooled upload: the CSV bytes of the request, in a file removed when the last
// reference goes unless a job took it over (release()).
class UploadedFile {
 public:
  UploadedFile(std::string path, std::uint64_t bytes) : path_(std::move(path)), bytes_(bytes) {}
  ~UploadedFile();
  UploadedFile(const UploadedFile&) = delete;
  UploadedFile& operator=(const UploadedFile&) = delete;

  const std::string& path() const { return path_; }
  std::uint64_t bytes() const { return bytes_; }
  // The caller now owns the file (and removes it when done).
  std::string release() {
    released_ = true;
    return path_;
  }

 private:
  std::string path_;
  std::uint64_t bytes_;
  bool released_ = false;
};

// Where a streamed body goes. Destroying a sink without finish() (the client went away,
// the body was too large) removes whatever it wrote.
class BodySink {
 public:
  virtual ~BodySink() = default;
  virtual Status write(std::string_view bytes) = 0;
  // The body is complete: sets req.upload, or req.uploadError when the body is not a
  // usable upload (no `file` part, an empty file, a malformed multipart body).
  virtual void finish(Request& req) = 0;
};

// True for the content types an upload route streams: multipart/form-data, text/csv.
bool isUploadType(std::string_view contentType);

// A sink for `req`'s body that spools the CSV to `path` (syncing it to disk before
// finish() when `durable`), or nullptr when the content type is not an upload type.
std::unique_ptr<BodySink> makeUploadSink(const Request& req, const std::string& path, bool durable);

}  // namespace minicrm::http
