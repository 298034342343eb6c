#include "transform/jinja/internal/lexer.h"

#include <algorithm>
#include <charconv>
#include <cstring>

namespace shoplytics::transform::jinja::internal {

std::string LineCol(std::string_view source, uint32_t offset) {
  int line = 1, col = 1;
  for (size_t i = 0; i < offset && i < source.size(); ++i) {
    if (source[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return std::to_string(line) + ":" + std::to_string(col);
}

namespace {

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
bool IsNameStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsNameChar(char c) { return IsNameStart(c) || IsDigit(c); }

std::string_view TrimLeft(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && IsSpace(s[i])) ++i;
  return s.substr(i);
}
std::string_view TrimRight(std::string_view s) {
  size_t n = s.size();
  while (n > 0 && IsSpace(s[n - 1])) --n;
  return s.substr(0, n);
}

void AppendUtf8(uint32_t code, std::string& out) {
  if (code < 0x80) {
    out += static_cast<char>(code);
  } else if (code < 0x800) {
    out += static_cast<char>(0xC0 | (code >> 6));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else if (code < 0x10000) {
    out += static_cast<char>(0xE0 | (code >> 12));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code >> 18));
    out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  }
}

class Lexer {
 public:
  Lexer(std::string_view source, const std::string& file) : source_(source), file_(file) {}

  Result<std::vector<Token>> Run() {
    while (pos_ < source_.size()) {
      size_t open = FindOpener(pos_);
      EmitText(pos_, open);
      if (open == source_.size()) break;
      RETURN_IF_ERROR(LexTag(open));
    }
    tokens_.push_back(Token{TokenType::kEnd, static_cast<uint32_t>(source_.size()), {}, {}});
    return std::move(tokens_);
  }

 private:
  Status Error(size_t offset, const std::string& message) const {
    return InvalidArgumentError(file_ + ":" + LineCol(source_, static_cast<uint32_t>(offset)) +
                                ": " + message);
  }

  // The offset of the next "{{", "{%" or "{#" at or after `from`, or the source size.
  size_t FindOpener(size_t from) const {
    while (true) {
      const void* hit = std::memchr(source_.data() + from, '{', source_.size() - from);
      if (hit == nullptr) return source_.size();
      size_t at = static_cast<const char*>(hit) - source_.data();
      if (at + 1 < source_.size()) {
        char next = source_[at + 1];
        if (next == '{' || next == '%' || next == '#') return at;
      }
      from = at + 1;
    }
  }

  void EmitText(size_t begin, size_t end) {
    std::string_view text = source_.substr(begin, end - begin);
    if (strip_next_text_) text = TrimLeft(text);
    strip_next_text_ = false;
    tokens_.push_back(Token{TokenType::kText, static_cast<uint32_t>(begin), text, {}});
  }

  // Handles a '-' right after an opener: trims the text before the tag.
  void StripPreviousText() {
    if (!tokens_.empty() && tokens_.back().type == TokenType::kText) {
      tokens_.back().text = TrimRight(tokens_.back().text);
    }
  }

  Status LexTag(size_t open) {
    char kind = source_[open + 1];
    pos_ = open + 2;
    if (pos_ < source_.size() && source_[pos_] == '-') {
      StripPreviousText();
      ++pos_;
    } else if (pos_ < source_.size() && source_[pos_] == '+' && kind == '%') {
      ++pos_;  // {%+ turns off lstrip_blocks, which is off anyway
    }
    if (kind == '#') return LexComment(open);
    size_t first_token = tokens_.size();
    tokens_.push_back(Token{kind == '{' ? TokenType::kVariableBegin : TokenType::kBlockBegin,
                            static_cast<uint32_t>(open),
                            source_.substr(open, 2),
                            {}});
    RETURN_IF_ERROR(LexExpression(open, kind == '{' ? '}' : '%'));
    if (kind == '%' && tokens_.size() > first_token + 1 &&
        tokens_[first_token + 1].type == TokenType::kName) {
      std::string_view tag = tokens_[first_token + 1].text;
      if (tag == "raw") return LexRawBody(open, first_token, "endraw", /*keep_tags=*/false);
      if (tag == "docs") return LexRawBody(open, first_token, "enddocs", /*keep_tags=*/true);
    }
    return OkStatus();
  }

  Status LexComment(size_t open) {
    size_t close = source_.find("#}", pos_);
    if (close == std::string_view::npos) {
      return Error(source_.size(), "expected '#}' to close the comment at " +
                                       LineCol(source_, static_cast<uint32_t>(open)) +
                                       ", found end of file");
    }
    strip_next_text_ = close > pos_ && source_[close - 1] == '-';
    pos_ = close + 2;
    return OkStatus();
  }

  // Tokens up to the closer ("}}" or "%}", optionally "-}}"/"-%}").
  Status LexExpression(size_t open, char closer) {
    std::string brackets;  // the open brackets, innermost last
    while (true) {
      while (pos_ < source_.size() && IsSpace(source_[pos_])) ++pos_;
      if (pos_ >= source_.size()) {
        std::string close = closer == '}' ? "}}" : "%}";
        std::string opened = closer == '}' ? "{{" : "{%";
        return Error(pos_, "expected '" + close + "' to close the '" + opened + "' at " +
                               LineCol(source_, static_cast<uint32_t>(open)) +
                               ", found end of file");
      }
      char c = source_[pos_];
      // A closer ends the tag unless it could close an open '{' (as in {'a': {'b': 1}}):
      // an unbalanced '(' or '[' is then reported by the parser, not as an unclosed tag.
      if (brackets.empty() || brackets.back() != '{' || closer == '%') {
        // +%} turns off trim_blocks, which is off anyway.
        bool marked = (c == '-' || (c == '+' && closer == '%')) && pos_ + 2 < source_.size() &&
                      source_[pos_ + 1] == closer && source_[pos_ + 2] == '}';
        bool dash = marked && c == '-';
        if (marked || (c == closer && pos_ + 1 < source_.size() && source_[pos_ + 1] == '}')) {
          tokens_.push_back(Token{closer == '}' ? TokenType::kVariableEnd : TokenType::kBlockEnd,
                                  static_cast<uint32_t>(pos_),
                                  source_.substr(pos_, 2),
                                  {}});
          pos_ += marked ? 3 : 2;
          strip_next_text_ = dash;
          return OkStatus();
        }
      }
      if (IsNameStart(c)) {
        size_t begin = pos_;
        while (pos_ < source_.size() && IsNameChar(source_[pos_])) ++pos_;
        Push(TokenType::kName, begin);
      } else if (IsDigit(c)) {
        RETURN_IF_ERROR(LexNumber());
      } else if (c == '\'' || c == '"') {
        RETURN_IF_ERROR(LexString());
      } else {
        RETURN_IF_ERROR(LexOperator(brackets));
      }
    }
  }

  void Push(TokenType type, size_t begin) {
    tokens_.push_back(
        Token{type, static_cast<uint32_t>(begin), source_.substr(begin, pos_ - begin), {}});
  }

  Status LexNumber() {
    size_t begin = pos_;
    bool is_float = false;
    std::string digits;
    auto take_digits = [&] {
      while (pos_ < source_.size() && (IsDigit(source_[pos_]) || source_[pos_] == '_')) {
        if (source_[pos_] != '_') digits += source_[pos_];
        ++pos_;
      }
    };
    take_digits();
    if (pos_ + 1 < source_.size() && source_[pos_] == '.' && IsDigit(source_[pos_ + 1])) {
      is_float = true;
      digits += source_[pos_++];
      take_digits();
    }
    if (pos_ < source_.size() && (source_[pos_] == 'e' || source_[pos_] == 'E')) {
      size_t save = pos_;
      std::string save_digits = digits;
      digits += source_[pos_++];
      if (pos_ < source_.size() && (source_[pos_] == '+' || source_[pos_] == '-')) {
        digits += source_[pos_++];
      }
      if (pos_ < source_.size() && IsDigit(source_[pos_])) {
        is_float = true;
        take_digits();
      } else {
        pos_ = save;
        digits = save_digits;
      }
    }
    Push(is_float ? TokenType::kFloat : TokenType::kInt, begin);
    Token& token = tokens_.back();
    const char* first = digits.data();
    const char* last = digits.data() + digits.size();
    if (is_float) {
      auto [end, ec] = std::from_chars(first, last, token.float_value);
      if (ec != std::errc()) return Error(begin, "invalid number '" + digits + "'");
    } else {
      auto [end, ec] = std::from_chars(first, last, token.int_value);
      if (ec != std::errc()) return Error(begin, "integer '" + digits + "' is out of range");
    }
    return OkStatus();
  }

  Status LexString() {
    size_t begin = pos_;
    char quote = source_[pos_++];
    std::string value;
    while (true) {
      if (pos_ >= source_.size()) {
        return Error(begin, std::string("unterminated string: expected ") + quote +
                                " to close the string, found end of file");
      }
      char c = source_[pos_++];
      if (c == quote) break;
      if (c != '\\' || pos_ >= source_.size()) {
        value += c;
        continue;
      }
      char escaped = source_[pos_++];
      switch (escaped) {
        case 'n':
          value += '\n';
          break;
        case 't':
          value += '\t';
          break;
        case 'r':
          value += '\r';
          break;
        case '0':
          value += '\0';
          break;
        case 'x':
        case 'u':
        case 'U': {
          size_t digits = escaped == 'x' ? 2 : escaped == 'u' ? 4 : 8;
          uint32_t code = 0;
          auto [end, ec] =
              std::from_chars(source_.data() + pos_,
                              source_.data() + std::min(pos_ + digits, source_.size()), code, 16);
          if (ec != std::errc() || end != source_.data() + pos_ + digits) {
            return Error(pos_ - 2, std::string("invalid \\") + escaped + " escape: expected " +
                                       std::to_string(digits) + " hex digits");
          }
          pos_ += digits;
          AppendUtf8(code, value);
          break;
        }
        case '\\':
        case '\'':
        case '"':
          value += escaped;
          break;
        case '\n':  // a backslash-newline continues the line
          break;
        default:  // Python keeps unknown escapes as written
          value += '\\';
          value += escaped;
      }
    }
    Push(TokenType::kString, begin);
    tokens_.back().value = std::move(value);
    return OkStatus();
  }

  Status LexOperator(std::string& brackets) {
    static constexpr std::string_view kTwoChar[] = {"**", "//", "==", "!=", "<=", ">="};
    size_t begin = pos_;
    for (std::string_view op : kTwoChar) {
      if (source_.substr(pos_, 2) == op) {
        pos_ += 2;
        Push(TokenType::kOperator, begin);
        return OkStatus();
      }
    }
    char c = source_[pos_];
    if (std::strchr("()[]{}.,:|~+-*/%<>=", c) == nullptr || c == '\0') {
      return Error(pos_, std::string("unexpected character '") + c + "'");
    }
    if (c == '(' || c == '[' || c == '{') brackets += c;
    if ((c == ')' || c == ']' || c == '}') && !brackets.empty()) brackets.pop_back();
    ++pos_;
    Push(TokenType::kOperator, begin);
    return OkStatus();
  }

  // After {% raw %} or {% docs name %}: the body up to the end tag is one text token.
  Status LexRawBody(size_t open, size_t first_token, std::string_view end_tag, bool keep_tags) {
    size_t search = pos_;
    while (true) {
      size_t at = source_.find("{%", search);
      if (at == std::string_view::npos) {
        std::string tag(tokens_[first_token + 1].text);
        return Error(source_.size(),
                     "expected '" + std::string(end_tag) + "' to close the '" + tag + "' at " +
                         LineCol(source_, static_cast<uint32_t>(open)) + ", found end of file");
      }
      size_t p = at + 2;
      bool strip_before = p < source_.size() && source_[p] == '-';
      if (strip_before) ++p;
      while (p < source_.size() && IsSpace(source_[p])) ++p;
      if (source_.substr(p, end_tag.size()) != end_tag ||
          (p + end_tag.size() < source_.size() && IsNameChar(source_[p + end_tag.size()]))) {
        search = at + 2;
        continue;
      }
      size_t name_at = p;
      p += end_tag.size();
      while (p < source_.size() && IsSpace(source_[p])) ++p;
      bool strip_after = p < source_.size() && source_[p] == '-';
      if (strip_after) ++p;
      if (source_.substr(p, 2) != "%}") {
        return Error(p, "expected '%}' after '" + std::string(end_tag) + "'");
      }
      if (!keep_tags) tokens_.resize(first_token);
      EmitText(pos_, at);
      if (strip_before) StripPreviousText();
      if (keep_tags) {
        tokens_.push_back(
            Token{TokenType::kBlockBegin, static_cast<uint32_t>(at), source_.substr(at, 2), {}});
        tokens_.push_back(Token{TokenType::kName,
                                static_cast<uint32_t>(name_at),
                                source_.substr(name_at, end_tag.size()),
                                {}});
        tokens_.push_back(
            Token{TokenType::kBlockEnd, static_cast<uint32_t>(p), source_.substr(p, 2), {}});
      }
      pos_ = p + 2;
      strip_next_text_ = strip_after;
      return OkStatus();
    }
  }

  std::string_view source_;
  const std::string& file_;
  size_t pos_ = 0;
  bool strip_next_text_ = false;
  std::vector<Token> tokens_;
};

}  // namespace

Result<std::vector<Token>> Tokenize(std::string_view source, const std::string& file) {
  return Lexer(source, file).Run();
}

}  // namespace shoplytics::transform::jinja::internal
