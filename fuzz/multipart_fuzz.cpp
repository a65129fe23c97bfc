// libFuzzer target: the streaming multipart/form-data parser and the boundary parameter.
// Arbitrary bodies, fed in pieces whose size the first byte picks, must never crash, and
// what the parser reports must not depend on the piece size.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "http/multipart.h"

namespace {

using namespace minicrm::http;

struct Collected final : MultipartParser::Handler {
  std::string log;
  minicrm::Status partBegin(const MultipartParser::Part& p) override {
    log += "[" + p.name + "|" + p.filename + "|" + p.contentType + "]";
    return {};
  }
  minicrm::Status partData(std::string_view bytes) override {
    log.append(bytes);
    return {};
  }
  minicrm::Status partEnd() override {
    log += "[end]";
    return {};
  }
};

std::string parse(std::string_view body, std::size_t piece) {
  MultipartParser parser("b0undary");
  Collected c;
  for (std::size_t i = 0; i < body.size(); i += piece) {
    if (!parser.feed(body.substr(i, piece), c).ok()) return c.log + "<failed>";
  }
  return c.log + (parser.finish().ok() ? "<done>" : "<unfinished>");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  (void)multipartBoundary(body);
  const std::size_t piece = data[0] % 17 + 1;
  const std::string whole = parse(body, body.size() + 1);
  const std::string pieces = parse(body, piece);
  // A failure may be found at a different point, but successful parses must agree.
  const bool wholeOk = whole.ends_with("<done>") || whole.ends_with("<unfinished>");
  const bool piecesOk = pieces.ends_with("<done>") || pieces.ends_with("<unfinished>");
  if (wholeOk != piecesOk) std::abort();
  if (wholeOk && whole != pieces) std::abort();
  return 0;
}
