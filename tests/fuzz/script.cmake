# tests/fuzz/script.cmake — the script plugin's fuzz target (included from
# tests/fuzz/CMakeLists.txt): the scrape-parameter allowlist, the one parser
# of untrusted input the plugin has of its own (program output goes through
# the exposition engine, fuzzed above).
set(_script_dir ${CMAKE_SOURCE_DIR}/plugins/script)
pe_add_fuzzer(fuzz_script_parameters
  SOURCES fuzz_script_parameters.cpp
          ${_script_dir}/parameter_policy.cpp
  LIBS PkgConfig::RE2)
target_include_directories(fuzz_script_parameters PRIVATE ${_script_dir})
