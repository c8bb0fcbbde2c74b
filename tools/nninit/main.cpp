// nninit: the command-line tool. Only the app lives here; each subcommand has its own file.
//
// Exit codes: 0 success (and --help, --version); 2 bad input (a nninit::init_error or a
// command-line error), with one line on stderr in the library's message form; 1 anything else.
#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>
#include <new>
#include <string>
#include <nninit/error.hpp>
#include <nninit/version.hpp>

#include "commands.hpp"
#include "errors.hpp"

int main(int argc, char** argv) {
  try {
    CLI::App app("nninit " NNINIT_VERSION_STRING
                 ": neural-network weight initializers (PyTorch, JAX and Keras schemes), as .npy files",
                 "nninit");
    app.set_version_flag("--version", NNINIT_VERSION_STRING);
    app.require_subcommand(1);
    app.footer(
        "Examples:\n"
        "  nninit list\n"
        "  nninit describe kaiming_normal --shape 64,3,3,3 --set mode=fan_out\n"
        "  nninit fill kaiming_normal --shape 64,3,3,3 --seed 42 --out w.npy\n"
        "  nninit compare --report compare.html\n"
        "  nninit fill devfly --shape 640,784 --data X.npy --out w.npy\n"
        "  nninit lsh --report lsh.html\n"
        "  nninit coord-check --report coord.html\n"
        "  nninit init-model --model config.json --seed 0 --dtype bfloat16 --out seed/\n"
        "  nninit inspect seed/model.safetensors\n"
        "  nninit verify seed/model.safetensors --model config.json --seed 0 --dtype bfloat16");
    nninit_cli::setup_list(app);
    nninit_cli::setup_describe(app);
    nninit_cli::setup_fill(app);
    nninit_cli::setup_compare(app, argc, argv);
    nninit_cli::setup_lsh(app, argc, argv);
    nninit_cli::setup_coord_check(app, argc, argv);
    nninit_cli::setup_init_model(app);
    nninit_cli::setup_inspect(app);
    nninit_cli::setup_verify(app);

    try {
      app.parse(argc, argv);  // runs the chosen subcommand's callback
    } catch (const CLI::ParseError& e) {
      if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) return app.exit(e);  // --help, --version
      std::cerr << nninit_cli::parse_error_line(app, e, argc, argv) << '\n';
      return 2;
    }
    std::cout.flush();
    if (!std::cout) {
      std::cerr << "nninit::cli: standard output must be writable, got a write error\n";
      return 1;
    }
    return 0;
  } catch (const nninit::init_error& e) {
    std::cerr << e.what() << '\n';
    return 2;
  } catch (const std::bad_alloc&) {
    std::cerr << "nninit::cli: memory must suffice for the weight, got std::bad_alloc\n";
    return 1;
  } catch (const std::exception& e) {
    const std::string what = e.what();
    std::cerr << (what.rfind("nninit::", 0) == 0 ? what : "nninit::cli: " + what) << '\n';
    return 1;
  } catch (...) {
    std::cerr << "nninit::cli: unknown error\n";
    return 1;
  }
}
