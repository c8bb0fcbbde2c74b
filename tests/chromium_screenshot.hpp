// Headless Chromium for the report tests: a screenshot of a local HTML file, with the flags this
// machine's closed network needs (no background connections) and a fresh profile each time.
#pragma once

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>

namespace test {

inline bool chromium_available() { return std::filesystem::exists("/usr/bin/chromium"); }

/// Screenshots `html` into `png` (1200x2000); true when Chromium exited with 0. `dir` holds the
/// throwaway profile and Chromium's log, `tag` tells several shots in one directory apart.
inline bool chromium_screenshot(const std::filesystem::path& dir, const std::filesystem::path& html,
                                const std::filesystem::path& png, const std::string& tag) {
  const std::filesystem::path profile = dir / ("profile-" + tag);
  std::filesystem::create_directories(profile);
  std::string cmd = "timeout 60 /usr/bin/chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
                    "--disable-background-networking --disable-component-update --disable-sync --hide-scrollbars "
                    "--user-data-dir='";
  cmd.append(profile.string()).append("' --screenshot='").append(png.string());
  cmd.append("' --window-size=1200,2000 'file://").append(html.string()).append("' > '");
  cmd.append((dir / ("chromium-" + tag + ".log")).string()).append("' 2>&1");
  const int status = std::system(cmd.c_str());
  std::error_code ec;
  std::filesystem::remove_all(profile, ec);
  return status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

}  // namespace test
