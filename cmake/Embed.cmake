# embed_text(OUTPUT <cpp> SYMBOL <c++ name> FILES <f>...)
# Generates a .cpp that defines `extern const std::string_view <SYMBOL>` holding the
# concatenated contents of FILES, regenerated whenever one of them changes.
function(embed_text)
  cmake_parse_arguments(E "" "OUTPUT;SYMBOL" "FILES" ${ARGN})
  add_custom_command(
    OUTPUT ${E_OUTPUT}
    COMMAND ${CMAKE_COMMAND} -DOUTPUT=${E_OUTPUT} -DSYMBOL=${E_SYMBOL} "-DFILES=${E_FILES}"
            -P ${PROJECT_SOURCE_DIR}/cmake/EmbedScript.cmake
    DEPENDS ${E_FILES} ${PROJECT_SOURCE_DIR}/cmake/EmbedScript.cmake
    COMMENT "Embedding ${E_SYMBOL}")
endfunction()
