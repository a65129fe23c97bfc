#include "auth/signature.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <charconv>
#include <cstdlib>

#include "core/customer.h"

namespace minicrm::auth {
namespace {

Error unauthorized(std::string message) {
  return Error{ErrorKind::unauthorized, std::move(message), {}};
}

}  // namespace

std::string hmacSha256Hex(std::string_view key, std::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &len);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kHex[mac[i] >> 4]);
    out.push_back(kHex[mac[i] & 0xF]);
  }
  return out;
}

std::string signatureHeader(std::string_view secret, std::string_view body,
                            std::int64_t unixSeconds) {
  const std::string t = std::to_string(unixSeconds);
  std::string signed_;
  signed_.reserve(t.size() + 1 + body.size());
  signed_.append(t).push_back('.');
  signed_.append(body);
  return "t=" + t + ",v1=" + hmacSha256Hex(secret, signed_);
}

Status verifySignature(std::string_view secret, std::string_view header, std::string_view body,
                       std::int64_t nowSeconds) {
  header = trim(header);
  if (header.empty()) return unauthorized("Missing X-Signature header");
  std::string_view t, v1;
  while (!header.empty()) {
    const std::size_t comma = header.find(',');
    std::string_view part = trim(header.substr(0, comma));
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    if (part.starts_with("t=")) t = part.substr(2);
    if (part.starts_with("v1=")) v1 = part.substr(3);
  }
  std::int64_t when = 0;
  auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), when);
  if (t.empty() || ec != std::errc() || end != t.data() + t.size() || v1.size() != 64) {
    return unauthorized("Malformed X-Signature header: expected t=<unix seconds>,v1=<hex>");
  }
  if (std::llabs(nowSeconds - when) > kSignatureWindowSeconds) {
    return unauthorized("X-Signature timestamp is outside the 5-minute window");
  }
  std::string signed_(t);
  signed_.push_back('.');
  signed_.append(body);
  const std::string expected = hmacSha256Hex(secret, signed_);
  if (CRYPTO_memcmp(expected.data(), v1.data(), expected.size()) != 0) {
    return unauthorized("X-Signature does not match the body");
  }
  return {};
}

}  // namespace minicrm::auth
