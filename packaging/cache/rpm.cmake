# rpm.cmake — initial cache for the RPM packages (make package):
#   cmake -C packaging/cache/rpm.cmake -S . -B build-package-rpm -G Ninja
# Libraries and plugins go to /usr/lib64 (%{_libdir} on 64-bit RPM systems).
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)
set(PE_PACKAGE_FORMAT RPM CACHE STRING "")
set(CMAKE_INSTALL_LIBDIR lib64 CACHE PATH "")
