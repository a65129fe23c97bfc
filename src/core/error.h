// Errors as values. Every layer below http returns Result<T> / Status; the http layer is
// the one place that turns an ErrorKind into a status code and an envelope.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace minicrm {

enum class ErrorKind {
  invalid,            // the input breaks a rule; `fields` names each offending path
  not_found,          // the addressed thing does not exist (or is not visible)
  conflict,           // unique constraint or illegal state transition
  too_large,          // payload over a limit
  unsupported_media,  // content type we do not read
  unprocessable,      // understood but cannot be carried out (e.g. too expensive)
  unauthorized,       // missing or bad credentials
  forbidden,          // credentials fine, right missing
  rate_limited,
  headers_too_large,  // request headers over the limit (431)
  unavailable,        // a dependency (database) cannot serve right now
  internal,           // a bug or an unexpected failure; the message is never shown to clients
};

// One offending field: `path` is dot-separated with array indices as numbers
// ("items.0.price"), `message` a human sentence fragment ("must be >= 0").
struct FieldError {
  std::string path;
  std::string message;
  bool operator==(const FieldError&) const = default;
};

struct Error {
  ErrorKind kind = ErrorKind::internal;
  std::string message;
  std::vector<FieldError> fields;

  // With no message, the message lists the field errors ("Validation failed: email must
  // be a valid email address; name is required").
  static Error invalid(std::vector<FieldError> fields, std::string message = "") {
    if (message.empty()) message = summarise(fields);
    return Error{ErrorKind::invalid, std::move(message), std::move(fields)};
  }
  static Error invalidField(std::string path, std::string message) {
    std::vector<FieldError> fields{{std::move(path), std::move(message)}};
    return invalid(std::move(fields));
  }
  static std::string summarise(const std::vector<FieldError>& fields) {
    std::string out = "Validation failed";
    for (std::size_t i = 0; i < fields.size() && i < 5; ++i) {
      out += i == 0 ? ": " : "; ";
      if (!fields[i].path.empty()) out += fields[i].path + " ";
      out += fields[i].message;
    }
    if (fields.size() > 5) out += "; and " + std::to_string(fields.size() - 5) + " more";
    return out;
  }
  static Error notFound(std::string message) {
    return Error{ErrorKind::not_found, std::move(message), {}};
  }
  static Error conflict(std::string message, std::vector<FieldError> fields = {}) {
    return Error{ErrorKind::conflict, std::move(message), std::move(fields)};
  }
  static Error internal(std::string message) {
    return Error{ErrorKind::internal, std::move(message), {}};
  }
  static Error unavailable(std::string message) {
    return Error{ErrorKind::unavailable, std::move(message), {}};
  }
};

// Either a value or an Error. Access to the wrong alternative is a programming error.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const& {
    assert(!ok());
    return std::get<1>(v_);
  }
  Error&& error() && {
    assert(!ok());
    return std::get<1>(std::move(v_));
  }

 private:
  std::variant<T, Error> v_;
};

// Success or an Error.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)), failed_(true) {}  // NOLINT
  static Status success() { return {}; }

  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  const Error& error() const& {
    assert(failed_);
    return error_;
  }
  Error&& error() && {
    assert(failed_);
    return std::move(error_);
  }

 private:
  Error error_;
  bool failed_ = false;
};

}  // namespace minicrm
