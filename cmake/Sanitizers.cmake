# Sanitizers.cmake — PE_SANITIZE="address;undefined" or "thread" instruments everything we build.
if(PE_SANITIZE)
  string(REPLACE ";" "," _pe_san "${PE_SANITIZE}")
  add_compile_options(-fsanitize=${_pe_san} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${_pe_san})
  # Plugins are linked with -z,defs: the sanitizer runtime lives in the executable.
  set(PE_SANITIZER_BUILD ON)
endif()
