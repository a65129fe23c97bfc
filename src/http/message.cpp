#include "http/message.h"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include "core/text.h"

namespace minicrm::http {

std::string_view toString(Method m) {
  switch (m) {
    case Method::GET:
      return "GET";
    case Method::HEAD:
      return "HEAD";
    case Method::POST:
      return "POST";
    case Method::PUT:
      return "PUT";
    case Method::PATCH:
      return "PATCH";
    case Method::DELETE:
      return "DELETE";
    case Method::OPTIONS:
      return "OPTIONS";
    case Method::OTHER:
      return "OTHER";
  }
  return "OTHER";
}

Method parseMethod(std::string_view s) {
  for (Method m : {Method::GET, Method::HEAD, Method::POST, Method::PUT, Method::PATCH,
                   Method::DELETE, Method::OPTIONS}) {
    if (s == toString(m)) return m;
  }
  return Method::OTHER;
}

std::string_view Request::header(std::string_view lowerName) const {
  for (const auto& [k, v] : headers) {
    if (k == lowerName) return v;
  }
  return {};
}

bool Request::hasHeader(std::string_view lowerName) const {
  for (const auto& [k, v] : headers) {
    if (k == lowerName) return true;
  }
  return false;
}

std::optional<std::string_view> Request::queryParam(std::string_view name) const {
  for (const auto& [k, v] : query) {
    if (k == name) return std::string_view(v);
  }
  return std::nullopt;
}

std::string_view Request::param(std::string_view name) const {
  for (const auto& [k, v] : params) {
    if (k == name) return v;
  }
  return {};
}

void Response::setHeader(std::string name, std::string value) {
  for (auto& [k, v] : headers) {
    if (iequals(k, name)) {
      v = std::move(value);
      return;
    }
  }
  headers.emplace_back(std::move(name), std::move(value));
}

struct Reply::State {
  std::function<void(Response)> send;
  std::atomic<bool> done{false};

  ~State() {
    if (!done.exchange(true)) {
      Response r;
      r.status = 500;
      r.body = R"({"ok":false,"message":"Internal server error","errors":[]})";
      send(std::move(r));
    }
  }
};

Reply::Reply(std::function<void(Response)> send) : state_(std::make_shared<State>()) {
  state_->send = std::move(send);
}

void Reply::operator()(Response r) const {
  if (state_->done.exchange(true)) return;
  state_->send(std::move(r));
}

Reply Reply::then(std::function<Response(Response)> transform) const {
  return Reply([inner = *this, transform = std::move(transform)](Response r) {
    inner(transform(std::move(r)));
  });
}

bool parseTarget(std::string_view target, Request& req) {
  auto url = boost::urls::parse_origin_form(target);
  if (!url) return false;
  req.path = url->path();
  if (req.path.empty()) req.path = "/";
  if (req.path.size() > 1 && req.path.back() == '/') req.path.pop_back();
  req.query.clear();
  for (auto param : url->params())
    req.query.emplace_back(param.key, param.value);
  return true;
}

}  // namespace minicrm::http
