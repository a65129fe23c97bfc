// Build-time converter: reads a YAML document (docs/openapi.yaml) and writes it as JSON.
// Scalars keep their YAML type: plain true/false/null and numbers become JSON literals,
// quoted scalars stay strings.
#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <regex>
#include <string>

namespace {

void writeString(std::ostream& out, const std::string& s) {
  out << '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out << "\\\"";
        break;
      case '\\':
        out << "\\\\";
        break;
      case '\n':
        out << "\\n";
        break;
      case '\r':
        out << "\\r";
        break;
      case '\t':
        out << "\\t";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out << buf;
        } else {
          out << c;
        }
    }
  }
  out << '"';
}

bool isPlainLiteral(const std::string& s) {
  static const std::regex number(R"(-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?)");
  return s == "true" || s == "false" || s == "null" || std::regex_match(s, number);
}

void writeNode(std::ostream& out, const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
      out << "null";
      break;
    case YAML::NodeType::Scalar:
      if (node.Tag() == "?" && isPlainLiteral(node.Scalar())) {
        out << node.Scalar();
      } else {
        writeString(out, node.Scalar());
      }
      break;
    case YAML::NodeType::Sequence: {
      out << '[';
      bool first = true;
      for (const auto& item : node) {
        if (!first) out << ',';
        first = false;
        writeNode(out, item);
      }
      out << ']';
      break;
    }
    case YAML::NodeType::Map: {
      out << '{';
      bool first = true;
      for (const auto& kv : node) {
        if (!first) out << ',';
        first = false;
        writeString(out, kv.first.as<std::string>());
        out << ':';
        writeNode(out, kv.second);
      }
      out << '}';
      break;
    }
    case YAML::NodeType::Undefined:
      out << "null";
      break;
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: yaml2json IN.yaml OUT.json\n";
    return 2;
  }
  try {
    YAML::Node doc = YAML::LoadFile(argv[1]);
    std::ofstream out(argv[2], std::ios::binary);
    writeNode(out, doc);
    out << '\n';
    return out ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << argv[1] << ": " << e.what() << '\n';
    return 1;
  }
}
