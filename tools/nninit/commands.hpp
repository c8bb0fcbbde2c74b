// nninit tool: the subcommands, one file each (list.cpp, describe.cpp, fill.cpp, compare.cpp, lsh.cpp, coord_check.cpp,
// init_model.cpp, inspect.cpp, verify.cpp). Each setup
// function adds its subcommand to the app, with a callback that runs it once parsed.
#pragma once

namespace CLI {
class App;
}  // namespace CLI

namespace nninit_cli {

/// `nninit list [--json]`: every scheme with its options, defaults and reference.
void setup_list(CLI::App& app);

/// `nninit describe SCHEME --shape ... [--json]`: the plan of a fill, without filling.
void setup_describe(CLI::App& app);

/// `nninit fill SCHEME --shape ... --out FILE.npy`: fills the weight (or a block of it) into a .npy file.
void setup_fill(CLI::App& app);

/// `nninit compare [...]`: schemes side by side on deep networks (signal propagation, Jacobian,
/// training). argc/argv are kept to print the exact command in the outputs.
void setup_compare(CLI::App& app, int argc, char** argv);

/// `nninit lsh [...]`: nearest-neighbour search with fly hashes, FlyHash against DevFly wiring.
void setup_lsh(CLI::App& app, int argc, char** argv);

/// `nninit coord-check`: the μP coordinate check in width or depth, and learning-rate transfer.
void setup_coord_check(CLI::App& app, int argc, char** argv);

/// `nninit init-model --model FILE.json --out DIR`: a seed checkpoint as safetensors files.
void setup_init_model(CLI::App& app);

/// `nninit inspect FILE`: every tensor of a checkpoint or .npy file, measured, with its plan.
void setup_inspect(CLI::App& app);

/// `nninit verify FILE --model ... | --scheme ...`: a checkpoint recomputed, or a tensor's law tested.
void setup_verify(CLI::App& app);

}  // namespace nninit_cli
