// `mage mcp`: the Model Context Protocol server (src/mcp/) on stdin and stdout.
#pragma once

namespace mage::cli {

// Serves until stdin ends. stdout carries protocol messages only; anything else goes to stderr.
int run_mcp();

}  // namespace mage::cli
