#include "util/redact.hpp"

#include <algorithm>
#include <mutex>
#include <shared_mutex>
#include <vector>

#include <nlohmann/json.hpp>

namespace mage::util {

namespace {

std::shared_mutex& secrets_mutex() {
  static std::shared_mutex m;
  return m;
}
std::vector<std::string>& secrets() {
  static std::vector<std::string> s;
  return s;
}

void replace_all(std::string& text, const std::string& what) {
  const std::string with = kRedacted;
  for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + with.size()))
    text.replace(pos, what.size(), with);
}

}  // namespace

void register_secret(const std::string& secret) {
  if (secret.size() < kMinSecretBytes) return;
  std::vector<std::string> forms = {secret};
  // As it appears inside a JSON string (a `"` or `\` in a key is escaped there).
  std::string escaped = nlohmann::json(secret).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  escaped = escaped.substr(1, escaped.size() - 2);
  if (escaped != secret) forms.push_back(escaped);
  std::unique_lock lock(secrets_mutex());
  for (auto& f : forms)
    if (std::find(secrets().begin(), secrets().end(), f) == secrets().end()) secrets().push_back(std::move(f));
  // Longest first, so a secret that contains another is replaced whole.
  std::sort(secrets().begin(), secrets().end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
}

std::string redact(std::string text) {
  std::shared_lock lock(secrets_mutex());
  for (const auto& s : secrets()) replace_all(text, s);
  return text;
}

std::size_t find_control_character(const std::string& value) {
  for (std::size_t i = 0; i < value.size(); ++i) {
    auto c = static_cast<unsigned char>(value[i]);
    if (c < 0x20 || c == 0x7F) return i;
  }
  return std::string::npos;
}

}  // namespace mage::util
