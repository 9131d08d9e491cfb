# Writes the C++ block that follows the README heading "## The patterns, in C++" into OUTPUT as
# one program: its #include lines at the top, then tour_prelude.hpp (the names the tour leaves to
# the reader: values, items, process, ...), then every other line inside `int main(argc, argv)`,
# followed by tour_checks.hpp (which checks the tour's results against sequential references).
#   cmake -DREADME=README.md -DOUTPUT=tour.cpp -P extract_tour.cmake
file(STRINGS "${README}" lines)
set(state seek)
set(includes "")
set(body "")
foreach(line IN LISTS lines)
  if(state STREQUAL "seek")
    if(line MATCHES "^## The patterns, in C\\+\\+")
      set(state heading)
    endif()
  elseif(state STREQUAL "heading")
    if(line MATCHES "^```cpp")
      set(state block)
    endif()
  elseif(state STREQUAL "block")
    if(line MATCHES "^```")
      set(state done)
      break()
    elseif(line MATCHES "^#include")
      string(APPEND includes "${line}\n")
    else()
      string(APPEND body "  ${line}\n")
    endif()
  endif()
endforeach()
if(NOT state STREQUAL "done")
  message(FATAL_ERROR "extract_tour: no ```cpp block after '## The patterns, in C++' in ${README}")
endif()
if(NOT includes STREQUAL "#include <hypar/hypar.hpp>\n")
  message(FATAL_ERROR "extract_tour: the README's tour must include exactly <hypar/hypar.hpp>, "
                      "found:\n${includes}")
endif()
file(WRITE "${OUTPUT}.tmp"
  "// Generated from README.md by tests/docs/extract_tour.cmake: do not edit.\n"
  "${includes}\n#include \"tour_prelude.hpp\"\n\n"
  "int main(int argc, char** argv) {\n${body}\n#include \"tour_checks.hpp\"\n}\n")
# Only touch the output when it changed, so an unrelated README edit rebuilds nothing.
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
