#include "auth/jwt.h"

#include <boost/json/parse.hpp>
#include <boost/json/parse_options.hpp>

#include "auth/base64url.h"

namespace minicrm::auth {
namespace {

Error invalidToken(std::string why) {
  return Error{ErrorKind::unauthorized, "Invalid token: " + std::move(why), {}};
}

std::optional<boost::json::object> decodeObject(std::string_view segment) {
  auto bytes = base64UrlDecode(segment);
  if (!bytes) return std::nullopt;
  boost::json::parse_options options;
  options.max_depth = 16;
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(*bytes, ec, {}, options);
  if (ec || !v.is_object()) return std::nullopt;
  return std::move(v.as_object());
}

}  // namespace

Result<Jwt> parseJwt(std::string_view token) {
  if (token.empty()) return invalidToken("empty");
  if (token.size() > kMaxTokenBytes) {
    return invalidToken("longer than " + std::to_string(kMaxTokenBytes) + " bytes");
  }
  const std::size_t dot1 = token.find('.');
  const std::size_t dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return invalidToken("expected three dot-separated segments");
  }
  auto header = decodeObject(token.substr(0, dot1));
  if (!header) return invalidToken("the header is not base64url-encoded JSON");
  auto claims = decodeObject(token.substr(dot1 + 1, dot2 - dot1 - 1));
  if (!claims) return invalidToken("the payload is not base64url-encoded JSON");
  auto signature = base64UrlDecode(token.substr(dot2 + 1));
  if (!signature) return invalidToken("the signature is not base64url");

  Jwt jwt;
  const auto* alg = header->if_contains("alg");
  if (!alg || !alg->is_string()) return invalidToken("the header has no alg");
  jwt.alg = std::string(alg->as_string());
  if (const auto* kid = header->if_contains("kid")) {
    if (!kid->is_string()) return invalidToken("kid is not a string");
    jwt.kid = std::string(kid->as_string());
  }
  if (header->contains("crit")) return invalidToken("critical header parameters are not supported");
  jwt.claims = std::move(*claims);
  jwt.signingInput = std::string(token.substr(0, dot2));
  jwt.signature = std::move(*signature);
  return jwt;
}

}  // namespace minicrm::auth
