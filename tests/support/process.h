// Runs the minicrm binary as a child process, for tests of signals, exit codes and flags.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

namespace minicrm::testing {

struct ProcessResult {
  int exitCode = -1;   // -1 when killed by a signal
  std::string output;  // stdout and stderr together
};

class Process {
 public:
  // Starts `args` (args[0] is the program) with `env` added to (or replacing in) the
  // current environment; names mapped to "" are removed. Output goes to a temp file.
  Process(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
          const std::string& workDir = "");
  ~Process();
  pid_t pid() const { return pid_; }
  void signal(int sig);
  // Waits up to `timeoutMs`; kills the child with SIGKILL when it does not exit in time.
  ProcessResult wait(int timeoutMs = 20000);

 private:
  pid_t pid_ = -1;
  std::string outputPath_;
  bool waited_ = false;
};

// Runs to completion.
ProcessResult runProcess(const std::vector<std::string>& args,
                         const std::map<std::string, std::string>& env = {},
                         const std::string& workDir = "");

// A TCP port on 127.0.0.1 that was free a moment ago.
int freePort();

// Polls GET /healthz on 127.0.0.1:port for up to 5 s; true once it answers 200.
bool waitHealthy(int port);

}  // namespace minicrm::testing
