#include "store/sqlite/segment_sql.h"

#include <re2/re2.h>

#include "core/json_writer.h"

namespace minicrm::sqlite {
namespace {

using segment::Field;
using segment::FieldType;
using segment::Node;
using segment::Op;
using segment::Predicate;
using segment::Value;

const char* column(Field f) {
  switch (f) {
    case Field::name:
      return "name";
    case Field::email:
      return "email";
    case Field::phone:
      return "phone";
    case Field::city:
      return "city";
    case Field::totalSpend:
      return "total_spend";
    case Field::visits:
      return "visits";
    case Field::lastActive:
      return "last_active";
    case Field::createdAt:
      return "created_at";
    case Field::avgOrderValue:
      return "";
  }
  return "";
}

// The sign of (avgOrderValue - X), as an integer expression: see segment::compareAverage.
constexpr const char* kAverageMinus =
    "(CASE WHEN visits > 0 THEN total_spend - {0} * visits ELSE -{0} END)";

class Compiler {
 public:
  explicit Compiler(Millis now) : now_(now) {}

  std::string node(const Node& n) {
    switch (n.kind) {
      case Node::Kind::all:
        return "1";
      case Node::Kind::predicate:
        return predicate(n.predicate);
      case Node::Kind::and_:
        return balanced(n.children, 0, n.children.size(), "AND");
      case Node::Kind::or_:
        return balanced(n.children, 0, n.children.size(), "OR");
      case Node::Kind::nor:
        return "NOT " + balanced(n.children, 0, n.children.size(), "OR");
      case Node::Kind::not_:
        return "NOT (" + node(n.children.at(0)) + ")";
    }
    return "0";
  }

  SqlSegment out;

 private:
  // (a AND b) AND (c AND d): SQLite limits expression depth, so long lists nest as a tree.
  std::string balanced(const std::vector<Node>& items, std::size_t from, std::size_t to,
                       const char* op) {
    if (to - from == 1) return "(" + node(items[from]) + ")";
    const std::size_t mid = from + (to - from) / 2;
    return "(" + balanced(items, from, mid, op) + " " + op + " " + balanced(items, mid, to, op) +
           ")";
  }

  // Placeholders are numbered as values are bound ("?3"), so the order in which the
  // pieces of an expression are built (unspecified for operands of +) cannot misplace
  // a value.
  std::string bind(std::int64_t v) {
    out.binds.emplace_back(v);
    return "?" + std::to_string(out.binds.size());
  }
  std::string bind(std::string v) {
    out.binds.emplace_back(std::move(v));
    return "?" + std::to_string(out.binds.size());
  }

  std::string predicate(const Predicate& p) {
    if (p.field == Field::avgOrderValue) return average(p);
    switch (typeOf(p.field)) {
      case FieldType::text:
        return text(p);
      case FieldType::date:
        return date(p);
      default:
        return number(p);
    }
  }

  static const char* comparator(Op op) {
    switch (op) {
      case Op::eq:
        return "=";
      case Op::ne:
        return "<>";
      case Op::gt:
        return ">";
      case Op::gte:
        return ">=";
      case Op::lt:
        return "<";
      case Op::lte:
        return "<=";
      default:
        return "=";
    }
  }

  // A JSON array of the non-null values of an $in/$nin list, bound as one parameter.
  std::string jsonList(const Predicate& p, bool& withNull) {
    JsonWriter w;
    w.beginArray();
    withNull = false;
    for (const auto& v : p.values) {
      if (v.kind == Value::Kind::null) {
        withNull = true;
      } else if (v.kind == Value::Kind::text) {
        w.string(v.text);
      } else {
        w.integer(v.number);
      }
    }
    w.endArray();
    return bind(std::move(w).str());
  }

  std::string text(const Predicate& p) {
    const std::string col = column(p.field);
    switch (p.op) {
      case Op::exists:
        return p.exists ? col + " IS NOT NULL" : col + " IS NULL";
      case Op::regex:
        return "coalesce(minicrm_regexp(" + bind(p.pattern) + ", " + bind(p.options) + ", " + col +
               "), 0)";
      case Op::in:
      case Op::nin: {
        bool withNull = false;
        const std::string list = jsonList(p, withNull);
        std::string in = "coalesce(" + col + " IN (SELECT value FROM json_each(" + list + ")), 0)";
        if (withNull) in = "(" + in + " OR " + col + " IS NULL)";
        return p.op == Op::in ? in : "NOT " + in;
      }
      default:
        break;
    }
    const Value& v = p.values.at(0);
    if (v.kind == Value::Kind::null) {
      return p.op == Op::eq ? col + " IS NULL" : col + " IS NOT NULL";
    }
    if (p.op == Op::ne) return "NOT coalesce(" + col + " = " + bind(v.text) + ", 0)";
    return "coalesce(" + col + " " + comparator(p.op) + " " + bind(v.text) + ", 0)";
  }

  // totalSpend and visits: never null.
  std::string number(const Predicate& p) {
    const std::string col = column(p.field);
    switch (p.op) {
      case Op::exists:
        return p.exists ? "1" : "0";
      case Op::in:
      case Op::nin: {
        bool withNull = false;
        const std::string list = jsonList(p, withNull);
        const std::string in = col + " IN (SELECT value FROM json_each(" + list + "))";
        return p.op == Op::in ? in : "NOT " + in;
      }
      default:
        break;
    }
    const Value& v = p.values.at(0);
    if (v.kind == Value::Kind::null) return p.op == Op::ne ? "1" : "0";
    return col + " " + comparator(p.op) + " " + bind(v.number);
  }

