// nninit tool: a pool of independent tasks on a few threads, with a progress bar on stderr when
// it is a terminal (compare's and coord-check's runs).
#pragma once

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <functional>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace nninit_cli {

/// Runs tasks on `threads` workers; rethrows the first exception after all have stopped.
class task_pool {
 public:
  void add(std::string label, std::function<void()> task) { tasks_.push_back({std::move(label), std::move(task)}); }

  void run(unsigned threads) {
    const bool tty = isatty(STDERR_FILENO) != 0;
    std::atomic<std::size_t> next{0};
    std::mutex mutex;
    std::size_t done = 0;
    std::exception_ptr error;
    auto worker = [&] {
      for (std::size_t i; (i = next++) < tasks_.size();) {
        {
          std::lock_guard<std::mutex> lock(mutex);
          if (error) return;
        }
        try {
          tasks_[i].second();
        } catch (...) {
          std::lock_guard<std::mutex> lock(mutex);
          if (!error) error = std::current_exception();
          return;
        }
        std::lock_guard<std::mutex> lock(mutex);
        ++done;
        if (tty) progress(done, tasks_[i].first);
      }
    };
    std::vector<std::thread> pool;
    for (unsigned t = 1; t < std::min<std::size_t>(threads, tasks_.size()); ++t) pool.emplace_back(worker);
    worker();
    for (auto& t : pool) t.join();
    if (tty) std::cerr << "\r\033[K" << std::flush;
    if (error) std::rethrow_exception(error);
  }

 private:
  void progress(std::size_t done, const std::string& label) const {
    constexpr std::size_t bar = 30;
    const std::size_t filled = done * bar / tasks_.size();
    std::cerr << "\r\033[K[" << std::string(filled, '#') << std::string(bar - filled, '.') << "] " << done << "/"
              << tasks_.size() << "  " << label << std::flush;
  }

  std::vector<std::pair<std::string, std::function<void()>>> tasks_;
};

}  // namespace nninit_cli
