# Shoplytics: the two commands a newcomer runs are `make demo` and `make test`.
BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
ifeq ($(CI),true)
CMAKE_FLAGS += -DSHOPLYTICS_WERROR=ON
endif

.PHONY: all deps build test demo bench format clean

all: build

# Idempotent: installs only what is missing (Debian packages through apt-get, npm
# packages with `npm ci --ignore-scripts` when node_modules is out of date).
deps:
	@scripts/deps.sh

build: deps
	@cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD_DIR) -j $(JOBS)

test: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

demo: build
	@$(BUILD_DIR)/shoplytics demo $(DEMO_ARGS)

bench: build
	@bench/run.sh $(BUILD_DIR)

format:
	@clang-format -i $$(git ls-files 'src/*.cc' 'src/*.h' 'tests/*.cc' 'tests/*.h' 'bench/*.cc')

clean:
	rm -rf $(BUILD_DIR)
