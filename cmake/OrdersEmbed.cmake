# OrdersEmbed.cmake - embed a text file in a C program as a byte array.
#
#   include(OrdersEmbed)
#   orders_embed_text(INPUT <file> OUTPUT <file.c> SYMBOL <name>)
#
# Adds a custom command that writes OUTPUT at build time, and again whenever
# INPUT (or the generator script) changes.  OUTPUT defines
#
#   const char <name>[];            the file's bytes, then one NUL
#   const unsigned long <name>_len; the byte count, without the NUL
#
# List OUTPUT among a target's sources; declare the two symbols where they
# are used (extern const char <name>[]; extern const unsigned long
# <name>_len;).  The file may hold NUL bytes itself: use <name>_len, not
# strlen.  A relative INPUT is taken from the calling CMakeLists' source
# directory, a relative OUTPUT from its build directory.
#
# The work is done by OrdersEmbedRun.cmake in cmake -P script mode, so the
# build needs no tool besides CMake (no xxd, no Python).

include_guard(GLOBAL)

# Captured here: inside the function CMAKE_CURRENT_LIST_DIR is the caller's.
set(_ORDERS_EMBED_RUN "${CMAKE_CURRENT_LIST_DIR}/OrdersEmbedRun.cmake")

function(orders_embed_text)
    cmake_parse_arguments(PARSE_ARGV 0 ARG "" "INPUT;OUTPUT;SYMBOL" "")
    if(ARG_UNPARSED_ARGUMENTS)
        message(FATAL_ERROR "orders_embed_text: unknown arguments: ${ARG_UNPARSED_ARGUMENTS}")
    endif()
    foreach(_key INPUT OUTPUT SYMBOL)
        if(NOT ARG_${_key})
            message(FATAL_ERROR "orders_embed_text: ${_key} is required")
        endif()
    endforeach()
    if(NOT ARG_SYMBOL MATCHES "^[A-Za-z_][A-Za-z0-9_]*$")
        message(FATAL_ERROR "orders_embed_text: SYMBOL \"${ARG_SYMBOL}\" is not a C identifier")
    endif()

    get_filename_component(_input "${ARG_INPUT}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
    get_filename_component(_output "${ARG_OUTPUT}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_BINARY_DIR}")
    if(NOT EXISTS "${_input}")
        message(FATAL_ERROR "orders_embed_text: INPUT ${_input} does not exist")
    endif()

    file(RELATIVE_PATH _shown "${CMAKE_BINARY_DIR}" "${_output}")
    add_custom_command(
        OUTPUT "${_output}"
        COMMAND "${CMAKE_COMMAND}"
                "-DINPUT=${_input}" "-DOUTPUT=${_output}" "-DSYMBOL=${ARG_SYMBOL}"
                -P "${_ORDERS_EMBED_RUN}"
        DEPENDS "${_input}" "${_ORDERS_EMBED_RUN}"
        COMMENT "Embedding ${ARG_INPUT} as ${ARG_SYMBOL} (${_shown})"
        VERBATIM)
endfunction()
