#include "http/server.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include <array>
#include <atomic>
#include <iterator>
#include <limits>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/json_writer.h"
#include "core/text.h"
#include "http/upload.h"

namespace minicrm::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

// 1xx, 204 and 304 responses carry no body, so no length either (RFC 9110, 8.6).
bool bodyless(int status) {
  return status < 200 || status == 204 || status == 304;
}

// A response's status line and header block. Written by hand rather than through Beast's
// serializer: one buffer for the head and one for the body cost far less per request than
// Beast's buffer-sequence machinery on this hot path.
std::string responseHead(const Response& res, unsigned version, bool keepAlive) {
  std::string head;
  head.reserve(192);
  head += version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  fmt::format_to(std::back_inserter(head), "{} ", res.status);
  const auto reason = bhttp::obsolete_reason(static_cast<bhttp::status>(res.status));
  head.append(reason.data(), reason.size());
  head += "\r\n";
  auto field = [&head](std::string_view name, std::string_view value) {
    head += name;
    head += ": ";
    head += value;
    head += "\r\n";
  };
  if (!res.contentType.empty()) field("Content-Type", res.contentType);
  for (const auto& [k, v] : res.headers)
    field(k, v);
  if (!bodyless(res.status))
    fmt::format_to(std::back_inserter(head), "Content-Length: {}\r\n", res.body.size());
  // HTTP/1.1 connections persist unless closed; HTTP/1.0 ones close unless kept alive.
  if (version == 10 && keepAlive) field("Connection", "keep-alive");
  if (version != 10 && !keepAlive) field("Connection", "close");
  head += "\r\n";
  return head;
}

// Writes a response: its head, then its body unless `headOnly` (an answer to HEAD).
asio::awaitable<boost::system::error_code> writeResponse(beast::tcp_stream& stream,
                                                         const Response& res, unsigned version,
                                                         bool keepAlive, bool headOnly) {
  const std::string head = responseHead(res, version, keepAlive);
  std::array<asio::const_buffer, 2> buffers{asio::buffer(head), asio::const_buffer()};
  if (!headOnly && !bodyless(res.status)) buffers[1] = asio::buffer(res.body);
  auto [ec, n] = co_await asio::async_write(stream, buffers, kTuple);
  co_return ec;
}

struct Conn {
  explicit Conn(tcp::socket s) : stream(std::move(s)) {}
  beast::tcp_stream stream;
  // Touched only by the thread of the stream's io_context.
  bool idle = true;      // waiting for the next request
  bool drained = false;  // closed by a drain while idle: whatever was read is dropped
};

// Awaits the pipeline's reply for `req`, which may come from any thread. The work guard
// keeps the io_context running while a handler is away on another thread.
template <class Token>
auto asyncHandle(Pipeline& pipeline, Request& req, const Error* rejection, Token&& token) {
  return asio::async_initiate<Token, void(Response)>(
      [&pipeline, &req, rejection](auto handler) {
        auto ex = asio::prefer(asio::get_associated_executor(handler),
                               asio::execution::outstanding_work.tracked);
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        Reply reply([shared, ex](Response r) {
          asio::post(ex, [shared, r = std::move(r)]() mutable { (*shared)(std::move(r)); });
        });
        if (rejection) {
          pipeline.reject(req, *rejection, std::move(reply));
        } else {
          pipeline.handle(req, std::move(reply));
        }
      },
      token);
}

}  // namespace

struct Server::Impl {
  // One io_context per io thread: a connection lives on one of them, so its handlers never
  // run concurrently and need no strand; the acceptor deals connections round-robin.
  Impl(ServerOptions o, Pipeline& p) : options(std::move(o)), pipeline(p) {
    for (unsigned i = 0; i < threadCount(); ++i) {
      contexts.push_back(std::make_unique<asio::io_context>(1));
      guards.emplace_back(contexts.back()->get_executor());
    }
    acceptor = std::make_unique<tcp::acceptor>(*contexts[0]);
    drainTimer = std::make_unique<asio::steady_timer>(*contexts[0]);
  }

  unsigned threadCount() const {
    if (options.ioThreads) return options.ioThreads;
    const unsigned n = std::thread::hardware_concurrency();
    return n ? n : 1;
  }

  asio::awaitable<void> listen();
  asio::awaitable<void> session(std::shared_ptr<Conn> conn);
  asio::awaitable<void> sendAndClose(Conn& conn, Request& req, const Error& error,
                                     unsigned version);
  asio::awaitable<void> refuse(std::shared_ptr<Conn> conn);
  void finished(std::uint64_t id);
  void beginDrain();
  void endDrain();  // on contexts[0]

