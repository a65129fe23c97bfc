// What authentication adds to a request: verifying a JWT whose key is already cached (the
// JWKS fetched once from a local provider), for each algorithm, plus the parse alone.
// Prints one JSON line per figure, median of the repetitions, as the other benchmarks do:
//   cmake -S . -B build-bench -G Ninja -DMINICRM_BENCH=ON && ninja -C build-bench minicrm_jwt_bench
//   build-bench/minicrm_jwt_bench --benchmark_repetitions=5
#include <benchmark/benchmark.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "auth/jwt.h"
#include "auth/verifier.h"
#include "support/jwks_server.h"
#include "support/jwt_fixtures.h"

namespace {

using namespace minicrm;
using namespace minicrm::testing;

constexpr long kNow = 1'750'000'000;
constexpr const char* kIss = "https://clerk.minicrm.test";

struct World {
  World()
      : server(jwksOf({rsaKey().jwk(), ecKey().jwk(), edKey().jwk()})),
        verifier(
            [&] {
              auth::RemoteJwksOptions o;
              o.url = server.jwksUrl();
              return std::vector<auth::Provider>{{"clerk",
                                                  {kIss},
                                                  std::nullopt,
                                                  {"http://localhost:5173"},
                                                  std::make_shared<auth::RemoteJwks>(o, "clerk")}};
            }(),
            auth::VerifierOptions{}) {
    // Warm the cache: the benchmark measures requests after the first.
    if (!verifier.verify(rsaKey().sign(clerkClaims(kNow), "RS256"), kNow * 1000, true).principal) {
      throw std::runtime_error("warm-up failed");
    }
  }
  JwksServer server;
  auth::JwtVerifier verifier;
};

World& world() {
  static World w;
  return w;
}

void verify(benchmark::State& state, const TestKey& key, const char* alg) {
  const std::string token = key.sign(clerkClaims(kNow), alg);
  auto& w = world();
  for (auto _ : state) {
    auto v = w.verifier.verify(token, kNow * 1000, /*allowNetwork=*/false);
    if (!v.principal) state.SkipWithError("refused");
    benchmark::DoNotOptimize(v);
  }
}

void BM_JwtVerifyRs256Cached(benchmark::State& s) {
  verify(s, rsaKey(), "RS256");
}
void BM_JwtVerifyEs256Cached(benchmark::State& s) {
  verify(s, ecKey(), "ES256");
}
void BM_JwtVerifyEdDsaCached(benchmark::State& s) {
  verify(s, edKey(), "EdDSA");
}
void BM_JwtParseOnly(benchmark::State& state) {
  const std::string token = rsaKey().sign(clerkClaims(kNow), "RS256");
  for (auto _ : state)
    benchmark::DoNotOptimize(auth::parseJwt(token));
}

BENCHMARK(BM_JwtVerifyRs256Cached);
BENCHMARK(BM_JwtVerifyEs256Cached);
BENCHMARK(BM_JwtVerifyEdDsaCached);
BENCHMARK(BM_JwtParseOnly);

// One JSON line per benchmark (the median when repeated), also appended to
// bench/out/results.jsonl.
class JsonLines : public benchmark::BenchmarkReporter {
 public:
  bool ReportContext(const Context&) override { return true; }
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& r : runs) {
      const bool repeated = r.repetitions > 1;
      if (repeated && r.aggregate_name != "median") continue;
      if (!repeated && r.run_type != Run::RT_Iteration) continue;
      const double us = r.GetAdjustedRealTime() / 1000.0;  // time unit: ns
      std::string name = r.run_name.function_name;
      const std::string line =
          "{\"bench\":\"" + name + "\",\"value\":" + std::to_string(us) +
          ",\"unit\":\"us/op\",\"repetitions\":" + std::to_string(r.repetitions) + "}";
      std::puts(line.c_str());
      std::filesystem::create_directories("bench/out");
      std::ofstream("bench/out/results.jsonl", std::ios::app) << line << '\n';
    }
  }
};

}  // namespace

int main(int argc, char** argv) {
  spdlog::set_level(spdlog::level::warn);
  benchmark::Initialize(&argc, argv);
  JsonLines reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
