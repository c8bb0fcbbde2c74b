# vcpkg overlay port for nninit, built from the checkout this file lives in:
#   vcpkg install nninit --overlay-ports=<nninit checkout>/packaging/vcpkg/ports
# For a registry, replace SOURCE_PATH with vcpkg_from_git / vcpkg_from_github at a release tag.
get_filename_component(SOURCE_PATH "${CMAKE_CURRENT_LIST_DIR}/../../../.." ABSOLUTE)

set(VCPKG_BUILD_TYPE release)  # header-only: one configuration is all there is
vcpkg_cmake_configure(
    SOURCE_PATH "${SOURCE_PATH}"
    OPTIONS
        -DNNINIT_BUILD_TESTS=OFF
        -DNNINIT_BUILD_BENCH=OFF
        -DNNINIT_BUILD_TOOLS=OFF
        -DNNINIT_INSTALL=ON
)
vcpkg_cmake_install()
# nninit installs its package into share/cmake/nninit; vcpkg wants share/nninit.
vcpkg_cmake_config_fixup(PACKAGE_NAME nninit CONFIG_PATH share/cmake/nninit)
vcpkg_fixup_pkgconfig()

# No licence has been chosen for nninit yet; the README says how it may be used.
vcpkg_install_copyright(FILE_LIST "${SOURCE_PATH}/README.md")
file(INSTALL "${CMAKE_CURRENT_LIST_DIR}/usage" DESTINATION "${CURRENT_PACKAGES_DIR}/share/${PORT}")
