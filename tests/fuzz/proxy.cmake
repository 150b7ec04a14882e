# tests/fuzz/proxy.cmake — the proxy plugin's parser of untrusted input (the
# HTTP/1.x responses of backends), included from tests/fuzz/CMakeLists.txt.
pe_add_fuzzer(fuzz_proxy_http_response)
target_sources(fuzz_proxy_http_response PRIVATE
  ${PROJECT_SOURCE_DIR}/plugins/proxy/http_response_parser.cpp)
target_include_directories(fuzz_proxy_http_response PRIVATE ${PROJECT_SOURCE_DIR}/plugins/proxy)
