# cmake -DINPUT=<file> -DOUTPUT=<file.c> -DSYMBOL=<name> -P OrdersEmbedRun.cmake
#
# Writes OUTPUT, a C file defining
#   const char SYMBOL[]             the bytes of INPUT, then one NUL
#   const unsigned long SYMBOL_len  the byte count of INPUT, without the NUL
# Called by orders_embed_text (OrdersEmbed.cmake) at build time.
foreach(_v INPUT OUTPUT SYMBOL)
    if(NOT DEFINED ${_v})
        message(FATAL_ERROR "OrdersEmbedRun: -D${_v}=... is required")
    endif()
endforeach()

file(READ "${INPUT}" _hex HEX)
string(LENGTH "${_hex}" _digits)
math(EXPR _len "${_digits} / 2")

# 16 bytes (32 hex digits) per line, then each byte as "0xNN,".  Bytes above
# 0x7f get a (char) cast: char is signed here, and gcc -Wpedantic or
# -Wconversion warn about an int constant that does not fit.  The second
# pattern is anchored on "0x", so it only ever sees whole bytes.  (CMake
# regular expressions have no {n} repetition, hence string(REPEAT).)
string(REPEAT "[0-9a-f]" 32 _line)
string(REGEX REPLACE "(${_line})" "\\1\n" _hex "${_hex}")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," _bytes "${_hex}")
string(REGEX REPLACE "0x([89a-f][0-9a-f])," "(char)0x\\1," _bytes "${_bytes}")

get_filename_component(_name "${INPUT}" NAME)
set(_c "/* Generated from ${_name} by cmake/OrdersEmbedRun.cmake: do not edit. */\n")
string(APPEND _c "extern const char ${SYMBOL}[];\n")
string(APPEND _c "extern const unsigned long ${SYMBOL}_len;\n\n")
string(APPEND _c "const char ${SYMBOL}[] = {\n${_bytes}\n0x00};\n")
string(APPEND _c "const unsigned long ${SYMBOL}_len = ${_len}UL;\n")

# Written beside OUTPUT and renamed, so an interrupted run never leaves a
# truncated OUTPUT that looks up to date.
file(WRITE "${OUTPUT}.tmp" "${_c}")
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
