# PluginExporterPlugin.cmake — pe_add_plugin(): builds one collector plugin as a
# shared object the way the ABI rules want it: only the entry symbol visible
# (-fvisibility=hidden), nothing undefined left to chance (-z defs), no "lib"
# prefix, so `plugin = "NAME"` finds NAME.so in the plugin directory.
# Shipped with the SDK so third-party plugins build the same way.
#
#   pe_add_plugin(NAME SOURCES a.cpp b.cpp [OUTPUT_DIRECTORY dir])
set(PE_PLUGIN_EXPORTS_MAP ${CMAKE_CURRENT_LIST_DIR}/plugin_exports.map)

function(pe_add_plugin name)
  cmake_parse_arguments(ARG "" "OUTPUT_DIRECTORY" "SOURCES" ${ARGN})
  add_library(${name} MODULE ${ARG_SOURCES})
  set_target_properties(${name} PROPERTIES
    PREFIX ""
    C_VISIBILITY_PRESET hidden
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  if(ARG_OUTPUT_DIRECTORY)
    set_target_properties(${name} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${ARG_OUTPUT_DIRECTORY})
  endif()
  target_link_options(${name} PRIVATE -Wl,--version-script=${PE_PLUGIN_EXPORTS_MAP})
  set_property(TARGET ${name} APPEND PROPERTY LINK_DEPENDS ${PE_PLUGIN_EXPORTS_MAP})
  # Sanitizer runtimes are provided by the executable, so -z defs cannot hold there.
  if(NOT PE_SANITIZER_BUILD)
    target_link_options(${name} PRIVATE -Wl,-z,defs)
  endif()
endfunction()
