// Prints the bits of a fixed set of fills: the published streams (version 2). Built with several
// compilers and flag sets by cross_build.cmake, whose outputs must equal tests/data/golden_streams_v2.txt.
// Orthogonal schemes are not here: their matrix products are Eigen's, whose vectorised arithmetic may differ
// in the last bits between instruction sets.
// Only the headers of the schemes below, so that the several builds of this file stay cheap.
#include <nninit/kaiming.hpp>
#include <nninit/normal.hpp>
#include <nninit/sparse.hpp>
#include <nninit/trunc_normal.hpp>
#include <nninit/uniform.hpp>
#include <nninit/variance_scaling.hpp>
#include <nninit/xavier.hpp>

#include <cinttypes>
#include <cstdio>
#include <cstring>

namespace {

template <class M>
void print(const char* name, const M& m) {
  using T = typename M::Scalar;
  using U = std::conditional_t<sizeof(T) == 2, std::uint16_t,
                               std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>>;
  std::uint64_t hash = 1469598103934665603ull;  // FNV-1a over every value's bits, in logical row-major order
  for (Eigen::Index r = 0; r < m.rows(); ++r)
    for (Eigen::Index c = 0; c < m.cols(); ++c) {
      U u;
      const T v = m(r, c);
      std::memcpy(&u, &v, sizeof u);
      for (unsigned b = 0; b < sizeof u; ++b) hash = (hash ^ ((u >> (8 * b)) & 0xFF)) * 1099511628211ull;
    }
  std::printf("%s %016" PRIx64, name, hash);
  for (Eigen::Index i = 0; i < 6 && i < m.size(); ++i) {
    U u;
    const T v = m(i / m.cols(), i % m.cols());
    std::memcpy(&u, &v, sizeof u);
    std::printf(sizeof(T) == 2 ? " %04" PRIx64 : sizeof(T) == 4 ? " %08" PRIx64 : " %016" PRIx64,
                static_cast<std::uint64_t>(u));
  }
  std::printf("\n");
}

template <class T>
using mat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;

template <class T>
void dump(const char* tag) {
  const nninit::engine eng(20261123, 7);
  char name[64];
  auto run = [&](const char* scheme, auto&& fill, Eigen::Index rows, Eigen::Index cols) {
    mat<T> m(rows, cols);
    fill(m);
    std::snprintf(name, sizeof name, "%s_%s", scheme, tag);
    print(name, m);
  };
  run("uniform", [&](auto& m) { nninit::uniform(m, eng, -0.5, 2.0); }, 97, 131);
  run("normal", [&](auto& m) { nninit::normal(m, eng, 0.25, 3.0); }, 97, 131);
  run("trunc_normal", [&](auto& m) { nninit::trunc_normal(m, eng, 0.0, 0.02); }, 97, 131);
  run("trunc_normal_tail", [&](auto& m) { nninit::trunc_normal(m, eng, 0.0, 1.0, 3.0, 9.0); }, 97, 131);
  run("kaiming_normal_conv", [&](auto& m) {
    nninit::scheme::kaiming_normal{}(m, eng, nninit::shape{64, 3, 3, 3});
  }, 64, 27);
  run("kaiming_uniform", [&](auto& m) { nninit::kaiming_uniform(m, eng); }, 50, 70);
  run("xavier_normal", [&](auto& m) { nninit::xavier_normal(m, eng, 2.0); }, 50, 70);
  run("he_normal", [&](auto& m) { nninit::he_normal(m, eng); }, 50, 70);
  run("glorot_uniform", [&](auto& m) { nninit::glorot_uniform(m, eng); }, 50, 70);
  run("sparse", [&](auto& m) { nninit::sparse(m, eng, 0.3, 0.5); }, 40, 30);
  run("normal_block", [&](auto& m) {
    nninit::scheme::normal{}(m, eng, nninit::shape{300, 200}.at(17, 33));
  }, 20, 40);
}

}  // namespace

// The 16-bit targets (each value the float stream's, rounded once), and fills split over
// threads (the same bits for every thread count), on row-major targets wide enough for the
// vector path's groups of 16 values to run in the middle of each row.
template <class T>
void dump_16bit(const char* tag) {
  const nninit::engine eng(20261124, 9);
  char name[64];
  auto run = [&](const char* scheme, auto&& fill) {
    Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic> m(61, 203);
    fill(m);
    std::snprintf(name, sizeof name, "%s_%s", scheme, tag);
    print(name, m);
  };
  run("normal", [&](auto& m) { nninit::normal(m, eng, 0.0, 0.02); });
  run("trunc_normal", [&](auto& m) { nninit::trunc_normal(m, eng, 0.0, 0.02, -0.04, 0.04); });
  run("kaiming_uniform", [&](auto& m) { nninit::kaiming_uniform(m, eng); });
}

void dump_threads() {
  const nninit::engine eng(20261124, 10);
  for (int threads : {1, 3}) {
    Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> m(300, 517);
    char name[64];
    nninit::scheme::kaiming_normal{}(m, eng, nninit::parallel{threads, {}});
    std::snprintf(name, sizeof name, "kaiming_normal_rowmajor_threads%d_f32", threads);
    print(name, m);
    nninit::scheme::trunc_normal{{}, 0.0, 1.0, -38.5, -37.0}(m, eng, nninit::parallel{threads, {}});
    std::snprintf(name, sizeof name, "trunc_normal_far_tail_threads%d_f32", threads);
    print(name, m);
  }
}

int main() {
  dump<float>("f32");
  dump<double>("f64");
  dump_16bit<Eigen::half>("f16");
  dump_16bit<Eigen::bfloat16>("bf16");
  dump_threads();
  std::printf("engine_fork %016" PRIx64 "\n", nninit::engine(1, 2).fork(3).stream());
}