  ServerOptions options;
  Pipeline& pipeline;
  std::vector<std::unique_ptr<asio::io_context>> contexts;
  // Keep idle contexts running until the drain is over.
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  std::size_t nextContext = 0;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::unique_ptr<asio::steady_timer> drainTimer;
  std::unique_ptr<asio::signal_set> signals;
  std::atomic<bool> stopping{false};

  std::mutex mu;
  std::unordered_map<std::uint64_t, std::shared_ptr<Conn>> conns;
  std::uint64_t nextId = 0;
  std::vector<std::thread> threads;
};

asio::awaitable<void> Server::Impl::listen() {
  for (;;) {
    auto& target = *contexts[nextContext++ % contexts.size()];
    auto [ec, socket] = co_await acceptor->async_accept(target, kTuple);
    if (ec) {
      if (stopping || !acceptor->is_open()) co_return;
      spdlog::warn(R"("msg":"accept failed","error":{})", jsonQuote(ec.message()));
      // Out of descriptors and the like: back off instead of spinning.
      asio::steady_timer pause(*contexts[0], std::chrono::milliseconds(50));
      co_await pause.async_wait(kTuple);
      continue;
    }
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    auto conn = std::make_shared<Conn>(std::move(socket));
    std::uint64_t id;
    bool full = false;
    {
      std::lock_guard lock(mu);
      full = conns.size() >= options.maxConnections;
      id = nextId++;
      if (!full) conns.emplace(id, conn);
    }
    if (full) {
      asio::co_spawn(conn->stream.get_executor(), refuse(conn), asio::detached);
      continue;
    }
    asio::co_spawn(conn->stream.get_executor(), session(conn), [this, id](std::exception_ptr e) {
      if (e) {
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& ex) {
          spdlog::error(R"("msg":"connection failed","error":{})", jsonQuote(ex.what()));
        }
      }
      finished(id);
    });
  }
}

void Server::Impl::finished(std::uint64_t id) {
  std::lock_guard lock(mu);
  conns.erase(id);
  if (stopping && conns.empty()) {
    asio::post(*contexts[0], [this] { endDrain(); });
  }
}

void Server::Impl::endDrain() {
  drainTimer->cancel();
  for (auto& g : guards)
    g.reset();
}

asio::awaitable<void> Server::Impl::sendAndClose(Conn& conn, Request& req, const Error& error,
                                                 unsigned version) {
  Response res = co_await asyncHandle(pipeline, req, &error, asio::use_awaitable);
  conn.stream.expires_after(options.requestTimeout);
  if (auto ec = co_await writeResponse(conn.stream, res, version, false, false)) co_return;
  // Lingering close: the client may still be sending the body we refused. Closing now
  // with unread data would reset the connection and could destroy our answer before the
  // client reads it, so stop sending, then discard input for a short while.
  boost::system::error_code ignored;
  conn.stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  conn.stream.expires_after(std::chrono::seconds(2));
  std::array<char, 16 * 1024> scratch;
  std::size_t discarded = 0;
  while (discarded < (64u << 20)) {
    auto [rec, got] = co_await conn.stream.async_read_some(asio::buffer(scratch), kTuple);
    if (rec) break;
    discarded += got;
  }
}

asio::awaitable<void> Server::Impl::refuse(std::shared_ptr<Conn> conn) {
  Request req;
  req.methodText = "?";
  boost::system::error_code ec;
  auto ep = conn->stream.socket().remote_endpoint(ec);
  if (!ec) req.remoteAddress = ep.address().to_string();
  const Error busy = Error::unavailable("Too many open connections; try again shortly");
  co_await sendAndClose(*conn, req, busy, 11);
  conn->stream.close();
}

