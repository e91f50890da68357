# The manual page jlattn.1 by help2man: the synopsis, options and exit codes
# from `jlattn --help`, the version from `jlattn --version`, and a section
# SUBCOMMANDS with each subcommand's own --help (read from the top-level
# help's list, so a new subcommand appears without editing this file).
#
#   cmake -DHELP2MAN=help2man -DJLATTN=build/bin/jlattn -DOUTPUT=build/man/jlattn.1 -P cmake/manpage.cmake
get_filename_component(bin_dir ${JLATTN} DIRECTORY)
get_filename_component(out_dir ${OUTPUT} DIRECTORY)
file(MAKE_DIRECTORY ${out_dir})
# Run as `jlattn` from PATH, so the page says "jlattn", not the build path.
set(ENV{PATH} "${bin_dir}:$ENV{PATH}")

execute_process(COMMAND jlattn --help OUTPUT_VARIABLE top RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "jlattn --help failed (${rc})")
endif()
string(REGEX MATCH "Subcommands:\n(.*)" listing "${top}")
string(REGEX MATCHALL "\n  ([a-z][a-z-]*) " names "\n${CMAKE_MATCH_1}")

string(CONCAT include "[DESCRIPTION]\n"
    "jlattn implements the theorem of Likhosherstov, Choromanski and Weller (arXiv 2106.03764): fixed attention "
    "parameters W_Q, W_K with query dimension d = O(log L) approximate every sparse L x L attention pattern by "
    "changing only the input X. It constructs X, certifies the emitted matrices in exact arithmetic, proves the "
    "dimension bounds and writes the proof out on an instance.\n\n[SUBCOMMANDS]\n")
foreach(entry IN LISTS names)
  string(STRIP "${entry}" name)
  execute_process(COMMAND jlattn ${name} --help OUTPUT_VARIABLE help RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "jlattn ${name} --help failed (${rc})")
  endif()
  # roff: a backslash is \e, a line starting with . or ' is protected by \&.
  string(REPLACE "\\" "\\e" help "${help}")
  string(REGEX REPLACE "(^|\n)([.'])" "\\1\\\\&\\2" help "${help}")
  string(APPEND include ".SS \"jlattn ${name}\"\n.nf\n${help}.fi\n")
endforeach()
file(WRITE ${out_dir}/jlattn.h2m "${include}")

execute_process(COMMAND ${HELP2MAN} --no-info --no-discard-stderr
                        "--name=a reference implementation of the expressive power of self-attention matrices"
                        --include=${out_dir}/jlattn.h2m --output=${OUTPUT} jlattn
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "help2man failed (${rc})")
endif()
