// The reference evaluator: one customer at a time, straight from the semantics in
// segment.h. Other backends are tested against it.
#include <re2/re2.h>

#include <map>
#include <memory>

#include "core/segment/segment.h"

namespace minicrm::segment {
namespace {

struct Facts {
  const Customer& c;
  std::optional<std::string_view> text(Field f) const {
    switch (f) {
      case Field::name:
        return std::string_view(c.name);
      case Field::email:
        return std::string_view(c.email);
      case Field::phone:
        return c.phone ? std::optional<std::string_view>(*c.phone) : std::nullopt;
      case Field::city:
        return c.city ? std::optional<std::string_view>(*c.city) : std::nullopt;
      default:
        return std::nullopt;
    }
  }
};

}  // namespace

struct Evaluator::Compiled {
  Millis now;
  const Node* root;
  std::map<const Predicate*, std::unique_ptr<RE2>> regexes;

  static int compareMoney(Money a, Money b) { return a < b ? -1 : (a > b ? 1 : 0); }

  // eq for a non-null value.
  bool equals(const Predicate& p, const Facts& f, const Value& v) const {
    switch (typeOf(p.field)) {
      case FieldType::text: {
        auto t = f.text(p.field);
        return t && *t == v.text;
      }
      case FieldType::money:
        if (p.field == Field::avgOrderValue) {
          return compareAverage(f.c.totalSpend(), f.c.visits(), v.number) == 0;
        }
        return f.c.totalSpend() == v.number;
      case FieldType::count:
        return f.c.visits() == v.number;
      case FieldType::date: {
        const Millis x = p.field == Field::lastActive ? f.c.lastActive() : f.c.createdAt;
        const Span s = spanOf(v.date, now);
        return x >= s.start && x <= s.end;
      }
    }
    return false;
  }

  bool isNull(const Predicate& p, const Facts& f) const {
    return typeOf(p.field) == FieldType::text && !f.text(p.field);
  }

  bool eqOrNull(const Predicate& p, const Facts& f, const Value& v) const {
    if (v.kind == Value::Kind::null) return isNull(p, f);
    return equals(p, f, v);
  }

  // Ordering comparisons; false for null.
  bool ordered(const Predicate& p, const Facts& f) const {
    const Value& v = p.values.at(0);
    int cmp = 0;  // sign of (field - value), against the relevant end of a date span
    switch (typeOf(p.field)) {
      case FieldType::text: {
        auto t = f.text(p.field);
        if (!t) return false;
        const int r = t->compare(v.text);
        cmp = r < 0 ? -1 : (r > 0 ? 1 : 0);
        break;
      }
      case FieldType::money:
        cmp = p.field == Field::avgOrderValue
                  ? compareAverage(f.c.totalSpend(), f.c.visits(), v.number)
                  : compareMoney(f.c.totalSpend(), v.number);
        break;
      case FieldType::count:
        cmp = compareMoney(f.c.visits(), v.number);
        break;
      case FieldType::date: {
        const Millis x = p.field == Field::lastActive ? f.c.lastActive() : f.c.createdAt;
        const Span s = spanOf(v.date, now);
        // $gt/$lte against the end of the span, $gte/$lt against its start.
        const Millis ref = (p.op == Op::gt || p.op == Op::lte) ? s.end : s.start;
        cmp = compareMoney(x, ref);
        break;
      }
    }
    return satisfies(p.op, cmp);
  }

  bool predicate(const Predicate& p, const Facts& f) const {
    switch (p.op) {
      case Op::eq:
        return eqOrNull(p, f, p.values.at(0));
      case Op::ne:
        return !eqOrNull(p, f, p.values.at(0));
      case Op::gt:
      case Op::gte:
      case Op::lt:
      case Op::lte:
        return ordered(p, f);
      case Op::in:
      case Op::nin: {
        bool any = false;
        for (const auto& v : p.values) {
          if (eqOrNull(p, f, v)) {
            any = true;
            break;
          }
        }
        return p.op == Op::in ? any : !any;
      }
      case Op::exists:
        return isNull(p, f) != p.exists;
      case Op::regex: {
        auto t = f.text(p.field);
        return t && RE2::PartialMatch(*t, *regexes.at(&p));
      }
    }
    return false;
  }

  bool node(const Node& n, const Facts& f) const {
    switch (n.kind) {
      case Node::Kind::all:
        return true;
      case Node::Kind::predicate:
        return predicate(n.predicate, f);
      case Node::Kind::and_:
        for (const auto& c : n.children) {
          if (!node(c, f)) return false;
        }
        return true;
      case Node::Kind::or_:
        for (const auto& c : n.children) {
          if (node(c, f)) return true;
        }
        return false;
      case Node::Kind::nor:
        for (const auto& c : n.children) {
          if (node(c, f)) return false;
        }
        return true;
      case Node::Kind::not_:
        return !node(n.children.at(0), f);
    }
    return false;
  }

  void compile(const Node& n) {
    if (n.kind == Node::Kind::predicate && n.predicate.op == Op::regex) {
      regexes.emplace(&n.predicate, compileRegex(n.predicate.pattern, n.predicate.options));
    }
    for (const auto& c : n.children)
      compile(c);
  }
};

Evaluator::Evaluator(const Node& n, Millis now) : compiled_(std::make_unique<Compiled>()) {
  compiled_->now = now;
  compiled_->root = &n;
  compiled_->compile(n);
}

Evaluator::~Evaluator() = default;

bool Evaluator::matches(const Customer& c) const {
  return compiled_->node(*compiled_->root, Facts{c});
}

}  // namespace minicrm::segment
