// Built with -fsanitize=thread by tsan.cmake: fills split over 2, 3 and 7 threads (std::threads
// started per call, and a user executor that runs tasks on its own threads) must be free of data
// races and give the bits of the one-thread fill.
#include <nninit/kaiming.hpp>
#include <nninit/normal.hpp>
#include <nninit/trunc_normal.hpp>
#include <nninit/uniform.hpp>

#include <cstdio>
#include <cstring>
#include <thread>
#include <vector>

namespace {

using row_major = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

template <class Scheme, class M>
bool same_for_every_split(const Scheme& scheme, M make) {
  const nninit::engine eng(2026, 5);
  auto one = make();
  scheme(one, eng, nninit::parallel{1});
  // An executor with its own threads, one per task, as a user's pool would run them.
  const nninit::parallel pool{4, [](int tasks, const std::function<void(int)>& task) {
                                std::vector<std::thread> threads;
                                for (int t = 0; t < tasks; ++t) threads.emplace_back(task, t);
                                for (auto& t : threads) t.join();
                              }};
  for (const nninit::parallel& par : {nninit::parallel{2}, nninit::parallel{3}, nninit::parallel{7}, pool}) {
    auto m = make();
    scheme(m, eng, par);
    if (std::memcmp(m.data(), one.data(), sizeof(typename decltype(m)::Scalar) * static_cast<std::size_t>(m.size())) != 0)
      return false;
  }
  return true;
}

}  // namespace

int main() {
  bool ok = true;
  ok &= same_for_every_split(nninit::scheme::kaiming_normal{}, [] { return row_major(700, 300); });
  ok &= same_for_every_split(nninit::scheme::kaiming_uniform{}, [] { return Eigen::MatrixXf(300, 700); });
  ok &= same_for_every_split(nninit::scheme::trunc_normal{}, [] { return row_major(2, 200000); });
  ok &= same_for_every_split(nninit::scheme::normal{}, [] { return Eigen::MatrixXd(500, 500); });
  std::puts(ok ? "threads: the same bits for every split, no race reported" : "threads: the bits differ between splits");
  return ok ? 0 : 1;
}
