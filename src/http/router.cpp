#include "http/router.h"

#include <algorithm>
#include <stdexcept>

namespace minicrm::http {
namespace {

std::vector<std::string_view> split(std::string_view path) {
  std::vector<std::string_view> out;
  std::size_t pos = 0;
  while (pos < path.size()) {
    if (path[pos] == '/') {
      ++pos;
      continue;
    }
    std::size_t end = path.find('/', pos);
    if (end == std::string_view::npos) end = path.size();
    out.push_back(path.substr(pos, end - pos));
    pos = end;
  }
  return out;
}

// How well a route's segments fit: -1 no match, else the number of static segments.
int fit(const Route& r, const std::vector<std::string_view>& parts) {
  if (r.segments.size() != parts.size()) return -1;
  int statics = 0;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (r.segments[i].starts_with(':')) continue;
    if (r.segments[i] != parts[i]) return -1;
    ++statics;
  }
  return statics;
}

}  // namespace

Route& Router::add(Method method, std::string pattern, Handler handler) {
  for (const auto& r : routes_) {
    if (r.method == method && r.pattern == pattern) {
      throw std::logic_error("duplicate route " + std::string(toString(method)) + " " + pattern);
    }
  }
  Route r;
  r.method = method;
  r.pattern = std::move(pattern);
  r.handler = std::move(handler);
  r.index = routes_.size();
  for (auto s : split(r.pattern))
    r.segments.emplace_back(s);
  routes_.push_back(std::move(r));
  Route& added = routes_.back();
  if (bySize_.size() <= added.segments.size()) bySize_.resize(added.segments.size() + 1);
  bySize_[added.segments.size()].push_back(&added);
  return added;
}

Match Router::match(Method method, std::string_view path) const {
  const auto parts = split(path);
  Match m;
  if (parts.size() >= bySize_.size()) return m;
  // The most specific path wins first (most static segments); the method is checked
  // among the routes of that path, so GET on a POST-only static path is a 405 rather
  // than a match of some "/:id" route. Only routes with as many segments can fit.
  const auto& candidates = bySize_[parts.size()];
  int best = -1;
  std::vector<const Route*> fitting;
  for (const Route* r : candidates) {
    const int f = fit(*r, parts);
    if (f < 0 || f < best) continue;
    if (f > best) {
      best = f;
      fitting.clear();
    }
    fitting.push_back(r);
  }
  if (best < 0) return m;
  for (const Route* r : fitting) {
    const bool methodOk =
        r->method == method || (method == Method::HEAD && r->method == Method::GET);
    if (methodOk && !m.route) m.route = r;
    if (std::find(m.allowed.begin(), m.allowed.end(), r->method) == m.allowed.end()) {
      m.allowed.push_back(r->method);
    }
  }
  if (m.route) {
    m.allowed.clear();
    for (std::size_t i = 0; i < parts.size(); ++i) {
      if (m.route->segments[i].starts_with(':')) {
        m.params.emplace_back(m.route->segments[i].substr(1), std::string(parts[i]));
      }
    }
  }
  return m;
}

Route* Router::find(Method method, std::string_view pattern) {
  for (auto& r : routes_) {
    if (r.method == method && r.pattern == pattern) return &r;
  }
  return nullptr;
}

}  // namespace minicrm::http
