// Random byte-level edits of a file, for the readers' "any mutated file
// parses or is refused with one InputError" properties (Matrix Market, .npy).
#pragma once

#include <rapidcheck.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

namespace jlattn::testing {

/// One random edit of a file's bytes.
struct Mutation {
  int kind;              // 0 replace, 1 delete, 2 insert, 3 truncate, 4 duplicate a span
  std::uint32_t where;   // position, taken modulo the length + 1
  std::uint32_t length;  // span length for kind 4
  char byte;
};

/// Applies m to bytes (any length, also empty: the position is then 0).
inline void apply_mutation(const Mutation& m, std::string& bytes) {
  const std::size_t at = m.where % (bytes.size() + 1);
  switch (m.kind) {
    case 0:
      if (at < bytes.size()) bytes[at] = m.byte;
      break;
    case 1:
      if (at < bytes.size()) bytes.erase(at, 1);
      break;
    case 2:
      bytes.insert(at, 1, m.byte);
      break;
    case 3:
      bytes.resize(at);
      break;
    default:
      bytes.insert(at, bytes.substr(at, m.length % 40));
      break;
  }
}

/// Random mutations whose byte (for replace and insert) comes half the time
/// from `favoured` (the characters a format's grammar cares about) and
/// otherwise is any char.
inline rc::Gen<Mutation> gen_mutation(rc::Gen<char> favoured) {
  const auto byte = rc::gen::oneOf(std::move(favoured), rc::gen::arbitrary<char>());
  return rc::gen::construct<Mutation>(rc::gen::inRange(0, 5), rc::gen::arbitrary<std::uint32_t>(),
                                      rc::gen::arbitrary<std::uint32_t>(), byte);
}

}  // namespace jlattn::testing
