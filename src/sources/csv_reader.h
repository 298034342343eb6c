// CsvReader: an RFC 4180 reader that hands out one record at a time.
//
// Accepts quoted fields with doubled quotes ("a ""b"""), delimiters and newlines inside
// quotes, CRLF or LF line ends (a lone CR is data), a UTF-8 byte-order mark at the start,
// a configurable one-byte delimiter, and no line end after the last record. Empty lines
// are skipped.
//
// A malformed record does not stop the reader: Next() returns it with `error` set and
// carries on with the next one, so a loader can refuse the one row and keep the others:
//   - a quote inside an unquoted field (ab"c), or any character between a closing quote
//     and the next delimiter ("ab"c): the record ends at its line end;
//   - a quoted field still open at the end of the input: the record is refused and
//     reading resumes on the line after the one it started on, so one stray opening quote
//     costs one row, not the rest of the file;
//   - a field count other than set_expected_fields() (when set).
//
// The reader borrows `data`: it must outlive the reader and the records' `raw` views.
// Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace shoplytics::sources {

struct CsvOptions {
  char delimiter = ',';
};

struct CsvRecord {
  int64_t line = 0;      // 1-based line the record starts on
  std::string_view raw;  // the record's text, without its line end
  std::vector<std::string> fields;
  std::string error;  // empty: well-formed; otherwise why not ("stray quote ...")
};

class CsvReader {
 public:
  explicit CsvReader(std::string_view data, CsvOptions options = {});

  // Fills `record` with the next record and returns true, or returns false at the end of
  // the input. `record` is overwritten (its vectors' capacity is reused).
  bool Next(CsvRecord* record);

  // From now on, a record with another number of fields is an error ("expected 6 fields,
  // got 5"). 0 turns the check off (the default).
  void set_expected_fields(size_t n) { expected_fields_ = n; }

 private:
  // Parses one record from pos_. False when the input ended inside quotes.
  bool Parse(CsvRecord* record, size_t* end, size_t* next);

  std::string_view data_;
  CsvOptions options_;
  size_t pos_ = 0;
  int64_t line_ = 1;
  size_t expected_fields_ = 0;
};

}  // namespace shoplytics::sources
