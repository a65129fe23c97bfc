#include "http/multipart.h"

#include <fmt/format.h>

#include "core/csv.h"
#include "core/customer.h"
#include "core/text.h"

namespace minicrm::http {
namespace {

// RFC 2046: 1-70 characters from this set (space allowed but not last).
bool boundaryChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("'()+_,-./:=? ").find(c) != std::string_view::npos;
}

// The value of parameter `name` in a header value such as
// `form-data; name="file"; filename="a.csv"` (quoted or token), or nullopt.
std::optional<std::string> headerParam(std::string_view value, std::string_view name) {
  std::size_t pos = value.find(';');
  while (pos != std::string_view::npos) {
    std::string_view rest = trim(value.substr(pos + 1));
    const std::size_t eq = rest.find('=');
    if (eq == std::string_view::npos) return std::nullopt;
    const std::string_view key = trim(rest.substr(0, eq));
    rest = trim(rest.substr(eq + 1));
    std::string v;
    std::size_t used = 0;
    if (!rest.empty() && rest.front() == '"') {
      std::size_t i = 1;
      for (; i < rest.size() && rest[i] != '"'; ++i) {
        if (rest[i] == '\\' && i + 1 < rest.size()) ++i;
        v.push_back(rest[i]);
      }
      used = i + 1;
    } else {
      used = std::min(rest.find(';'), rest.size());
      v = std::string(trim(rest.substr(0, used)));
    }
    if (iequals(key, name)) return v;
    const std::string_view after = used < rest.size() ? rest.substr(used) : std::string_view();
    const std::size_t next = after.find(';');
    if (next == std::string_view::npos) return std::nullopt;
    pos = static_cast<std::size_t>(after.data() + next - value.data());
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> multipartBoundary(std::string_view contentType) {
  const std::size_t semi = contentType.find(';');
  if (!iequals(trim(contentType.substr(0, semi)), "multipart/form-data")) return std::nullopt;
  auto b = headerParam(contentType, "boundary");
  if (!b || b->empty() || b->size() > 70 || b->back() == ' ') return std::nullopt;
  for (char c : *b) {
    if (!boundaryChar(c)) return std::nullopt;
  }
  return b;
}

MultipartParser::MultipartParser(std::string boundary)
    : delimiter_("\r\n--" + boundary), buffer_("\r\n") {}  // the first delimiter lacks CRLF

Status MultipartParser::fail(std::string message) {
  state_ = State::failed;
  return csvFileError(std::move(message));
}

Status MultipartParser::feed(std::string_view bytes, Handler& handler) {
  if (state_ == State::failed) return csvFileError("the multipart body is malformed");
  if (state_ == State::done) return {};  // the epilogue is ignored
  buffer_.append(bytes);
  return run(handler);
}

Status MultipartParser::startPart(std::string_view headers, Handler& handler) {
  Part part;
  bool disposition = false;
  while (!headers.empty()) {
    const std::size_t eol = headers.find("\r\n");
    const std::string_view line = headers.substr(0, eol);
    headers = eol == std::string_view::npos ? std::string_view() : headers.substr(eol + 2);
    if (line.empty()) continue;
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) return fail("malformed multipart part header");
    const std::string_view name = trim(line.substr(0, colon));
    const std::string_view value = trim(line.substr(colon + 1));
    if (iequals(name, "content-disposition")) {
      disposition = true;
      part.name = headerParam(value, "name").value_or("");
      part.filename = headerParam(value, "filename").value_or("");
    } else if (iequals(name, "content-type")) {
      part.contentType = std::string(value);
    }
  }
  if (!disposition) return fail("a multipart part has no Content-Disposition header");
  if (Status s = handler.partBegin(part); !s.ok()) {
    state_ = State::failed;
    return s;
  }
  return {};
}

Status MultipartParser::run(Handler& handler) {
  for (;;) {
    switch (state_) {
      case State::preamble:
      case State::body: {
        const std::size_t at = buffer_.find(delimiter_);
        if (at == std::string::npos) {
          // Keep a tail that may be the start of a delimiter.
          const std::size_t keep = std::min(buffer_.size(), delimiter_.size() - 1);
          const std::size_t emit = buffer_.size() - keep;
          if (state_ == State::body && emit > 0) {
            if (Status s = handler.partData(std::string_view(buffer_).substr(0, emit)); !s.ok()) {
              state_ = State::failed;
              return s;
            }
          }
          buffer_.erase(0, emit);
          return {};
        }
        if (state_ == State::body) {
          if (at > 0) {
            if (Status s = handler.partData(std::string_view(buffer_).substr(0, at)); !s.ok()) {
              state_ = State::failed;
              return s;
            }
          }
          if (Status s = handler.partEnd(); !s.ok()) {
            state_ = State::failed;
            return s;
          }
        }
        buffer_.erase(0, at + delimiter_.size());
        state_ = State::afterDelimiter;
        break;
      }
      case State::afterDelimiter: {
        if (buffer_.size() < 2) return {};
        if (buffer_.compare(0, 2, "--") == 0) {
          state_ = State::done;
          buffer_.clear();
          return {};
        }
        std::size_t i = 0;
        while (i < buffer_.size() && (buffer_[i] == ' ' || buffer_[i] == '\t'))
          ++i;
        if (i > 256) return fail("malformed multipart delimiter line");
        if (buffer_.size() < i + 2) return {};
        if (buffer_.compare(i, 2, "\r\n") != 0) return fail("malformed multipart delimiter line");
        buffer_.erase(0, i + 2);
        state_ = State::headers;
        break;
      }
      case State::headers: {
        std::size_t end;
        std::size_t skip;
        if (buffer_.size() >= 2 && buffer_.compare(0, 2, "\r\n") == 0) {
          end = 0;
          skip = 2;
        } else {
          end = buffer_.find("\r\n\r\n");
          skip = 4;
        }
        if (end == std::string::npos) {
          if (buffer_.size() > kMaxHeaderBytes) {
            return fail(fmt::format("multipart part headers exceed {} bytes", kMaxHeaderBytes));
          }
          return {};
        }
        if (end > kMaxHeaderBytes) {
          return fail(fmt::format("multipart part headers exceed {} bytes", kMaxHeaderBytes));
        }
        const std::string headers = buffer_.substr(0, end);
        buffer_.erase(0, end + skip);
        if (Status s = startPart(headers, handler); !s.ok()) return s;
        state_ = State::body;
        break;
      }
      case State::done:
        buffer_.clear();
        return {};
      case State::failed:
        return csvFileError("the multipart body is malformed");
    }
  }
}

Status MultipartParser::finish() {
  if (state_ == State::failed) return csvFileError("the multipart body is malformed");
  if (state_ != State::done) {
    return csvFileError(
        "the multipart body ends before its closing boundary (was the upload cut short?)");
  }
  return {};
}

}  // namespace minicrm::http
