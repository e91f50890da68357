# The ctest package_consumer: `cmake --install` the build into a fresh
# temporary prefix, check what it holds (the command, the library, the public
# headers and only those, the CMake package, the manual page), then configure,
# build and run the project of tests/package/consumer/ against it.
#
#   cmake -DBUILD_DIR=build -DCONSUMER=tests/package/consumer -DCXX=g++ [-DLAUNCHER=ccache]
#         [-DMANPAGE=ON] -P tests/package/consumer_test.cmake
function(run what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${what} failed (${rc}):\n${out}\n${err}\n(kept: ${work})")
  endif()
  set(output "${out}" PARENT_SCOPE)
endfunction()

string(RANDOM LENGTH 10 ALPHABET abcdefghijklmnopqrstuvwxyz0123456789 suffix)
set(temp "$ENV{TMPDIR}")
if(temp STREQUAL "")
  set(temp /tmp)
endif()
set(work ${temp}/jlattn-package-${suffix})
set(prefix ${work}/prefix)
file(MAKE_DIRECTORY ${work})

run("cmake --install" ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})
set(expected bin/jlattn lib/libjlattn.a lib/cmake/jlattn/jlattnConfig.cmake
             lib/cmake/jlattn/jlattnConfigVersion.cmake lib/cmake/jlattn/jlattnTargets.cmake
             include/jlattn/pipeline/construction.hpp include/jlattn/certify/certificate.hpp
             include/jlattn/bounds/rigorous_bounds.hpp include/jlattn/core/enclosure.hpp)
if(MANPAGE)
  list(APPEND expected share/man/man1/jlattn.1)
endif()
foreach(file IN LISTS expected)
  if(NOT EXISTS ${prefix}/${file})
    message(FATAL_ERROR "the installed tree has no ${file} (kept: ${work})")
  endif()
endforeach()
# The private headers stay private, and no installed header includes
# MPFR, MPFI or Boost.
foreach(file IN ITEMS include/jlattn/core/multiprecision.hpp include/jlattn/bounds/bounds_internal.hpp
                      include/jlattn/certify/certificate_exact.hpp include/jlattn/certify/certificate_filter.hpp)
  if(EXISTS ${prefix}/${file})
    message(FATAL_ERROR "the private header ${file} was installed (kept: ${work})")
  endif()
endforeach()
file(GLOB_RECURSE installed ${prefix}/include/*.hpp)
foreach(header IN LISTS installed)
  file(STRINGS ${header} lines REGEX "#include <(mpfr|mpfi|gmp|boost/)")
  if(lines)
    message(FATAL_ERROR "${header} includes a private dependency: ${lines} (kept: ${work})")
  endif()
endforeach()
run("the installed jlattn --version" ${prefix}/bin/jlattn --version)
if(NOT output MATCHES "^jlattn [0-9]+\\.[0-9]+\\.[0-9]+\n$")
  message(FATAL_ERROR "the installed jlattn --version printed '${output}'")
endif()

set(configure ${CMAKE_COMMAND} -S ${CONSUMER} -B ${work}/build -DCMAKE_BUILD_TYPE=Release
              -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_CXX_COMPILER=${CXX})
if(LAUNCHER)
  list(APPEND configure -DCMAKE_CXX_COMPILER_LAUNCHER=${LAUNCHER})
endif()
run("configuring the consumer" ${configure})
run("building the consumer" ${CMAKE_COMMAND} --build ${work}/build)
run("running the consumer" ${work}/build/consumer)
message(STATUS "${output}")
if(NOT output STREQUAL "consumer: d = 434 certified, d* = 3690, report ok\n")
  message(FATAL_ERROR "the consumer printed '${output}' (kept: ${work})")
endif()
file(REMOVE_RECURSE ${work})
