// nninit harness: a text corpus for the character-level language model, and its batches.
//
// The alphabet is bytes: the corpus's distinct byte values, sorted, are the token ids 0..V-1
// (any encoding is read as bytes; UTF-8 multi-byte characters are several tokens). A NUL byte
// marks a binary file and is refused. The corpus is one file, or every regular file of a
// directory in name order, skipping symbolic links and fortune's ".dat" index files, so that
// Debian's `fortunes` package (/usr/share/games/fortunes: 44 files, 2.6 MB of English) is read as
// its text. Split: the first (1 - validation_fraction) of the bytes train, the rest validate.
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <array>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

#include "../detail/format.hpp"
#include "../engine.hpp"
#include "../error.hpp"
#include "../uniform.hpp"
#include "network.hpp"

namespace nninit::harness {

/// Where Debian's `fortunes` package installs its text.
inline std::string default_corpus_path() { return "/usr/share/games/fortunes"; }

struct text_corpus {
  std::vector<unsigned char> alphabet;  ///< the bytes present, sorted: token id i is alphabet[i]
  std::vector<int> train, validation;   ///< token ids
  index files = 0;
  std::string source;  ///< "/usr/share/games/fortunes (44 files, 2576674 bytes, 115 distinct)"
  std::string split;   ///< "the first 2319006 bytes train, the last 257668 validate"
  index vocabulary() const { return static_cast<index>(alphabet.size()); }
};

namespace corpus_detail {

[[noreturn]] inline void fail(const std::string& what, const std::string& rule, const std::string& got, const std::string& path) {
  throw init_error(nninit::detail::cat("nninit::corpus: ", what, " must be ", rule, ", got ", got, ", for ", path));
}

inline std::vector<std::filesystem::path> corpus_files(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (ec || !fs::exists(st)) fail("the corpus", "an existing file or directory", "nothing there", path);
  if (fs::is_regular_file(st)) return {fs::path(path)};
  if (!fs::is_directory(st)) fail("the corpus", "a regular file or a directory", "another kind of file", path);
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(path, ec)) {
    if (e.is_symlink() || !e.is_regular_file() || e.path().extension() == ".dat") continue;
    files.push_back(e.path());
  }
  if (ec) fail("the corpus directory", "readable", ec.message(), path);
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace corpus_detail

/// Reads the corpus at `path` (a file or a directory, see above) and splits it. Throws
/// init_error, naming the path, for a missing or unreadable path, an empty corpus, a NUL byte
/// (a binary file), or a validation fraction outside (0, 1).
inline text_corpus load_corpus(const std::string& path = default_corpus_path(), double validation_fraction = 0.1) {
  using nninit::detail::cat, nninit::detail::number;
  if (!(validation_fraction > 0 && validation_fraction < 1))
    corpus_detail::fail("the validation fraction", "in (0, 1)", number(validation_fraction), path);
  const auto files = corpus_detail::corpus_files(path);
  std::vector<unsigned char> bytes;
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    if (!in) corpus_detail::fail("a corpus file", "readable", "an error opening it", f.string());
    const std::size_t start = bytes.size();
    bytes.insert(bytes.end(), std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (in.bad()) corpus_detail::fail("a corpus file", "readable", "a read error", f.string());
    const auto nul = std::find(bytes.begin() + static_cast<std::ptrdiff_t>(start), bytes.end(), 0);
    if (nul != bytes.end())
      corpus_detail::fail("a corpus file", "text (no NUL byte)",
                          cat("a NUL byte at offset ", number(static_cast<index>(nul - bytes.begin()) - static_cast<index>(start))),
                          f.string());
  }
  if (bytes.size() < 2) corpus_detail::fail("the corpus", "at least 2 bytes", number(static_cast<index>(bytes.size())), path);
  std::array<int, 256> id{};
  id.fill(-1);
  for (unsigned char b : bytes) id[b] = 0;
  text_corpus c;
  for (int b = 0; b < 256; ++b)
    if (id[static_cast<std::size_t>(b)] == 0) {
      id[static_cast<std::size_t>(b)] = static_cast<int>(c.alphabet.size());
      c.alphabet.push_back(static_cast<unsigned char>(b));
    }
  const auto n = static_cast<index>(bytes.size());
  const index held_out = std::max<index>(1, static_cast<index>(static_cast<double>(n) * validation_fraction));
  for (index i = 0; i < n; ++i) (i < n - held_out ? c.train : c.validation).push_back(id[bytes[static_cast<std::size_t>(i)]]);
  c.files = static_cast<index>(files.size());
  c.source = cat(path, " (", number(c.files), c.files == 1 ? " file, " : " files, ", number(n), " bytes, ",
                 number(c.vocabulary()), " distinct)");
  c.split = cat("the first ", number(n - held_out), " bytes train, the last ", number(held_out), " validate");
  return c;
}

/// Windows of `context` + 1 ids: x = ids[s, s + n), labels = ids[s + 1, s + n + 1). `x` is
/// 1 x (n * starts.size()), the language model's input; labels follow the same columns.
template <class T>
void corpus_windows(const std::vector<int>& ids, const std::vector<index>& starts, index context, matrix<T>& x,
                    std::vector<int>& labels) {
  x.resize(1, context * static_cast<index>(starts.size()));
  labels.resize(static_cast<std::size_t>(x.cols()));
  for (std::size_t b = 0; b < starts.size(); ++b)
    for (index t = 0; t < context; ++t) {
      const auto col = static_cast<index>(b) * context + t;
      x(0, col) = static_cast<T>(ids[static_cast<std::size_t>(starts[b] + t)]);
      labels[static_cast<std::size_t>(col)] = ids[static_cast<std::size_t>(starts[b] + t + 1)];
    }
}

/// Throws init_error when a split of `split_size` ids holds no window of context + 1 ids.
inline void check_window_fits(index split_size, index context) {
  if (split_size - context < 1)
    throw init_error(nninit::detail::cat("nninit::lm: the context must be shorter than the corpus split, got a context of ",
                                         nninit::detail::number(context), " for a split of ", nninit::detail::number(split_size),
                                         " bytes"));
}

/// `count` window starts uniform over the split (each window needs context + 1 ids), drawn from
/// `eng` alone; throws when the split is too short for one window.
inline std::vector<index> random_starts(index split_size, index context, index count, const engine& eng) {
  check_window_fits(split_size, context);
  const index room = split_size - context;  // starts 0 .. room - 1
  Eigen::VectorXd u(count);
  nninit::uniform(u, eng);
  std::vector<index> starts(static_cast<std::size_t>(count));
  for (index i = 0; i < count; ++i)
    starts[static_cast<std::size_t>(i)] = std::min(static_cast<index>(u(i) * static_cast<double>(room)), room - 1);
  return starts;
}

/// Up to `count` non-overlapping windows spread evenly over the split (the validation set); throws
/// as random_starts does.
inline std::vector<index> even_starts(index split_size, index context, index count) {
  check_window_fits(split_size, context);
  const index room = split_size - context;
  const index windows = std::min(count, std::max<index>(1, room / context));
  std::vector<index> starts;
  for (index i = 0; i < windows; ++i) starts.push_back(i * (room - 1) / std::max<index>(windows - 1, 1));
  return starts;
}

}  // namespace nninit::harness
