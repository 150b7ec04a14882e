# tests/fuzz/script.cmake — the script plugin's fuzz target (included from
# tests/fuzz/CMakeLists.txt): the scrape-parameter allowlist, the one parser
# of untrusted input the plugin has of its own (program output goes through
# the exposition engine, fuzzed above). Source: tests/script/.
set(_script_dir ${CMAKE_SOURCE_DIR}/plugins/script)
add_executable(fuzz_script_parameters
  ${CMAKE_SOURCE_DIR}/tests/script/fuzz_script_parameters.cpp
  ${_script_dir}/parameter_policy.cpp)
target_include_directories(fuzz_script_parameters PRIVATE ${_script_dir})
target_compile_options(fuzz_script_parameters PRIVATE ${PE_FUZZ_FLAGS})
target_link_options(fuzz_script_parameters PRIVATE ${PE_FUZZ_FLAGS})
target_link_libraries(fuzz_script_parameters PRIVATE plugin_exporter_headers PkgConfig::RE2)
pe_target_warnings(fuzz_script_parameters)
add_dependencies(fuzzers fuzz_script_parameters)
