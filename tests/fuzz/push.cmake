# tests/fuzz/push.cmake — the push plugin's fuzz targets (to be included from
# tests/fuzz/CMakeLists.txt): grouping-key paths and query strings, push
# bodies in text/OpenMetrics (plain and gzip) and delimited protobuf, and the
# state records read back at start. The plugin's core library is rebuilt
# here with coverage and sanitizer instrumentation from the push_core
# target's own source list. Sources: tests/fuzz/fuzz_push_*.cpp.
find_package(Protobuf REQUIRED)  # imported targets are directory-scoped: find it here too
get_target_property(_push_sources push_core SOURCES)
get_target_property(_push_dir push_core SOURCE_DIR)
set(_push_fuzz_sources "")
foreach(_src IN LISTS _push_sources)
  if(IS_ABSOLUTE "${_src}")
    list(APPEND _push_fuzz_sources ${_src})  # the generated protobuf code
  else()
    list(APPEND _push_fuzz_sources ${_push_dir}/${_src})
  endif()
endforeach()
add_library(pe_fuzz_push STATIC ${_push_fuzz_sources})
add_dependencies(pe_fuzz_push push_core)  # the protobuf sources are generated there
target_include_directories(pe_fuzz_push PUBLIC ${_push_dir})
target_include_directories(pe_fuzz_push SYSTEM PUBLIC ${CMAKE_BINARY_DIR}/plugins/push)
target_link_libraries(pe_fuzz_push PUBLIC pe_fuzz_exposition protobuf::libprotobuf-lite ZLIB::ZLIB Threads::Threads)
target_compile_options(pe_fuzz_push PRIVATE -fsanitize=fuzzer-no-link,address,undefined
                       -fno-sanitize-recover=all -fno-omit-frame-pointer)

foreach(_target fuzz_push_grouping_key fuzz_push_text_body fuzz_push_protobuf_body fuzz_push_state_record)
  pe_add_fuzzer(${_target} SOURCES ${_target}.cpp LIBS pe_fuzz_push)
endforeach()
