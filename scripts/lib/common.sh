# Shared by the scripts: where things are, and installing Debian packages
# that are missing (as root, or with sudo).
VOXFRA_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VOXFRA_BUILD=${VOXFRA_BUILD:-$VOXFRA_ROOT/build}

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# ensure_packages PKG...: installs the ones dpkg does not have.
ensure_packages() {
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "installing: ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# What building needs.
VOXFRA_BUILD_PACKAGES=(build-essential cmake pkg-config nginx nginx-dev liblmdb-dev lmdb-utils
                       libssl-dev libsimdjson-dev googletest libgtest-dev libbenchmark-dev libpcre3-dev zlib1g-dev
                       libnats-dev libcurl4-openssl-dev)
# What building the Debian packages needs besides (scripts/package).
VOXFRA_PACKAGE_PACKAGES=(debhelper dpkg-dev fakeroot lintian)
# What running the tests needs besides (Node.js signs payloads with the
# providers' own SDKs in t/07, a Node that is already installed is kept;
# Cpanel::JSON::XS reads back the crash and reload tests' records quickly;
# git clones this repository into a 0700 directory in t/24; the fleet tests
# run a NATS JetStream cluster with TLS certificates made by openssl; t/27
# cuts the power under the store on a FUSE file system of its own, built
# with libfuse3 and unmounted with fusermount3).
VOXFRA_TEST_PACKAGES=(perl curl git libcpanel-json-xs-perl nats-server openssl libfuse3-dev fuse3)
command -v npm >/dev/null 2>&1 || VOXFRA_TEST_PACKAGES+=(nodejs npm)

# The sanitizer build (scripts/test's unit tests, scripts/test-asan-module):
# the core, the CLI, the unit tests and the module's glue, all with ASan and
# UBSan, Debug (-O0 -g: a third of -O1's compile time). PRE_TEST keeps the
# build from listing the tests (a slow sanitized binary must not fail it).
VOXFRA_SANITIZE_FLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer"
configure_asan_build() {  # DIR
    cmake -S "$VOXFRA_ROOT" -B "$1" -DCMAKE_BUILD_TYPE=Debug \
          -DCMAKE_CXX_FLAGS="$VOXFRA_SANITIZE_FLAGS" \
          -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" \
          -DCMAKE_GTEST_DISCOVER_TESTS_DISCOVERY_MODE=PRE_TEST \
          -DVOXFRA_MODULE=ON -DVOXFRA_MODULE_CC_OPT="$VOXFRA_SANITIZE_FLAGS" \
          ${NGINX_SRC:+-DNGINX_SRC="$NGINX_SRC"} \
          -DVOXFRA_BENCHMARKS=OFF >/dev/null
}
