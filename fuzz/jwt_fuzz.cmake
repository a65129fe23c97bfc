# libFuzzer target for the JWT parser and key readers (issue 6). Clang only:
#   cmake -S . -B build-fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DMINICRM_FUZZ=ON \
#         -DMINICRM_TESTS=OFF && ninja -C build-fuzz jwt_fuzz
#   build-fuzz/jwt_fuzz -max_total_time=30 fuzz/corpus/jwt
# The parsed sources are compiled into the target so they carry the fuzzer's coverage.
add_executable(jwt_fuzz EXCLUDE_FROM_ALL ${PROJECT_SOURCE_DIR}/fuzz/jwt_fuzz.cpp
  ${PROJECT_SOURCE_DIR}/src/auth/base64url.cpp ${PROJECT_SOURCE_DIR}/src/auth/jwt.cpp
  ${PROJECT_SOURCE_DIR}/src/auth/keys.cpp)
target_include_directories(jwt_fuzz PRIVATE ${PROJECT_SOURCE_DIR}/src)
target_compile_options(jwt_fuzz PRIVATE -fsanitize=fuzzer,address,undefined -g)
target_link_options(jwt_fuzz PRIVATE -fsanitize=fuzzer,address,undefined)
target_link_libraries(jwt_fuzz PRIVATE Boost::json OpenSSL::Crypto)
set_target_properties(jwt_fuzz PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR})
