#include "support/raw_socket.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <stdexcept>

namespace minicrm::testing {

RawSocket::RawSocket(std::uint16_t port, std::chrono::milliseconds readTimeout)
    : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
  if (fd_ < 0) throw std::runtime_error("socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd_);
    throw std::runtime_error("connect failed");
  }
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(readTimeout).count();
  timeval tv{static_cast<time_t>(us / 1'000'000), static_cast<suseconds_t>(us % 1'000'000)};
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

RawSocket::~RawSocket() {
  ::close(fd_);
}

bool RawSocket::send(std::string_view data) {
  return ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(data.size());
}

long RawSocket::receiveSome() {
  char buf[4096];
  const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
  if (n > 0) received_.append(buf, static_cast<std::size_t>(n));
  return n;
}

bool RawSocket::closedByServer() {
  const long n = receiveSome();
  return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

const std::string& RawSocket::readToEnd() {
  while (receiveSome() > 0) {
  }
  return received_;
}

std::string RawSocket::readResponse(bool headOnly) {
  std::size_t end;
  while ((end = received_.find("\r\n\r\n")) == std::string::npos) {
    if (receiveSome() <= 0) return {};
  }
  end += 4;
  std::size_t length = 0;
  if (!headOnly) {
    // Header names are case-insensitive; MiniCRM writes this one in this case.
    const std::size_t at = received_.find("\r\nContent-Length: ");
    if (at != std::string::npos && at < end) {
      length = std::strtoul(received_.c_str() + at + 18, nullptr, 10);
    }
  }
  while (received_.size() < end + length) {
    if (receiveSome() <= 0) return {};
  }
  std::string response = received_.substr(0, end + length);
  received_.erase(0, end + length);
  return response;
}

}  // namespace minicrm::testing
