// Helpers handlers use to turn use-case results into responses.
#pragma once

#include <optional>
#include <string>
#include <utility>

#include "core/error.h"
#include "core/id.h"
#include "core/json_writer.h"
#include "http/envelope.h"
#include "http/message.h"
#include "service/callback.h"

namespace minicrm::http {

// `encode(JsonWriter&, const T&)` writes the data of a success.
template <class T, class Encode>
Response respond(const Result<T>& r, Encode&& encode, int status = 200) {
  if (!r.ok()) return errorResponse(r.error());
  JsonWriter w;
  encode(w, r.value());
  return dataResponse(w.str(), status);
}

// A callback for an asynchronous use case that replies with respond().
template <class T, class Encode>
Callback<T> replyWith(Reply reply, Encode encode, int status = 200) {
  return [reply = std::move(reply), encode = std::move(encode), status](Result<T> r) {
    reply(respond(r, encode, status));
  };
}

// Writes a list of items with `encode` for each.
template <class Items, class Encode>
std::string encodeArray(const Items& items, Encode&& encode) {
  JsonWriter w;
  w.beginArray();
  for (const auto& item : items)
    encode(w, item);
  w.endArray();
  return std::move(w).str();
}

// The id in path parameter `name`. Malformed ids answer 404 like unknown ones (API.md):
// replies and returns nullopt.
inline std::optional<Id> pathId(const Request& req, std::string_view name, std::string_view what,
                                const Reply& reply) {
  auto id = Id::parse(req.param(name));
  if (!id) reply(errorResponse(Error::notFound(std::string(what) + " not found")));
  return id;
}

}  // namespace minicrm::http
