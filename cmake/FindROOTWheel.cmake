# Locate ROOT and expose it as the interface target `higgshunt_root`, plus HIGGSHUNT_ROOT_LIBDIR.
#
# 1. find_package(ROOT) where ROOT ships a working CMake package (LCG views, conda-forge, source builds).
# 2. The PyPI wheel (`pip install root`): its ROOTConfig.cmake and root-config point at a non-existent
#    site-packages/ROOT/mock_site_packages/ROOT/..., so we ask the Python interpreter where the ROOT package
#    lives and use its include/ and lib/ folders directly. Nothing in site-packages is edited.
set(_higgshunt_root_libs Core RIO Tree ROOTVecOps MathCore)

find_package(ROOT 6.28 CONFIG QUIET)
if(ROOT_FOUND AND EXISTS "${ROOT_INCLUDE_DIRS}/RVersion.h")
  message(STATUS "ROOT ${ROOT_VERSION} from its CMake package: ${ROOT_INCLUDE_DIRS}")
  add_library(higgshunt_root INTERFACE)
  foreach(_lib IN LISTS _higgshunt_root_libs)
    target_link_libraries(higgshunt_root INTERFACE ROOT::${_lib})
  endforeach()
  set(HIGGSHUNT_ROOT_LIBDIR "${ROOT_LIBRARY_DIR}")
else()
  execute_process(
    COMMAND "${Python_EXECUTABLE}" -c
      "import importlib.util as u; s = u.find_spec('ROOT'); print(s.submodule_search_locations[0] if s else '')"
    OUTPUT_VARIABLE _root_pkg OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT _root_pkg OR NOT EXISTS "${_root_pkg}/include/RVersion.h")
    message(FATAL_ERROR "ROOT not found: neither find_package(ROOT) nor the Python package of "
                        "${Python_EXECUTABLE} provides ROOT headers. Install ROOT (pip install root) or "
                        "set ROOT_DIR.")
  endif()
  message(STATUS "ROOT from the Python package: ${_root_pkg}")
  set(HIGGSHUNT_ROOT_LIBDIR "${_root_pkg}/lib")
  add_library(higgshunt_root INTERFACE)
  target_include_directories(higgshunt_root SYSTEM INTERFACE "${_root_pkg}/include")
  foreach(_lib IN LISTS _higgshunt_root_libs)
    find_library(_path_${_lib} NAMES ${_lib} PATHS "${HIGGSHUNT_ROOT_LIBDIR}" NO_DEFAULT_PATH REQUIRED)
    target_link_libraries(higgshunt_root INTERFACE "${_path_${_lib}}")
  endforeach()
  # Matches the flags ROOT itself was built with (root-config --cflags).
  target_compile_options(higgshunt_root INTERFACE -pthread -fsized-deallocation)
  target_link_options(higgshunt_root INTERFACE -pthread)
endif()
