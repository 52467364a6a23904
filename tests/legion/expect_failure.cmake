# Runs COMMAND (a ;-list) and passes only if it fails and its output matches EXPECT.
execute_process(COMMAND ${COMMAND} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 120)
message("${out}${err}")
if(rc EQUAL 0)
  message(FATAL_ERROR "expected the application to stop at start-up, but it exited with 0")
endif()
if(NOT "${out}${err}" MATCHES "${EXPECT}")
  message(FATAL_ERROR "the output does not match `${EXPECT}`")
endif()
