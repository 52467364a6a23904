// `mage mcp`: connects the MCP server to the process's stdin and stdout. stdout belongs to the protocol,
// so nothing else may write there; a client that goes away ends the server instead of killing it.
#include "cli/mcp_command.hpp"

#include <csignal>
#include <cstdio>
#include <iostream>

#include "mcp/server.hpp"

namespace mage::cli {

int run_mcp() {
  // A closed pipe makes the write fail (and the server return) rather than raise SIGPIPE.
  std::signal(SIGPIPE, SIG_IGN);
  std::ios::sync_with_stdio(false);
  std::fprintf(stderr, "mage mcp: serving the Model Context Protocol on stdin/stdout (end with EOF)\n");
  int code = mcp::serve(std::cin, std::cout);
  if (code != 0) std::fprintf(stderr, "mage mcp: the client closed the connection\n");
  return code;
}

}  // namespace mage::cli
