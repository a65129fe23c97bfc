#include "segment/segment_support.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include "core/money.h"
#include "core/time.h"

namespace minicrm::segtest {

boost::json::value json(std::string_view text) {
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec);
  if (ec) throw std::runtime_error("bad JSON in a test: " + std::string(text));
  return v;
}

std::string text(const boost::json::value& v) {
  return boost::json::serialize(v);
}

Millis at(std::string_view iso) {
  auto t = parseIsoTime(iso);
  if (!t) throw std::runtime_error("bad time in a test: " + std::string(iso));
  return t->millis;
}

const char* nameOf(Engine e) {
  switch (e) {
    case Engine::evaluator:
      return "evaluator";
    case Engine::sql:
      return "sql";
    case Engine::columns:
      return "columns";
  }
  return "?";
}

std::string describeCustomer(const Customer& c) {
  boost::json::object o;
  o["id"] = c.id.hex();
  o["name"] = c.name;
  o["email"] = c.email;
  o["phone"] = c.phone ? boost::json::value(*c.phone) : boost::json::value(nullptr);
  o["city"] = c.city ? boost::json::value(*c.city) : boost::json::value(nullptr);
  o["totalSpend"] = formatMoney(c.totalSpend());
  o["visits"] = c.visits();
  o["lastActive"] = formatIso(c.lastActive());
  o["createdAt"] = formatIso(c.createdAt);
  return boost::json::serialize(o);
}

std::unique_ptr<SegmentStore> SegmentStore::open(std::vector<Customer> customers) {
  std::unique_ptr<SegmentStore> s(new SegmentStore());
  sqlite::SqliteOptions o;
  o.path = s->dir_.newFile("segment.db");
  o.synchronous = "OFF";  // nothing here needs to survive a power cut
  auto opened = sqlite::SqliteStore::open(o, s->clock_);
  if (!opened.ok()) {
    ADD_FAILURE() << "cannot open the store: " << opened.error().message;
    return nullptr;
  }
  s->store_ = std::move(opened).value();
  s->customers_ = std::move(customers);
  Status w = s->store_->writeSync([&](WriteTx& tx) -> Status {
    for (const auto& c : s->customers_) {
      if (Status i = tx.insertCustomer(c); !i.ok()) return i;
    }
    return {};
  });
  if (!w.ok()) {
    ADD_FAILURE() << "cannot insert the customers: " << w.error().message;
    return nullptr;
  }
  if (!s->store_->waitForCustomerIndex(std::chrono::seconds(10))) {
    ADD_FAILURE() << "the customer index did not load within 10 s";
    return nullptr;
  }
  return s;
}

SegmentStore::~SegmentStore() = default;

bool SegmentStore::change(const std::vector<Customer>& updated, const std::vector<Id>& deleted,
                          const std::vector<Customer>& added) {
  Status w = store_->writeSync([&](WriteTx& tx) -> Status {
    for (const auto& c : updated) {
      if (Status s = tx.updateCustomer(c); !s.ok()) return s;
    }
    for (const auto& id : deleted) {
      if (Status s = tx.deleteCustomer(id, clock_.now()); !s.ok()) return s;
    }
    for (const auto& c : added) {
      if (Status s = tx.insertCustomer(c); !s.ok()) return s;
    }
    return {};
  });
  if (!w.ok()) {
    ADD_FAILURE() << "cannot change the customers: " << w.error().message;
    return false;
  }
  for (const auto& c : updated) {
    auto it = std::find_if(customers_.begin(), customers_.end(),
                           [&](const Customer& x) { return x.id == c.id; });
    if (it != customers_.end()) *it = c;
  }
  std::erase_if(customers_, [&](const Customer& x) {
    return std::find(deleted.begin(), deleted.end(), x.id) != deleted.end();
  });
  customers_.insert(customers_.end(), added.begin(), added.end());
  if (!store_->waitForCustomerIndex(std::chrono::seconds(10))) {
    ADD_FAILURE() << "the customer index did not catch up within 10 s";
    return false;
  }
  return true;
}

Result<std::vector<Id>> SegmentStore::members(const segment::Node& rules, Millis now, Engine e) {
  std::vector<Id> out;
  if (e == Engine::evaluator) {
    segment::Evaluator ev(rules, now);
    for (const auto& c : customers_) {
      if (ev.matches(c)) out.push_back(c.id);
    }
  } else {
    auto got = store_->segmentMembers(
        rules, now, e == Engine::sql ? SegmentEngine::sql : SegmentEngine::columns);
    if (!got.ok()) return std::move(got).error();
    out = std::move(got).value();
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<Id> SegmentStore::previewOrder(const segment::Node& rules, Millis now) const {
  segment::Evaluator ev(rules, now);
  std::vector<const Customer*> hits;
  for (const auto& c : customers_) {
    if (ev.matches(c)) hits.push_back(&c);
  }
  std::sort(hits.begin(), hits.end(), [](const Customer* a, const Customer* b) {
    if (a->lastActive() != b->lastActive()) return a->lastActive() > b->lastActive();
    return a->id > b->id;
  });
  std::vector<Id> out;
  for (const Customer* c : hits)
    out.push_back(c->id);
  return out;
}

const Customer* SegmentStore::find(const Id& id) const {
  for (const auto& c : customers_) {
    if (c.id == id) return &c;
  }
  return nullptr;
}

}  // namespace minicrm::segtest

namespace minicrm::segment {
void PrintTo(const Node& n, std::ostream* os) {
  *os << boost::json::serialize(print(n));
}
}  // namespace minicrm::segment
