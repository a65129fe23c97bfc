// multipart/form-data (RFC 7578 over RFC 2046) parsed as it streams in: parts and their
// bytes are reported as soon as they are known, so an upload of any size passes through
// in bounded memory (part headers are limited to kMaxHeaderBytes).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"

namespace minicrm::http {

// The boundary parameter of a multipart Content-Type, or nullopt when the type is not
// multipart/form-data or has no valid boundary.
std::optional<std::string> multipartBoundary(std::string_view contentType);

class MultipartParser {
 public:
  static constexpr std::size_t kMaxHeaderBytes = 16 * 1024;

  struct Part {
    std::string name;         // Content-Disposition name
    std::string filename;     // Content-Disposition filename (empty when none)
    std::string contentType;  // as sent (ignored by uploads: browsers mislabel CSV)
  };

  // Receives the parts in order: begin, its data in pieces, end.
  class Handler {
   public:
    virtual ~Handler() = default;
    virtual Status partBegin(const Part& part) = 0;
    virtual Status partData(std::string_view bytes) = 0;
    virtual Status partEnd() = 0;
  };

  explicit MultipartParser(std::string boundary);

  // Consumes the next bytes of the body. Errors (malformed structure, a handler's error)
  // are final.
  Status feed(std::string_view bytes, Handler& handler);
  // End of the body: invalid unless the closing boundary was seen.
  Status finish();

 private:
  enum class State { preamble, afterDelimiter, headers, body, done, failed };
  Status run(Handler& handler);
  Status fail(std::string message);
  Status startPart(std::string_view headers, Handler& handler);

  std::string delimiter_;  // "\r\n--" + boundary
  std::string buffer_;     // bytes not yet consumed (a small tail, or part headers)
  State state_ = State::preamble;
};

}  // namespace minicrm::http
