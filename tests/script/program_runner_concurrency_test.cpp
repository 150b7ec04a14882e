// program_runner_concurrency_test.cpp — run_program from many threads at
// once (fork while other threads hold pipes): each run sees only its own
// output and exit code.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "program_runner.hpp"
#include "script_test_support.hpp"

using namespace pe::script;
using namespace script_test;

// Many programs at once from many threads: each run sees only its own output.
TEST(ProgramRunnerConcurrency, ParallelRunsKeepTheirOutputApart) {
  constexpr int kThreads = 12;
  std::vector<std::thread> threads;
  std::vector<std::string> outputs(kThreads);
  std::vector<int> codes(kThreads, -1);
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      ProgramSpec spec =
          ProgramSpec{{"/bin/sh", "-c",
                       "i=0; while [ $i -lt 200 ]; do echo \"t $N $i\"; i=$((i+1)); done; exit $N"},
                      {"N=" + std::to_string(i)},
                      "/",
                      std::nullopt};
      RunResult r = run_program(
          spec, RunLimits{monotonic_ns() + 20'000'000'000, 300'000'000, 1u << 20, 4096, -1});
      outputs[i] = r.stdout_data;
      codes[i] = r.exit_code;
    });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < kThreads; ++i) {
    EXPECT_EQ(codes[i], i);
    EXPECT_EQ(count_lines_in(outputs[i]), 200u);
    EXPECT_EQ(outputs[i].find("t " + std::to_string(i) + " 199\n") != std::string::npos, true);
    for (int j = 0; j < kThreads; ++j)
      if (j != i) {
        EXPECT_EQ(outputs[i].find("t " + std::to_string(j) + " "), std::string::npos);
      }
  }
}