// GCC 12 destroys temporaries inside a co_await full-expression twice, so every value a
// co_await needs is a named local here.
asio::awaitable<void> Server::Impl::session(std::shared_ptr<Conn> conn) {
  beast::flat_buffer buffer;
  auto& stream = conn->stream;
  std::string remote;
  {
    boost::system::error_code ec;
    auto ep = stream.socket().remote_endpoint(ec);
    if (!ec) remote = ep.address().to_string();
  }

  for (;;) {
    conn->idle = true;
    if (stopping) break;
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(options.headerLimit));
    // Beast checks Content-Length against its default 1 MB while reading the header; the
    // route's own limit is applied once the route is known.
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    // Waiting for a request is the idle timeout; once its first byte is here, the request
    // timeout covers the rest, so trickling a header byte by byte (slow loris) buys nothing.
    if (buffer.size() == 0) {
      stream.expires_after(options.idleTimeout);
      auto space = buffer.prepare(4096);
      auto [fec, got] = co_await stream.async_read_some(space, kTuple);
      buffer.commit(got);
      if (fec || conn->drained) break;
    }
    stream.expires_after(options.requestTimeout);
    auto [ec, n] = co_await bhttp::async_read_header(stream, buffer, parser, kTuple);
    conn->idle = false;
    // A drain may have closed this connection after the request arrived but before this
    // coroutine resumed. The request must not run: its answer could never be delivered.
    if (conn->drained) break;

    Request req;
    req.remoteAddress = remote;
    std::optional<Error> rejection;
    unsigned version = 11;
    if (ec) {
      req.methodText = "?";
      if (ec == bhttp::error::header_limit) {
        rejection = Error{ErrorKind::headers_too_large,
                          fmt::format("Request headers exceed {} bytes", options.headerLimit),
                          {}};
      } else if (ec != bhttp::error::end_of_stream && ec != asio::error::operation_aborted &&
                 ec != beast::error::timeout && ec != asio::error::eof &&
                 ec != asio::error::connection_reset && buffer.size() > 0) {
        rejection = Error::invalidField("", "Malformed HTTP request: " + ec.message());
      }
      if (rejection) co_await sendAndClose(*conn, req, *rejection, version);
      break;
    }

    auto& header = parser.get();
    if (static_cast<std::size_t>(std::distance(header.begin(), header.end())) >
        options.headerCountLimit) {
      req.methodText = std::string(header.method_string());
      rejection =
          Error{ErrorKind::headers_too_large,
                fmt::format("Requests may have at most {} header fields", options.headerCountLimit),
                {}};
      co_await sendAndClose(*conn, req, *rejection, header.version());
      break;
    }
    req.methodText = std::string(header.method_string());
    req.method = parseMethod(req.methodText);
    req.target = std::string(header.target());
    req.headers.reserve(16);
    for (const auto& field : header) {
      req.headers.emplace_back(asciiLower(field.name_string()), std::string(field.value()));
    }
    version = header.version();
    std::uint64_t limit = 0;
    std::unique_ptr<BodySink> sink;
    if (!parseTarget(req.target, req)) {
      req.path = req.target;
      rejection = Error::invalidField("", "Malformed request target");
    } else {
      limit = pipeline.bodyLimit(req.method, req.path);
      if (auto opened = pipeline.bodySink(req, limit); !opened.ok()) {
        rejection = std::move(opened).error();
      } else {
        sink = std::move(opened).value();
      }
      if (auto length = parser.content_length(); !rejection && length && *length > limit) {
        rejection = Error{ErrorKind::too_large,
                          fmt::format("The request body is {} bytes; this route accepts at "
                                      "most {}",
                                      *length, limit),
                          {}};
      }
    }
    if (rejection) {
      co_await sendAndClose(*conn, req, *rejection, version);
      break;
    }
    parser.body_limit(sink ? std::numeric_limits<std::uint64_t>::max() : limit);
    if (iequals(req.header("expect"), "100-continue")) {
      bhttp::response<bhttp::empty_body> cont{bhttp::status::continue_, version};
      auto [wec, wn] = co_await bhttp::async_write(stream, cont, kTuple);
      if (wec) break;
    }
    bool clientKeepAlive = false;
    if (sink) {
      // An upload: stream the body into the sink as it arrives, never all in memory.
      bhttp::request_parser<bhttp::buffer_body> upload{std::move(parser)};
      upload.body_limit(limit);
      std::vector<char> chunk(64 * 1024);
      boost::system::error_code uec;
      while (!upload.is_done()) {
        upload.get().body().data = chunk.data();
        upload.get().body().size = chunk.size();
        stream.expires_after(options.requestTimeout);
        auto [rec, rn] = co_await bhttp::async_read_some(stream, buffer, upload, kTuple);
        if (rec == bhttp::error::need_buffer) rec = {};
        const std::size_t got = chunk.size() - upload.get().body().size;
        if (!rec && got > 0) {
          if (Status s = sink->write(std::string_view(chunk.data(), got)); !s.ok()) {
            rejection = std::move(s).error();
            break;
          }
        }
        if (rec) {
          uec = rec;
          break;
        }
      }
      if (uec == bhttp::error::body_limit) {
        rejection = Error{
            ErrorKind::too_large,
            fmt::format("The upload exceeds {} bytes, the most this route accepts (UPLOAD_LIMIT)",
                        limit),
            {}};
      }
      if (rejection) {
        sink.reset();
        co_await sendAndClose(*conn, req, *rejection, version);
        break;
      }
      if (uec) break;  // the client went away: the sink removes what it wrote
      sink->finish(req);
      sink.reset();
      clientKeepAlive = upload.get().keep_alive();
    } else {
      stream.expires_after(options.requestTimeout);
      auto [bec, bn] = co_await bhttp::async_read(stream, buffer, parser, kTuple);
      if (bec) {
        if (bec == bhttp::error::body_limit) {
          rejection = Error{
              ErrorKind::too_large,
              fmt::format("The request body exceeds {} bytes, the most this route accepts", limit),
              {}};
          co_await sendAndClose(*conn, req, *rejection, version);
        }
        break;
      }
      req.body = std::move(parser.get().body());
      clientKeepAlive = parser.get().keep_alive();
    }

    Response res = co_await asyncHandle(pipeline, req, nullptr, asio::use_awaitable);
    const bool keepAlive = clientKeepAlive && !res.closeConnection && !stopping;

    stream.expires_after(options.requestTimeout);
    const bool headOnly = req.method == Method::HEAD;
    if (auto wec = co_await writeResponse(stream, res, version, keepAlive, headOnly)) break;
    if (!keepAlive) break;
  }
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream.close();
}

