# Sanitizers.cmake — PE_SANITIZE="address;undefined" or "thread" instruments everything we build.
if(PE_SANITIZE)
  string(REPLACE ";" "," _pe_san "${PE_SANITIZE}")
  add_compile_options(-fsanitize=${_pe_san} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${_pe_san})
  # Plugins are linked with -z,defs: the sanitizer runtime lives in the executable.
  set(PE_SANITIZER_BUILD ON)
  if("thread" IN_LIST PE_SANITIZE AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # Boost.Asio's handler fences (std::atomic_thread_fence) make g++ 12 warn
    # under TSan. The handoffs they order also go through the scheduler's
    # mutex, which TSan does see, so the warning is not a blind spot here.
    add_compile_options(-Wno-tsan)
  endif()
endif()
