// nninit: threads for one fill, opt-in per call.
#pragma once

#include <exception>
#include <functional>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

namespace nninit {

/// How many tasks one fill may be split into, and who runs them. There is no global pool: a
/// fill with `parallel{4}` starts 3 std::threads for that call and runs the fourth task itself;
/// give an `executor` to run the tasks on your own pool instead. The work is split into
/// contiguous ranges of logical indices, and every value is a pure function of its index, so
/// the result is the same bits for every thread count and every executor (STYLE.md §7).
struct parallel {
  /// Runs task(0), ..., task(tasks - 1), in any order and on any threads, and returns when all
  /// of them have finished.
  using executor_type = std::function<void(int tasks, const std::function<void(int)>& task)>;

  /// Tasks the fill is split into (>= 1); 1 runs everything on the calling thread.
  int threads = 1;
  /// Optional: the pool that runs the tasks. Empty: nninit starts std::threads for the call.
  executor_type executor;

  parallel() = default;
  /// `parallel{4}`: four tasks on threads started for the call; `parallel{4, pool}`: on a pool.
  explicit parallel(int thread_count, executor_type pool = {}) : threads(thread_count), executor(std::move(pool)) {}

  /// One task per hardware thread (std::thread::hardware_concurrency, at least 1).
  static parallel all_threads() {
    const unsigned n = std::thread::hardware_concurrency();
    return parallel(n == 0 ? 1 : static_cast<int>(n));
  }
};

namespace detail {

/// Runs task(0..tasks-1) as `par` says and returns when all have finished. A task that throws
/// (none of nninit's do: they run after validation) has its first exception rethrown here.
template <class F>
void run_tasks(const parallel& par, int tasks, F&& task) {
  if (tasks <= 1) {
    if (tasks == 1) task(0);
    return;
  }
  if (par.executor) {
    par.executor(tasks, std::function<void(int)>(std::ref(task)));
    return;
  }
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(tasks));
  auto guarded = [&](int t) {
    try {
      task(t);
    } catch (...) {
      errors[static_cast<std::size_t>(t)] = std::current_exception();
    }
  };
  std::vector<std::thread> workers;
  std::vector<int> inline_tasks{0};
  for (int t = 1; t < tasks; ++t) {
    try {
      workers.emplace_back(guarded, t);
    } catch (const std::system_error&) {  // no thread to be had: the caller runs the task
      inline_tasks.push_back(t);
    }
  }
  for (int t : inline_tasks) guarded(t);
  for (auto& w : workers) w.join();
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
}

}  // namespace detail
}  // namespace nninit
