// The concise language reference (docs/language-reference.md), embedded at build time by
// cmake/embed_text.cmake: the LLM prompt and the MCP server hand models the very text of the docs.
#pragma once

#include <string_view>

namespace mage::llm {

// The whole Markdown document.
std::string_view language_reference();

}  // namespace mage::llm
