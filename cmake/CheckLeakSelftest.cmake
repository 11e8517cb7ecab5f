# cmake -DEXE=<leak_selftest> -DFILTER=<criterion glob> -DEXPECT=body|teardown|clean -P CheckLeakSelftest.cmake
#
# Runs the leak self-test binary on a subset of its tests and checks that
# tests/support/leakcheck.c reacted the way it must:
#   body      exit status != 0, Criterion counts the test as failing, and the
#             leakcheck message names it;
#   teardown  exit status != 0, leakcheck's message names the test, and
#             Criterion reports that it crashed in its teardown;
#   clean     exit status 0, every selected test passes, no leak reported.
foreach(_v EXE FILTER EXPECT)
    if(NOT DEFINED ${_v})
        message(FATAL_ERROR "CheckLeakSelftest: -D${_v}=... is required")
    endif()
endforeach()

execute_process(
    COMMAND "${EXE}" "--filter=${FILTER}"
    RESULT_VARIABLE rc
    OUTPUT_VARIABLE out
    ERROR_VARIABLE out)
message("${out}")
message("exit status: ${rc}")

macro(fail what)
    message(FATAL_ERROR "leak self-test (${EXPECT}): expected ${what}")
endmacro()

string(FIND "${out}" "LeakSanitizer: detected memory leaks" has_report)

if(EXPECT STREQUAL "body")
    if(rc EQUAL 0)
        fail("a non-zero exit status")
    endif()
    if(NOT out MATCHES "Failing: 1 ")
        fail("Criterion to count exactly 1 failing test")
    endif()
    if(NOT out MATCHES "leakcheck: test leakcheck_selftest::leaks_in_body leaked memory")
        fail("the leakcheck message for leaks_in_body")
    endif()
    if(has_report EQUAL -1)
        fail("a LeakSanitizer report")
    endif()
elseif(EXPECT STREQUAL "teardown")
    if(rc EQUAL 0)
        fail("a non-zero exit status")
    endif()
    if(NOT out MATCHES "leakcheck: test leakcheck_selftest::leaks_in_fini leaked memory")
        fail("the leakcheck message for leaks_in_fini")
    endif()
    if(NOT out MATCHES "leaks_in_fini` crashed during its setup or teardown")
        fail("Criterion's teardown-crash warning for leaks_in_fini")
    endif()
elseif(EXPECT STREQUAL "clean")
    if(NOT rc EQUAL 0)
        fail("exit status 0")
    endif()
    if(NOT has_report EQUAL -1 OR out MATCHES "leakcheck:")
        fail("no leak report")
    endif()
    if(NOT out MATCHES "Tested: [1-9][0-9]* \\| Passing: [1-9][0-9]* \\| Failing: 0 \\| Crashing: 0")
        fail("every selected test to pass")
    endif()
else()
    message(FATAL_ERROR "CheckLeakSelftest: unknown EXPECT=${EXPECT}")
endif()
