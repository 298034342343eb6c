#include "sources/csv_reader.h"

#include <algorithm>

namespace shoplytics::sources {

CsvReader::CsvReader(std::string_view data, CsvOptions options) : data_(data), options_(options) {
  if (data_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;
}

bool CsvReader::Next(CsvRecord* record) {
  // Blank lines carry no record.
  while (pos_ < data_.size() && (data_[pos_] == '\n' || data_.substr(pos_, 2) == "\r\n")) {
    pos_ += data_[pos_] == '\n' ? 1 : 2;
    ++line_;
  }
  if (pos_ >= data_.size()) return false;
  record->line = line_;
  record->error.clear();
  size_t end = 0, next = 0;
  if (!Parse(record, &end, &next)) {
    // Unterminated quote: refuse the record's first line and resume after it.
    const size_t nl = data_.find('\n', pos_);
    end = nl == std::string_view::npos ? data_.size() : nl;
    next = nl == std::string_view::npos ? data_.size() : nl + 1;
    if (end > pos_ && data_[end - 1] == '\r' && nl != std::string_view::npos) --end;
    record->raw = data_.substr(pos_, end - pos_);
    record->fields.clear();
    record->error = "unterminated quoted field (no closing quote before the end of the file)";
    pos_ = next;
    ++line_;
    return true;
  }
  record->raw = data_.substr(pos_, end - pos_);
  line_ += std::count(data_.begin() + pos_, data_.begin() + next, '\n');
  pos_ = next;
  if (record->error.empty() && expected_fields_ != 0 && record->fields.size() != expected_fields_) {
    record->error = "expected " + std::to_string(expected_fields_) + " fields, got " +
                    std::to_string(record->fields.size());
  }
  return true;
}

bool CsvReader::Parse(CsvRecord* record, size_t* end, size_t* next) {
  const char delim = options_.delimiter;
  std::vector<std::string>& fields = record->fields;
  size_t count = 0;
  auto new_field = [&]() -> std::string& {
    if (count == fields.size()) fields.emplace_back();
    std::string& f = fields[count++];
    f.clear();
    return f;
  };
  auto fail = [&](std::string reason) {
    if (record->error.empty()) record->error = std::move(reason);
  };
  size_t i = pos_;
  const size_t n = data_.size();
  std::string* field = &new_field();
  while (true) {
    if (i < n && data_[i] == '"') {
      // Quoted field: up to the closing quote; "" is one quote.
      ++i;
      while (true) {
        if (i >= n) return false;
        if (data_[i] == '"') {
          if (i + 1 < n && data_[i + 1] == '"') {
            field->push_back('"');
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        field->push_back(data_[i++]);
      }
      // After the closing quote only a delimiter or a line end may follow.
      if (i < n && data_[i] != delim && data_[i] != '\n' && data_.substr(i, 2) != "\r\n") {
        fail("unexpected character after closing quote in field " + std::to_string(count));
      }
    }
    // Unquoted text (or the tail after a bad closing quote), up to a delimiter or line end.
    while (i < n && data_[i] != delim && data_[i] != '\n' && data_.substr(i, 2) != "\r\n") {
      if (data_[i] == '"') fail("stray quote in unquoted field " + std::to_string(count));
      field->push_back(data_[i++]);
    }
    if (i < n && data_[i] == delim) {
      ++i;
      field = &new_field();
      continue;
    }
    break;
  }
  *end = i;
  if (i >= n) {
    *next = n;
  } else {
    *next = i + (data_[i] == '\n' ? 1 : 2);
  }
  fields.resize(count);
  return true;
}

}  // namespace shoplytics::sources
