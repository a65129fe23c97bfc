// Node -> canonical JSON. The shapes chosen here are exactly those the parser reads back
// into the same tree (the round-trip property).
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <set>

#include "core/segment/segment.h"
#include "core/time.h"

namespace minicrm::segment {
namespace {

namespace json = boost::json;

json::value dateJson(const DateValue& d) {
  if (d.relative) {
    if (d.amount == 0) return json::value("now");
    return json::value((d.amount < 0 ? "now-" : "now+") +
                       std::to_string(d.amount < 0 ? -d.amount : d.amount) + d.unit);
  }
  if (d.dateOnly) return json::value(formatDay(d.at));
  return json::value(formatIso(d.at));
}

json::value valueJson(Field field, const Value& v) {
  switch (v.kind) {
    case Value::Kind::null:
      return nullptr;
    case Value::Kind::text:
      return json::value(v.text);
    case Value::Kind::date:
      return dateJson(v.date);
    case Value::Kind::number:
      if (typeOf(field) == FieldType::money) {
        if (v.number % 100 == 0) return json::value(v.number / 100);
        return json::value(static_cast<double>(v.number) / 100.0);
      }
      return json::value(v.number);
  }
  return nullptr;
}

// The operator object members of one predicate: {"$gt": 5} or {"$regex": p, "$options": o}.
void addOperator(json::object& ops, const Predicate& p) {
  switch (p.op) {
    case Op::exists:
      ops[nameOf(p.op)] = p.exists;
      break;
    case Op::regex:
      ops["$regex"] = p.pattern;
      if (!p.options.empty()) ops["$options"] = p.options;
      break;
    case Op::in:
    case Op::nin: {
      json::array list;
      for (const auto& v : p.values)
        list.push_back(valueJson(p.field, v));
      ops[nameOf(p.op)] = std::move(list);
      break;
    }
    default:
      ops[nameOf(p.op)] = valueJson(p.field, p.values.at(0));
  }
}

// The field and operator object a node stands for inside a rule document, when it is a
// "field node": a predicate, a $not of a field node's operators, or an AND of predicates
// (and $nots) on one field with distinct operators. Returns false otherwise.
bool operatorObject(const Node& n, Field& field, json::object& ops);

bool singleOperator(const Node& n, Field& field, json::object& ops) {
  if (n.kind == Node::Kind::predicate) {
    field = n.predicate.field;
    addOperator(ops, n.predicate);
    return true;
  }
  if (n.kind == Node::Kind::not_) {
    json::object inner;
    if (!operatorObject(n.children.at(0), field, inner)) return false;
    ops["$not"] = std::move(inner);
    return true;
  }
  return false;
}

bool operatorObject(const Node& n, Field& field, json::object& ops) {
  if (n.kind != Node::Kind::and_) return singleOperator(n, field, ops);
  if (n.children.size() < 2) return false;
  std::set<std::string> used;
  for (std::size_t i = 0; i < n.children.size(); ++i) {
    Field f;
    json::object one;
    if (!singleOperator(n.children[i], f, one)) return false;
    if (i > 0 && f != field) return false;
    field = f;
    for (auto& kv : one) {
      // $options travels with $regex: two regexes on one field cannot share an object.
      if (!used.insert(std::string(kv.key())).second) return false;
      ops[kv.key()] = kv.value();
    }
  }
  return true;
}

json::value printNode(const Node& n) {
  switch (n.kind) {
    case Node::Kind::all:
      return json::object();
    case Node::Kind::predicate:
    case Node::Kind::not_: {
      Field f;
      json::object ops;
      if (operatorObject(n, f, ops)) {
        json::object doc;
        doc[nameOf(f)] = std::move(ops);
        return doc;
      }
      break;
    }
    case Node::Kind::and_: {
      // A document of distinct fields reads back as this AND, if every child is a field
      // node and there are at least two of them.
      json::object doc;
      bool flat = n.children.size() >= 2;
      for (const auto& c : n.children) {
        if (!flat) break;
        Field f;
        json::object ops;
        if (!operatorObject(c, f, ops) || doc.contains(nameOf(f))) {
          flat = false;
          break;
        }
        doc[nameOf(f)] = std::move(ops);
      }
      if (flat) return doc;
      // A single field node with several operators prints as one operator object.
      Field f;
      json::object ops;
      if (operatorObject(n, f, ops)) {
        json::object one;
        one[nameOf(f)] = std::move(ops);
        return one;
      }
      break;
    }
    default:
      break;
  }
  const char* key = n.kind == Node::Kind::and_  ? "$and"
                    : n.kind == Node::Kind::or_ ? "$or"
                                                : "$nor";
  json::array items;
  for (const auto& c : n.children)
    items.push_back(printNode(c));
  json::object doc;
  doc[key] = std::move(items);
  return doc;
}

}  // namespace

json::value print(const Node& n) {
  return printNode(n);
}

}  // namespace minicrm::segment
