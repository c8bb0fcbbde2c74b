"""Conan 2 recipe for nninit, a header-only library: the package is the headers and the metadata
that lets CMakeDeps (find_package(nninit), target nninit::nninit) and PkgConfigDeps (nninit.pc)
find them. From a checkout:

    conan create packaging/conan --build=missing

The recipe exports the library's sources from the checkout it lives in (two levels up).
"""
import os
import re

from conan import ConanFile
from conan.tools.build import check_min_cppstd
from conan.tools.files import copy, load
from conan.tools.layout import basic_layout


class NninitConan(ConanFile):
    name = "nninit"
    description = "Header-only C++17 neural-network weight initializers for Eigen"
    topics = ("neural-networks", "initialization", "eigen", "header-only")
    package_type = "header-library"
    settings = "os", "arch", "compiler", "build_type"
    no_copy_source = True

    def set_version(self):
        # The version is the one include/nninit/version.hpp declares, as CMake reads it.
        text = load(self, os.path.join(self.recipe_folder, "..", "..", "include", "nninit", "version.hpp"))
        parts = [re.search(rf"#define NNINIT_VERSION_{p} (\d+)", text).group(1) for p in ("MAJOR", "MINOR", "PATCH")]
        self.version = ".".join(parts)

    def export_sources(self):
        root = os.path.join(self.recipe_folder, "..", "..")
        copy(self, "*.hpp", os.path.join(root, "include"), os.path.join(self.export_sources_folder, "include"))
        copy(self, "README.md", root, self.export_sources_folder)

    def layout(self):
        basic_layout(self, src_folder=".")

    def requirements(self):
        self.requires("eigen/3.4.0")

    def validate(self):
        check_min_cppstd(self, 17)

    def package_id(self):
        self.info.clear()

    def package(self):
        copy(self, "*.hpp", os.path.join(self.source_folder, "include"), os.path.join(self.package_folder, "include"))
        # No licence has been chosen for nninit yet; the README says how it may be used.
        copy(self, "README.md", self.source_folder, os.path.join(self.package_folder, "licenses"))

    def package_info(self):
        self.cpp_info.bindirs = []
        self.cpp_info.libdirs = []
        self.cpp_info.requires = ["eigen::eigen"]
        self.cpp_info.set_property("cmake_file_name", "nninit")
        self.cpp_info.set_property("cmake_target_name", "nninit::nninit")
        self.cpp_info.set_property("pkg_config_name", "nninit")
