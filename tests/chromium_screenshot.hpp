// Headless Chromium for the report tests: a screenshot of a local HTML file, or its DOM once its
// scripts have run, with the flags this machine's closed network needs (no background
// connections) and a fresh profile each time.
#pragma once

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>

namespace test {

inline bool chromium_available() { return std::filesystem::exists("/usr/bin/chromium"); }

namespace detail {

/// Runs headless Chromium on `html` with `args` (each already quoted) and a throwaway profile in
/// `dir`, its stdout into `stdout_file` and its log beside it; true when it exited with 0.
inline bool run_chromium(const std::filesystem::path& dir, const std::filesystem::path& html, const std::string& args,
                         const std::filesystem::path& stdout_file, const std::string& tag) {
  const std::filesystem::path profile = dir / ("profile-" + tag);
  std::filesystem::create_directories(profile);
  std::string cmd = "timeout 60 /usr/bin/chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
                    "--disable-background-networking --disable-component-update --disable-sync --hide-scrollbars "
                    "--user-data-dir='";
  cmd.append(profile.string()).append("' ").append(args).append(" 'file://").append(html.string()).append("' > '");
  cmd.append(stdout_file.string()).append("' 2> '").append((dir / ("chromium-" + tag + ".log")).string()).append("'");
  const int status = std::system(cmd.c_str());
  std::error_code ec;
  std::filesystem::remove_all(profile, ec);
  return status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

}  // namespace detail

/// Screenshots `html` into `png` (1200x2000); true when Chromium exited with 0. `dir` holds the
/// throwaway profile and Chromium's log, `tag` tells several shots in one directory apart.
inline bool chromium_screenshot(const std::filesystem::path& dir, const std::filesystem::path& html,
                                const std::filesystem::path& png, const std::string& tag) {
  return detail::run_chromium(dir, html, "--screenshot='" + png.string() + "' --window-size=1200,2000",
                              dir / ("chromium-" + tag + ".out"), tag);
}

/// The DOM of `html` loaded in a `width` x `height` window, serialised after its load handlers
/// ran (--dump-dom; the virtual time budget lets them finish first); empty when Chromium failed.
inline std::string chromium_dump_dom(const std::filesystem::path& dir, const std::filesystem::path& html, int width,
                                     int height, const std::string& tag) {
  const std::filesystem::path dom = dir / ("dom-" + tag + ".html");
  const std::string args = "--window-size=" + std::to_string(width) + "," + std::to_string(height) +
                           " --virtual-time-budget=5000 --dump-dom";
  if (!detail::run_chromium(dir, html, args, dom, tag)) return "";
  std::ifstream in(dom, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace test
