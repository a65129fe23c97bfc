# The two commands of the README:
#   make run    install missing packages, build, serve on 127.0.0.1:8000 (SQLite file)
#   make test   install missing packages, build, run the whole test suite
BUILD ?= build
TYPE ?= Release
CMAKE_FLAGS ?=

.PHONY: run test deps build clean format

deps:
	@scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=$(TYPE) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD)

run: build
	./$(BUILD)/minicrm serve

test: build
	ctest --test-dir $(BUILD) --output-on-failure --timeout 600 -j2

format:
	@git ls-files '*.cpp' '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD)
