# common.cmake — initial cache (cmake -C) shared by the deb and rpm package
# builds: a Release build installed under /usr, without tests or benchmarks,
# with the hardening flags Debian's dpkg-buildflags and Fedora's redhat-rpm-config
# give every packaged C/C++ program (stack protector, fortified libc calls,
# format-string checks, full RELRO and immediate binding), at -O2 as both
# distributions build their packages (CMake's Release default is -O3).
set(CMAKE_BUILD_TYPE Release CACHE STRING "")
set(CMAKE_C_FLAGS_RELEASE "-O2 -DNDEBUG" CACHE STRING "")
set(CMAKE_CXX_FLAGS_RELEASE "-O2 -DNDEBUG" CACHE STRING "")
set(CMAKE_INSTALL_PREFIX /usr CACHE PATH "")
set(PE_BUILD_TESTS OFF CACHE BOOL "")
set(PE_BUILD_BENCH OFF CACHE BOOL "")
set(PE_HARDENING_COMPILE_FLAGS
    "-fstack-protector-strong -fstack-clash-protection -D_FORTIFY_SOURCE=2 -Wformat -Werror=format-security")
set(PE_HARDENING_LINK_FLAGS "-Wl,-z,relro -Wl,-z,now")
set(CMAKE_C_FLAGS "${PE_HARDENING_COMPILE_FLAGS}" CACHE STRING "")
set(CMAKE_CXX_FLAGS "${PE_HARDENING_COMPILE_FLAGS}" CACHE STRING "")
set(CMAKE_EXE_LINKER_FLAGS "${PE_HARDENING_LINK_FLAGS}" CACHE STRING "")
set(CMAKE_SHARED_LINKER_FLAGS "${PE_HARDENING_LINK_FLAGS}" CACHE STRING "")
set(CMAKE_MODULE_LINKER_FLAGS "${PE_HARDENING_LINK_FLAGS}" CACHE STRING "")
