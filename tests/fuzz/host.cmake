# tests/fuzz/host.cmake — the host's own parsers of untrusted input: HTTP
# request framing (Beast's parser with our limits and checks), and the
# Authorization header (bearer and basic schemes, base64, user:password)
# through the real Authenticator, remote write answers and bodies. Included from tests/fuzz/CMakeLists.txt.
set(_host_dir ${CMAKE_SOURCE_DIR}/host)
pe_add_fuzzer(fuzz_authorization_header
  SOURCES fuzz_authorization_header.cpp
          ${_host_dir}/auth/authenticator.cpp ${_host_dir}/auth/bcrypt_verifier.cpp
          ${_host_dir}/auth/constant_time.cpp ${_host_dir}/auth/role.cpp
  LIBS pe_fuzz_exposition Poco::Foundation crypt OpenSSL::Crypto)
target_include_directories(fuzz_authorization_header PRIVATE ${_host_dir})
target_link_libraries(fuzz_authorization_header PRIVATE tomlplusplus::tomlplusplus)

# Request framing of the HTTP server (Beast's parser + our checks).
pe_add_fuzzer(fuzz_request_framing
  SOURCES fuzz_request_framing.cpp ${_host_dir}/http/request_framing.cpp
  LIBS Boost::headers)
target_include_directories(fuzz_request_framing PRIVATE ${_host_dir})

# Remote write: what the sender parses from a receiver's answer (Retry-After).
pe_add_fuzzer(fuzz_remote_write_answer
  SOURCES fuzz_remote_write_answer.cpp ${_host_dir}/remote_write/retry_policy.cpp
  LIBS pe_fuzz_exposition)
target_include_directories(fuzz_remote_write_answer PRIVATE ${_host_dir})

# Remote write bodies read back from the durable queue (CRC-checked, but a
# 2.0 batch is decoded again to downgrade it): the 1.0 and 2.0 decoders and
# the downgrade. The schemas are generated here too (cheap), so the fuzz
# build does not wait for the whole host library.
find_package(Protobuf REQUIRED)  # imported targets are directory-scoped: find it here too
protobuf_generate_cpp(_rw_proto_srcs _rw_proto_hdrs ${_host_dir}/remote_write/remote_write.proto
                      ${_host_dir}/remote_write/remote_write_v2.proto)
set_source_files_properties(${_rw_proto_srcs} PROPERTIES COMPILE_OPTIONS "-w")
pe_add_fuzzer(fuzz_remote_write_body
  SOURCES fuzz_remote_write_body.cpp ${_host_dir}/remote_write/write_request_encoder.cpp ${_rw_proto_srcs}
  LIBS pe_fuzz_exposition protobuf::libprotobuf-lite Snappy::snappy)
target_include_directories(fuzz_remote_write_body PRIVATE ${_host_dir})
target_include_directories(fuzz_remote_write_body SYSTEM PRIVATE ${CMAKE_CURRENT_BINARY_DIR})
target_compile_definitions(fuzz_remote_write_body PRIVATE PE_VERSION="${PROJECT_VERSION}")

# The JSON reader of plugins' status documents (the status page).
pe_add_fuzzer(fuzz_json_value SOURCES fuzz_json_value.cpp ${_host_dir}/http/json_value.cpp)
target_include_directories(fuzz_json_value PRIVATE ${_host_dir})

# The dial-in frame codec: what a hub reads from agents and agents from a hub.
pe_add_fuzzer(fuzz_dialin_frame
  SOURCES fuzz_dialin_frame.cpp ${_host_dir}/dialin/dialin_frame.cpp ${_host_dir}/http/json_value.cpp
          ${_host_dir}/config/agent_names.cpp)
target_include_directories(fuzz_dialin_frame PRIVATE ${_host_dir})

# The dial-in hub's registry file (its state file, read back at start).
pe_add_fuzzer(fuzz_dialin_registry_file
  SOURCES fuzz_dialin_registry_file.cpp ${_host_dir}/dialin/registry_file.cpp
          ${_host_dir}/http/json_value.cpp ${_host_dir}/config/agent_names.cpp)
target_include_directories(fuzz_dialin_registry_file PRIVATE ${_host_dir})

# isolation = "process": what the host decodes from a (possibly hostile)
# collector-runner child — the frame stream off its socket, collect batches
# replayed into the real sink, HTTP answers.
pe_add_fuzzer(fuzz_runner_protocol
  SOURCES fuzz_runner_protocol.cpp ${_host_dir}/isolation/runner_protocol.cpp
          ${_host_dir}/isolation/frame_stream.cpp ${_host_dir}/isolation/reply_decoder.cpp
          ${_host_dir}/plugin/collect_sink.cpp)
target_include_directories(fuzz_runner_protocol PRIVATE ${_host_dir})
