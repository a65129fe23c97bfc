// `minicrm vendor-sim`: the vendor simulator as its own HTTP server, for crash tests and
// benchmarks where the vendor must outlive MiniCRM.
#pragma once

#include <cstdint>
#include <string>

#include "vendor/simulator.h"

namespace minicrm::cli {

struct VendorSimSettings {
  std::string host = "127.0.0.1";
  int port = 9000;
  vendor::SimulatorOptions simulator;
};

// Serves until SIGINT/SIGTERM; returns the process exit code.
int runVendorSim(const VendorSimSettings& settings);

}  // namespace minicrm::cli