void Server::Impl::beginDrain() {
  boost::system::error_code ignored;
  acceptor->close(ignored);
  if (signals) signals->cancel(ignored);
  std::vector<std::shared_ptr<Conn>> open;
  {
    std::lock_guard lock(mu);
    for (auto& [id, c] : conns)
      open.push_back(c);
  }
  for (auto& c : open) {
    asio::post(c->stream.get_executor(), [c] {
      if (!c->idle) return;
      c->drained = true;
      boost::system::error_code ignored;
      c->stream.socket().close(ignored);
    });
  }
  drainTimer->expires_after(options.drainTimeout);
  drainTimer->async_wait([this](boost::system::error_code ec) {
    if (ec) return;  // every connection finished first
    std::lock_guard lock(mu);
    spdlog::warn(R"("msg":"drain timeout: closing connections","open":{})", conns.size());
    for (auto& [id, c] : conns) {
      asio::post(c->stream.get_executor(), [c] { c->stream.socket().close(); });
    }
  });
  std::lock_guard lock(mu);
  if (conns.empty()) endDrain();
}

Server::Server(ServerOptions options, Pipeline& pipeline)
    : impl_(std::make_unique<Impl>(std::move(options), pipeline)) {}

Server::~Server() {
  stop();
  join();
}

Status Server::listen() {
  auto& s = *impl_;
  boost::system::error_code ec;
  tcp::resolver resolver(*s.contexts[0]);
  auto results =
      resolver.resolve(s.options.host, std::to_string(s.options.port), tcp::resolver::passive, ec);
  if (ec || results.empty()) {
    return Error::invalidField("HOST", fmt::format("cannot resolve '{}': {}", s.options.host,
                                                   ec ? ec.message() : "no address"));
  }
  const tcp::endpoint endpoint = *results.begin();
  s.acceptor->open(endpoint.protocol(), ec);
  if (!ec) s.acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) s.acceptor->bind(endpoint, ec);
  if (!ec) s.acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Error::unavailable(
        fmt::format("cannot listen on {}:{}: {}", s.options.host, s.options.port, ec.message()));
  }
  asio::co_spawn(*s.contexts[0], s.listen(), [](std::exception_ptr e) {
    if (e) std::rethrow_exception(e);
  });
  if (s.options.handleSignals) {
    s.signals = std::make_unique<asio::signal_set>(*s.contexts[0], SIGINT, SIGTERM);
    s.signals->async_wait([this](boost::system::error_code ec, int signal) {
      if (ec) return;
      spdlog::info(R"("msg":"signal received: draining","signal":{})", signal);
      stop();
    });
  }
  return {};
}

std::uint16_t Server::port() const {
  boost::system::error_code ec;
  auto ep = impl_->acceptor->local_endpoint(ec);
  return ec ? 0 : ep.port();
}

void Server::start() {
  auto& s = *impl_;
  for (unsigned i = 0; i < s.threadCount(); ++i) {
    s.threads.emplace_back([&s, i] {
      for (;;) {
        try {
          s.contexts[i]->run();
          return;
        } catch (const std::exception& e) {
          spdlog::error(R"("msg":"io thread error","error":{})", jsonQuote(e.what()));
        }
      }
    });
  }
}

void Server::join() {
  for (auto& t : impl_->threads) {
    if (t.joinable()) t.join();
  }
  impl_->threads.clear();
}

void Server::run() {
  start();
  join();
}

void Server::stop() {
  auto& s = *impl_;
  if (s.stopping.exchange(true)) return;
  asio::post(*s.contexts[0], [&s] { s.beginDrain(); });
}

}  // namespace minicrm::http