  // lastActive and createdAt: never null; date-only values cover their whole day.
  std::string date(const Predicate& p) {
    const std::string col = column(p.field);
    switch (p.op) {
      case Op::exists:
        return p.exists ? "1" : "0";
      case Op::in:
      case Op::nin: {
        JsonWriter w;
        w.beginArray();
        for (const auto& v : p.values) {
          if (v.kind == Value::Kind::null) continue;
          const segment::Span s = segment::spanOf(v.date, now_);
          w.beginArray().integer(s.start).integer(s.end).endArray();
        }
        w.endArray();
        const std::string in = "EXISTS (SELECT 1 FROM json_each(" + bind(std::move(w).str()) +
                               ") j WHERE " + col + " BETWEEN j.value ->> 0 AND j.value ->> 1)";
        return p.op == Op::in ? in : "NOT " + in;
      }
      default:
        break;
    }
    const Value& v = p.values.at(0);
    if (v.kind == Value::Kind::null) return p.op == Op::ne ? "1" : "0";
    const segment::Span s = segment::spanOf(v.date, now_);
    switch (p.op) {
      case Op::eq:
        return col + " BETWEEN " + bind(s.start) + " AND " + bind(s.end);
      case Op::ne:
        return "NOT (" + col + " BETWEEN " + bind(s.start) + " AND " + bind(s.end) + ")";
      case Op::gt:
        return col + " > " + bind(s.end);
      case Op::gte:
        return col + " >= " + bind(s.start);
      case Op::lt:
        return col + " < " + bind(s.start);
      case Op::lte:
        return col + " <= " + bind(s.end);
      default:
        return "0";
    }
  }

  std::string average(const Predicate& p) {
    switch (p.op) {
      case Op::exists:
        return p.exists ? "1" : "0";
      case Op::in:
      case Op::nin: {
        bool withNull = false;
        const std::string list = jsonList(p, withNull);
        const std::string in = "EXISTS (SELECT 1 FROM json_each(" + list + ") j WHERE " +
                               fmtAverage("j.value") + " = 0)";
        return p.op == Op::in ? in : "NOT " + in;
      }
      default:
        break;
    }
    const Value& v = p.values.at(0);
    if (v.kind == Value::Kind::null) return p.op == Op::ne ? "1" : "0";
    return fmtAverage(bind(v.number)) + " " + comparator(p.op) + " 0";
  }

  static std::string fmtAverage(const std::string& x) {
    std::string s = kAverageMinus;
    for (std::size_t pos; (pos = s.find("{0}")) != std::string::npos;)
      s.replace(pos, 3, x);
    return s;
  }

  Millis now_;
};

struct RegexCache {
  std::unique_ptr<RE2> re;
};

void regexpFunction(sqlite3_context* ctx, int, sqlite3_value** argv) {
  if (sqlite3_value_type(argv[2]) == SQLITE_NULL) {
    sqlite3_result_null(ctx);
    return;
  }
  const std::string_view text(reinterpret_cast<const char*>(sqlite3_value_text(argv[2])),
                              static_cast<std::size_t>(sqlite3_value_bytes(argv[2])));
  // The pattern is a bound parameter, constant for the statement: compile it once and keep
  // it as auxiliary data of argument 0.
  if (auto* cache = static_cast<RegexCache*>(sqlite3_get_auxdata(ctx, 0))) {
    sqlite3_result_int(ctx, RE2::PartialMatch(text, *cache->re) ? 1 : 0);
    return;
  }
  const auto* pattern = reinterpret_cast<const char*>(sqlite3_value_text(argv[0]));
  const auto* options = reinterpret_cast<const char*>(sqlite3_value_text(argv[1]));
  auto fresh = std::make_unique<RegexCache>();
  fresh->re = segment::compileRegex(pattern ? pattern : "", options ? options : "");
  if (!fresh->re->ok()) {
    sqlite3_result_error(ctx, "invalid regular expression", -1);
    return;
  }
  sqlite3_result_int(ctx, RE2::PartialMatch(text, *fresh->re) ? 1 : 0);
  // SQLite may free it at once when it cannot keep it; nothing here uses it afterwards.
  sqlite3_set_auxdata(ctx, 0, fresh.release(), [](void* p) { delete static_cast<RegexCache*>(p); });
}

}  // namespace

int SqlSegment::bindTo(Statement& s) const {
  int i = 1;
  for (const auto& b : binds) {
    if (std::holds_alternative<std::int64_t>(b)) {
      s.bind(i, std::get<std::int64_t>(b));
    } else if (std::holds_alternative<std::string>(b)) {
      s.bind(i, std::get<std::string>(b));
    } else {
      s.bindNull(i);
    }
    ++i;
  }
  return i;
}

SqlSegment compileSegment(const segment::Node& segment, Millis now) {
  Compiler c(now);
  c.out.where = c.node(segment);
  return std::move(c.out);
}

void registerRegexp(sqlite3* db) {
  const int rc = sqlite3_create_function_v2(db, "minicrm_regexp", 3,
                                            SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS,
                                            nullptr, regexpFunction, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) throw SqliteError(rc, "cannot register minicrm_regexp");
}

}  // namespace minicrm::sqlite
