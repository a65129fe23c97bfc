#include "http/upload.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "core/csv.h"
#include "core/customer.h"
#include "core/text.h"
#include "http/multipart.h"

namespace minicrm::http {
namespace {

std::string_view mediaType(std::string_view contentType) {
  return trim(contentType.substr(0, contentType.find(';')));
}

// Appends to a new file; removes it unless kept.
class SpoolFile {
 public:
  explicit SpoolFile(std::string path) : path_(std::move(path)) {
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  }
  ~SpoolFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!kept_) std::remove(path_.c_str());
  }
  SpoolFile(const SpoolFile&) = delete;
  SpoolFile& operator=(const SpoolFile&) = delete;

  Status write(std::string_view bytes) {
    if (fd_ < 0) return Error::internal("cannot create the upload file " + path_);
    while (!bytes.empty()) {
      const ssize_t n = ::write(fd_, bytes.data(), bytes.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        return Error::internal(std::string("cannot write the upload file: ") +
                               std::strerror(errno));
      }
      bytes.remove_prefix(static_cast<std::size_t>(n));
      written_ += static_cast<std::uint64_t>(n);
    }
    return {};
  }
  // Closes the file and hands it over.
  std::shared_ptr<UploadedFile> keep(bool durable) {
    if (fd_ >= 0) {
      if (durable) ::fdatasync(fd_);
      ::close(fd_);
      fd_ = -1;
    }
    kept_ = true;
    return std::make_shared<UploadedFile>(path_, written_);
  }
  std::uint64_t written() const { return written_; }

 private:
  std::string path_;
  int fd_ = -1;
  std::uint64_t written_ = 0;
  bool kept_ = false;
};

Error emptyFile() {
  return csvFileError("it is empty: expected a header line and rows");
}

class RawCsvSink final : public BodySink {
 public:
  RawCsvSink(const std::string& path, bool durable) : file_(path), durable_(durable) {}
  Status write(std::string_view bytes) override { return file_.write(bytes); }
  void finish(Request& req) override {
    if (file_.written() == 0) {
      req.uploadError = emptyFile();
      return;
    }
    req.upload = file_.keep(durable_);
  }

 private:
  SpoolFile file_;
  bool durable_;
};

class MultipartSink final : public BodySink, private MultipartParser::Handler {
 public:
  MultipartSink(std::string boundary, const std::string& path, bool durable)
      : parser_(std::move(boundary)), file_(path), durable_(durable) {}

  Status write(std::string_view bytes) override {
    if (error_) return {};  // keep reading; finish() reports it
    if (Status s = parser_.feed(bytes, *this); !s.ok()) error_ = std::move(s).error();
    return {};
  }

  void finish(Request& req) override {
    if (!error_) {
      if (Status s = parser_.finish(); !s.ok()) error_ = std::move(s).error();
    }
    if (!error_ && !sawFile_) {
      std::string fields;
      for (const auto& f : fieldNames_)
        fields += (fields.empty() ? "" : ", ") + ("\"" + f + "\"");
      error_ = csvFileError(
          fields.empty() ? "the multipart body has no \"file\" part: send the CSV in field \"file\""
                         : "the multipart body has no \"file\" part (it has " + fields +
                               "): send the CSV in field \"file\"");
    }
    if (!error_ && file_.written() == 0) error_ = emptyFile();
    if (error_) {
      req.uploadError = std::move(*error_);
      return;
    }
    req.upload = file_.keep(durable_);
  }

 private:
  Status partBegin(const MultipartParser::Part& part) override {
    inFile_ = part.name == "file" && !sawFile_;
    if (inFile_) {
      sawFile_ = true;
    } else if (fieldNames_.size() < 10) {
      fieldNames_.push_back(part.name);
    }
    return {};
  }
  Status partData(std::string_view bytes) override {
    return inFile_ ? file_.write(bytes) : Status{};
  }
  Status partEnd() override {
    inFile_ = false;
    return {};
  }

  MultipartParser parser_;
  SpoolFile file_;
  bool durable_;
  bool inFile_ = false;
  bool sawFile_ = false;
  std::vector<std::string> fieldNames_;
  std::optional<Error> error_;
};

}  // namespace

UploadedFile::~UploadedFile() {
  if (!released_) std::remove(path_.c_str());
}

bool isUploadType(std::string_view contentType) {
  const std::string_view t = mediaType(contentType);
  return iequals(t, "multipart/form-data") || iequals(t, "text/csv");
}

std::unique_ptr<BodySink> makeUploadSink(const Request& req, const std::string& path,
                                         bool durable) {
  const std::string_view type = req.header("content-type");
  if (iequals(mediaType(type), "text/csv")) return std::make_unique<RawCsvSink>(path, durable);
  if (iequals(mediaType(type), "multipart/form-data")) {
    auto boundary = multipartBoundary(type);
    if (!boundary) return nullptr;  // the handler answers: a multipart type without boundary
    return std::make_unique<MultipartSink>(std::move(*boundary), path, durable);
  }
  return nullptr;
}

}  // namespace minicrm::http
