// A raw TCP connection to a test server on 127.0.0.1, for tests that need the exact bytes
// on the wire (framing, slow or vanishing clients) rather than an HTTP client's view.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace minicrm::testing {

class RawSocket {
 public:
  // Reads give up after `readTimeout` without data.
  explicit RawSocket(std::uint16_t port,
                     std::chrono::milliseconds readTimeout = std::chrono::milliseconds(50));
  ~RawSocket();
  RawSocket(const RawSocket&) = delete;
  RawSocket& operator=(const RawSocket&) = delete;

  // False once the server has closed the connection.
  bool send(std::string_view data);
  // True when the server closed (EOF or reset); keeps whatever it sent in received().
  bool closedByServer();
  // Reads until the server closes the connection or a read times out; returns what was
  // received so far (everything, since the connection opened).
  const std::string& readToEnd();
  // Reads one whole response (its head, then Content-Length bytes of body unless
  // `headOnly`) and returns it, removed from received(). Empty when it never arrives.
  std::string readResponse(bool headOnly = false);
  const std::string& received() const { return received_; }

 private:
  // One recv into received_: bytes read, 0 on EOF, -1 on timeout or error.
  long receiveSome();

  int fd_;
  std::string received_;
};

}  // namespace minicrm::testing
