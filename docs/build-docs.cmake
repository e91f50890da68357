# Runs Doxygen on a configured Doxyfile (docs/Doxyfile.in) from a clean
# output directory: used by the `docs` target and by the `docs_build` test.
#
#   cmake -DDOXYGEN=... -DDOXYFILE=.../Doxyfile -DOUTPUT=... -DMATHJAX_DIR=... -P docs/build-docs.cmake
#
# Fails when Doxygen prints any warning (FAIL_ON_WARNINGS) and when the HTML
# would load MathJax from anywhere but the local copy (no network).
foreach(var DOXYGEN DOXYFILE OUTPUT MATHJAX_DIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "build-docs.cmake: -D${var}=... is required")
  endif()
endforeach()
if(NOT EXISTS "${MATHJAX_DIR}/MathJax.js")
  message(FATAL_ERROR "no MathJax.js in ${MATHJAX_DIR}: install Debian's libjs-mathjax "
                      "(tools/install-deps.sh) or set JLATTN_MATHJAX_DIR")
endif()
find_program(BIBTEX bibtex)
if(NOT BIBTEX)
  message(FATAL_ERROR "bibtex not found (Doxygen needs it for \\cite): install Debian's "
                      "texlive-binaries (tools/install-deps.sh)")
endif()

string(TIMESTAMP start "%s")
file(REMOVE_RECURSE "${OUTPUT}/html")
file(MAKE_DIRECTORY "${OUTPUT}/html")
# MATHJAX_RELPATH = mathjax: a link, not a copy (the Debian tree is ~30 MB).
file(CREATE_LINK "${MATHJAX_DIR}" "${OUTPUT}/html/mathjax" SYMBOLIC)

# Without a full TeX installation kpathsea searches no directory at all;
# BIBINPUTS/BSTINPUTS make bibtex read the .bib and .bst Doxygen writes into
# its working directory (the trailing ':' keeps TeX's default path).
execute_process(
  COMMAND "${CMAKE_COMMAND}" -E env BIBINPUTS=.: BSTINPUTS=.: "${DOXYGEN}" "${DOXYFILE}"
  WORKING_DIRECTORY "${OUTPUT}"
  RESULT_VARIABLE status
  ERROR_VARIABLE warnings)
if(warnings)
  message("${warnings}")
endif()
if(NOT status EQUAL 0 OR warnings MATCHES "(warning|error):")
  message(FATAL_ERROR "Doxygen failed (status ${status}): every warning is an error, see above")
endif()

file(READ "${OUTPUT}/html/index.html" index)
if(NOT index MATCHES "src=\"mathjax/MathJax.js")
  message(FATAL_ERROR "index.html does not load the local mathjax/MathJax.js")
endif()
if(index MATCHES "https?://[^\"]*mathjax")
  message(FATAL_ERROR "index.html refers to a MathJax on the network")
endif()
string(TIMESTAMP stop "%s")
math(EXPR seconds "${stop} - ${start}")
message(STATUS "Documentation: ${OUTPUT}/html/index.html (0 warnings, ${seconds} s)")
