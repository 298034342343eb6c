// Cryptographic digests as lower-case hex: SHA-256 (FIPS 180-4) and MD5 (RFC 1321),
// implemented here.
//
// For formats that name them: dbt's manifest stores a node's checksum as SHA-256 and a
// project's id as MD5. MD5 is broken for security; use it only where a format asks for
// it. For content hashing inside Shoplytics, Hash64 (hash.h) is faster.
#pragma once

#include <string>
#include <string_view>

namespace shoplytics {

// 64 lower-case hex digits.
std::string Sha256Hex(std::string_view data);

// 32 lower-case hex digits.
std::string Md5Hex(std::string_view data);

}  // namespace shoplytics
