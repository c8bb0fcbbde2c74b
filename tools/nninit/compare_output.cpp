// nninit tool: what `nninit compare` prints and writes: the table, the JSON and the HTML report.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "compare.hpp"
#include "json.hpp"
#include "report.hpp"

namespace nninit_cli::compare {

namespace {

namespace h = nninit::harness;

/// Three significant digits, "-" for a value that is not finite.
std::string short_number(double v) {
  if (!std::isfinite(v)) return std::isnan(v) ? "-" : (v > 0 ? "inf" : "-inf");
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

/// JSON number; NaN and +-inf are null (the run's "finite" flag says why).
std::string finite_or_null(double v) { return std::isfinite(v) ? json::number(v) : std::string("null"); }

double forward_growth(const h::signal_stats& s) {
  const auto* last = h::last_main_layer(s);
  return last ? last->forward_ratio : NAN;
}
/// Gradient variance at the first main-path probe over the last: > 1 when gradients grow towards the input.
double gradient_growth(const h::signal_stats& s) {
  const auto* first = h::first_main_layer(s);
  const auto* last = h::last_main_layer(s);
  return first && last ? first->backward_var / last->backward_var : NAN;
}
/// s_max / s_min, or "singular" when s_min is below what double precision resolves
/// (s_max * n * eps, LAPACK's rank threshold): a relu Jacobian with dead units, or a deep
/// Gaussian product whose smallest singular values fell below 1e-16 of the largest.
std::string condition_text(const h::jacobian_stats& j) {
  if (!j.computed) return "-";
  const double n = static_cast<double>(std::max<std::size_t>(j.singular_values.size(), 1));
  if (!(j.min_singular > j.max_singular * n * 2.220446049250313e-16)) return "singular";
  return short_number(j.max_singular / j.min_singular);
}

/// The variance map at its fixed point: "1.14 unstable", "0.461 stable", "neutral", "decays".
std::string map_text(const nninit::plan& p) {
  if (p.propagation.empty()) return "-";
  if (!std::isfinite(p.fixed_point_std)) return p.propagation;
  return short_number(p.fixed_point_slope) + " " + p.propagation;
}

/// The training run of signal run i (the same activation and scheme), when training ran.
const train_run* training_of(const results& r, std::size_t i) { return i < r.train.size() ? &r.train[i] : nullptr; }

std::string accuracy_text(const train_run* t) {
  if (!t) return "";
  if (t->result.diverged) return "-";
  return t->result.epochs.empty() ? "-" : short_number(100 * t->result.epochs.back().test_accuracy) + "%";
}

std::string optimizer_text(const nninit::harness::train_options& t) {
  std::string s = t.algorithm == h::optimizer_kind::adamw
                      ? "AdamW, lr " + json::number(t.learning_rate) + ", betas " + json::number(t.beta1) + "/" +
                            json::number(t.beta2) + ", eps " + json::number(t.eps)
                      : "SGD, lr " + json::number(t.learning_rate) + ", momentum " + json::number(t.momentum);
  if (t.weight_decay > 0) s += ", weight decay " + json::number(t.weight_decay) + " (weights)";
  if (t.warmup > 0) s += ", " + std::to_string(t.warmup) + " warm-up steps";
  if (t.cosine) s += ", cosine decay";
  if (t.clip_norm > 0) s += ", gradients clipped to norm " + json::number(t.clip_norm);
  return s;
}

bool uses_lsuv(const config& c) {
  return std::any_of(c.schemes.begin(), c.schemes.end(), [](const scheme_entry& e) { return e.scheme == "lsuv"; });
}

std::string gradient_text(const config& c) {
  return c.gradient == h::gradient_source::random ? "i.i.d. N(0,1) output gradient"
                                                  : "cross-entropy gradient on random labels";
}

std::string signal_setup(const config& c, const results& r) {
  std::string model = r.signal.empty() ? c.arch : r.signal.front().model;
  for (std::size_t a = 1; a < c.activations.size(); ++a)
    model += (a == 1 ? " (and with " : ", ") + c.activations[a].text() + (a + 1 == c.activations.size() ? ")" : "");
  const std::string batch = c.transformer() ? "probed on " + r.probe_data : "batch " + std::to_string(c.batch);
  std::string s = model + "; " + batch + ", " + std::to_string(c.seeds) + " seed" +
                  (c.seeds > 1 ? "s" : "") + " from seed " + std::to_string(c.seed) + ", " + gradient_text(c);
  if (uses_lsuv(c)) s += "; lsuv calibrated on " + std::to_string(c.calibration) + " N(0,1) inputs";
  return s;
}

std::string train_setup(const config& c, const results& r) {
  const auto& t = c.train_options;
  std::string model = r.train_models.empty() ? c.arch : r.train_models.front();
  for (std::size_t a = 1; a < c.activations.size(); ++a)
    model += (a == 1 ? " (and with " : ", ") + c.activations[a].text() + (a + 1 == c.activations.size() ? ")" : "");
  if (c.arch == "lm")
    return model + "; " + r.train_data + ", " + r.split + "; " + std::to_string(t.epochs * t.steps) + " steps of " +
           optimizer_text(t) + " on batches of " + std::to_string(t.batch) + " random windows of " + std::to_string(c.context) +
           " bytes; validation nats per character on " + std::to_string(c.validation_windows) +
           " windows spread over the validation split";
  const std::string examples = r.train_examples == r.train_available
                                   ? "all " + std::to_string(r.train_examples) + " training examples"
                                   : "the first " + std::to_string(r.train_examples) + " of " +
                                         std::to_string(r.train_available) + " training examples";
  std::string s = model + "; " + r.train_data + ", " + examples + ", " +
                  std::to_string(t.epochs) + " epoch" + (t.epochs > 1 ? "s" : "") + " of " + optimizer_text(t) +
                  ", batch " + std::to_string(t.batch) + "; test accuracy on the whole test set";
  if (uses_lsuv(c)) s += "; lsuv calibrated on the first " + std::to_string(c.calibration) + " training examples";
  return s;
}

std::vector<std::string> table_header(const config& c, bool training) {
  std::vector<std::string> h = {"activation", "scheme", "fwd var L/1", "grad var 1/L", "E[z^2] L/x",
                                "Jacobian E[s^2]", "s_max/s_min", "map slope"};
  if (c.transformer())
    h = {"activation", "scheme", "rms L/0", "token cos 0, L", "residual L", "entropy 1, L", "q/v grad", "grad var 1/L"};
  if (training) h.insert(h.end(), {"train loss", c.arch == "lm" ? "val nats/char" : "test acc", "training"});
  h.push_back("verdict");
  return h;
}

/// The verdict of a run, with a transformer's token collapse (mean cosine above 0.9 at the top).
/// A ViT's gradient reaches the top block through its class token alone, so its gradient ratio
/// compares one token with all of them: its verdict is the forward signal's and the tokens'.
std::string run_verdict(const config& c, const signal_run& run) {
  std::string v = verdict(run.stats);
  if (c.arch == "vit" && run.stats.finite) {
    const double f = forward_growth(run.stats);
    v = f > 10 ? "signal explodes" : f < 0.1 ? "signal vanishes" : "stable";
  }
  if (run.tokens && !run.tokens->stream.empty() && run.tokens->stream.back().mean_cosine > 0.9)
    v += (v == "stable" ? "; " : ", ") + std::string("tokens collapse");
  return v;
}

std::vector<std::string> transformer_cells(const signal_run& run) {
  if (!run.tokens || run.tokens->stream.empty()) return {"-", "-", "-", "-", "-", short_number(gradient_growth(run.stats))};
  const h::transformer_signal& t = *run.tokens;
  const auto& first = t.stream.front();
  const auto& last = t.stream.back();
  return {short_number(last.rms / first.rms),
          short_number(first.mean_cosine) + ", " + short_number(last.mean_cosine),
          short_number(last.relative_residual),
          short_number(h::mean_entropy(t, 0)) + ", " + short_number(h::mean_entropy(t, t.entropy.size() - 1)),
          short_number(t.qv_gradient_ratio),
          short_number(gradient_growth(run.stats))};
}

std::vector<std::vector<std::string>> table_rows(const config& c, const results& r) {
  std::vector<std::vector<std::string>> rows;
  for (std::size_t i = 0; i < r.signal.size(); ++i) {
    const signal_run& run = r.signal[i];
    if (c.transformer()) {
      std::vector<std::string> row = {run.activation, run.scheme->label};
      for (auto& cell : transformer_cells(run)) row.push_back(std::move(cell));
      if (const train_run* t = training_of(r, i)) {
        const std::string nats = t->result.diverged || t->result.epochs.empty() ? "-" : short_number(t->result.epochs.back().test_loss);
        row.insert(row.end(), {short_number(t->result.final_train_loss), c.arch == "lm" ? nats : accuracy_text(t), t->outcome});
      }
      row.push_back(run_verdict(c, run));
      rows.push_back(std::move(row));
      continue;
    }
    std::vector<std::string> row = {run.activation,
                                    run.scheme->label,
                                    short_number(forward_growth(run.stats)),
                                    short_number(gradient_growth(run.stats)),
                                    short_number(h::second_moment_ratio(run.stats)),
                                    short_number(run.stats.jacobian.mean_sq_singular),
                                    condition_text(run.stats.jacobian),
                                    map_text(run.hidden_plan)};
    if (const train_run* t = training_of(r, i))
      row.insert(row.end(), {short_number(t->result.final_train_loss), accuracy_text(t), t->outcome});
    row.push_back(verdict(run.stats));
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string lsuv_json(const std::optional<nninit::lsuv_report>& report) {
  if (!report) return "null";
  std::string out = "{\"rescales\": " + json::integer(report->rescales()) + ", \"degenerate\": " +
                    json::integer(report->degenerate()) + ", \"all_converged\": " + json::boolean(report->all_converged()) +
                    ", \"layers\": [";
  for (std::size_t l = 0; l < report->layers.size(); ++l) {
    const auto& L = report->layers[l];
    out += (l ? ", " : "") + std::string("{\"name\": ") + json::string(L.name) + ", \"variance\": " +
           finite_or_null(L.variance) + ", \"mean\": " + finite_or_null(L.mean) + ", \"scale\": " +
           finite_or_null(L.scale) + ", \"iterations\": " + json::integer(L.iterations) + ", \"converged\": " +
           json::boolean(L.converged) + ", \"degenerate\": " + json::boolean(L.degenerate) + "}";
  }
  return out + "]}";
}

std::string tokens_json(const h::transformer_signal& t) {
  std::string out = "{\"qv_gradient_ratio\": " + finite_or_null(t.qv_gradient_ratio) + ", \"stream\": [";
  for (std::size_t i = 0; i < t.stream.size(); ++i)
    out += (i ? ", " : "") + std::string("{\"name\": ") + json::string(t.stream[i].name) + ", \"rms\": " +
           finite_or_null(t.stream[i].rms) + ", \"mean_cosine\": " + finite_or_null(t.stream[i].mean_cosine) +
           ", \"relative_residual\": " + finite_or_null(t.stream[i].relative_residual) + "}";
  out += "], \"entropy\": [";
  for (std::size_t b = 0; b < t.entropy.size(); ++b) {
    std::vector<std::string> heads;
    for (double e : t.entropy[b]) heads.push_back(finite_or_null(e));
    out += (b ? ", " : "") + json::array(heads);
  }
  return out + "]}";
}

}  // namespace

std::string verdict(const h::signal_stats& s) {
  if (!s.finite) return "overflow at " + s.first_non_finite;
  // Over the whole depth, a factor of 10 either way is a failure to propagate.
  const auto trend = [](double ratio) -> std::string { return ratio > 10 ? "explode" : ratio < 0.1 ? "vanish" : ""; };
  const auto singular = [](const std::string& verb) { return verb + (verb == "vanish" ? "es" : "s"); };
  const std::string f = trend(forward_growth(s)), g = trend(gradient_growth(s));
  if (f.empty() && g.empty()) return "stable";
  if (f == g) return "signal and gradient " + f;
  if (g.empty()) return "signal " + singular(f);
  if (f.empty()) return "gradient " + singular(g);
  return "signal " + singular(f) + ", gradient " + singular(g);
}

std::string table(const config& c, const results& r) {
  const bool training = !r.train.empty();
  const auto header = table_header(c, training);
  const auto rows = table_rows(c, r);
  std::vector<std::size_t> width(header.size());
  for (std::size_t i = 0; i < header.size(); ++i) width[i] = header[i].size();
  for (const auto& row : rows)
    for (std::size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  const auto line = [&](const std::vector<std::string>& cells) {
    std::string out;
    for (std::size_t i = 0; i < cells.size(); ++i) {
      const bool left = i < 2 || i + 1 == cells.size() || header[i] == "training";
      const std::string pad(width[i] - cells[i].size(), ' ');
      out += (i ? "  " : "") + (left ? cells[i] + (i + 1 == cells.size() ? "" : pad) : pad + cells[i]);
    }
    return out + "\n";
  };
  std::string out = "nninit compare: " + signal_setup(c, r) + "\n";
  if (training) out += "training: " + train_setup(c, r) + "\n";
  out += "\n" + line(header);
  for (const auto& row : rows) out += line(row);
  for (const auto& run : r.signal)
    if (run.lsuv) out += "\n" + run.scheme->label + " calibration (" + run.activation + ", probed network): " + run.lsuv->text();
  for (const auto& t : r.train)
    if (t.lsuv) out += "\n" + t.scheme->label + " calibration (" + t.activation + ", trained network): " + t.lsuv->text();
  if (training) {
    out += "\n\ntraining time:";
    for (const auto& t : r.train) out += " " + t.activation + " " + t.scheme->label + " " + short_number(t.result.seconds) + " s;";
    out.back() = '\n';
  } else if (out.back() != '\n') {
    out += "\n";
  }
  if (training)
    out += "\ntrain loss: mean cross-entropy of the last " + std::to_string(r.train_options.final_window) + " steps; " +
           (c.arch == "lm" ? "val nats/char: validation cross-entropy per byte" : "test acc") +
           ": after the last epoch; training: stuck at chance when the train loss is within 1% of "
           "ln(" + std::to_string(r.classes) + "), diverged at the first step whose loss was not finite (the run stops there);";
  if (c.transformer()) {
    out += "\nrms L/0: the residual stream's RMS after the last block over the embedding's; token cos 0, L: mean "
           "cosine between the token representations of an example, at the embedding and after the last block "
           "(rank collapse: 1); residual L: ||X - mean token|| / ||X|| after the last block; entropy 1, L: attention "
           "entropy over log(keys), mean over heads, of the first and last block (1: uniform); q/v grad: "
           "||d loss / d W_Q|| / ||d loss / d W_V|| in the first block; grad var 1/L: the stream's gradient variance at "
           "the embedding over the last block's" +
           std::string(c.arch == "vit" ? " (only the class token carries gradient at the top, so it exceeds the "
                                         "per-token growth by up to the token count; the verdict leaves it out)"
                                       : "") +
           ".\ncommand: " + c.command + "\n";
    return out;
  }
  out += "\nfwd var L/1: forward variance at the last layer over the first; grad var 1/L: gradient variance at the "
         "first layer over the last (on the main path: not inside residual branches, before any classifier);\n"
         "E[z^2] L/x: second moment at the last layer over the input's;\nmap slope: of the infinite-width variance map "
         "v -> fan_in Var(W) E[f(z)^2], z ~ N(0, v), at its fixed point (stable < 1 < unstable: there deviations grow "
         "geometrically with depth), or where it goes without one;\nJacobian: d output / d input at one input (E[s^2] = 1 and s_max/s_min = 1 is "
         "dynamical isometry; singular: s_min below double precision).\ncommand: " + c.command + "\n";
  return out;
}

std::string json(const config& c, const results& r) {
  std::string out = "{\n  \"config\": {";
  out += "\"arch\": " + json::string(c.arch) + ", \"depth\": " + json::integer(c.depth) + ", \"width\": " +
         json::integer(c.width);
  if (c.arch == "resmlp") out += ", \"layers_per_block\": " + json::integer(c.layers_per_block);
  std::vector<std::string> acts, schemes;
  for (const auto& a : c.activations) acts.push_back(json::string(a.text()));
  for (const auto& s : c.schemes) schemes.push_back(json::string(s.label));
  out += ", \"activations\": " + json::array(acts) + ", \"schemes\": " + json::array(schemes);
  const auto& t = c.train_options;
  out += ", \"norm\": " + json::string(nninit::detail::name_of(c.norm)) + ", \"bias\": " + json::boolean(c.bias) +
         ", \"batch\": " + json::integer(c.batch) + ", \"seeds\": " + json::integer(c.seeds) + ", \"seed\": " +
         std::to_string(c.seed) + ", \"gradient\": " +
         json::string(c.gradient == h::gradient_source::random ? "random" : "loss") + ", \"calibration_batch\": " +
         json::integer(c.calibration) + ", \"train\": " + json::string(c.train);
  if (!r.train.empty())
    out += ", \"training\": {\"data\": " + json::string(r.train_data) + ", \"synthetic\": " +
           json::boolean(r.train_synthetic) + ", \"examples\": " + json::integer(r.train_examples) + ", \"available\": " +
           json::integer(r.train_available) + ", \"depth\": " +
           json::integer(c.train_depth) + ", \"width\": " + json::integer(c.train_width) + ", \"epochs\": " +
           json::integer(t.epochs) + ", \"batch\": " + json::integer(t.batch) + ", \"optimizer\": " +
           json::string(t.algorithm == h::optimizer_kind::adamw ? "adamw" : "sgd") + ", \"lr\": " +
           json::number(t.learning_rate) + ", \"momentum\": " + json::number(t.momentum) + ", \"betas\": [" +
           json::number(t.beta1) + ", " + json::number(t.beta2) + "], \"eps\": " + json::number(t.eps) +
           ", \"weight_decay\": " + json::number(t.weight_decay) + ", \"warmup\": " + json::integer(t.warmup) +
           ", \"cosine\": " + json::boolean(t.cosine) + ", \"clip\": " + json::number(t.clip_norm) + "}";
  if (c.transformer()) {
    out += ", \"transformer\": {\"form\": " + json::string(nninit::detail::name_of(c.form)) + ", \"norm\": " +
           json::string(c.rms ? "rms" : "layer") + ", \"heads\": " + json::integer(c.heads) + ", \"ffn_width\": " +
           json::integer(c.ffn_width) + ", \"probe_data\": " + json::string(r.probe_data);
    if (c.arch == "vit") out += ", \"patch\": " + json::integer(c.patch);
    else
      out += ", \"context\": " + json::integer(c.context) + ", \"tied\": " + json::boolean(c.tied) + ", \"corpus\": " +
             json::string(c.text->source) + ", \"split\": " + json::string(c.text->split) + ", \"vocabulary\": " +
             json::integer(c.text->vocabulary()) + ", \"steps\": " + json::integer(t.steps) +
             ", \"validation_windows\": " + json::integer(c.validation_windows);
    out += "}";
  }
  out += ", \"command\": " + json::string(c.command) + "},\n  \"runs\": [";
  for (std::size_t i = 0; i < r.signal.size(); ++i) {
    const signal_run& run = r.signal[i];
    const h::signal_stats& s = run.stats;
    out += i ? ",\n    {" : "\n    {";
    out += "\"scheme\": " + json::string(run.scheme->scheme) + ", \"label\": " + json::string(run.scheme->label);
    out += ", \"options\": {";
    for (std::size_t k = 0; k < run.scheme->options.size(); ++k)
      out += (k ? ", " : "") + json::string(run.scheme->options[k].first) + ": " +
             json::string(run.scheme->options[k].second);
    out += "}, \"activation\": " + json::string(run.activation) + ", \"model\": " + json::string(run.model);
    out += ", \"finite\": " + json::boolean(s.finite) + ", \"first_non_finite\": " +
           (s.finite ? std::string("null") : json::string(s.first_non_finite)) + ", \"verdict\": " +
           json::string(run_verdict(c, run)) + ", \"input_second_moment\": " + finite_or_null(s.input_second_moment) +
           ", \"second_moment_ratio\": " + finite_or_null(h::second_moment_ratio(s));
    const nninit::plan& hp = run.hidden_plan;
    out += ", \"variance_map\": " +
           (hp.propagation.empty() ? std::string("null")
                                   : "{\"verdict\": " + json::string(hp.propagation) + ", \"weight_scale\": " +
                                         finite_or_null(static_cast<double>(hp.fan_in) * hp.output_std * hp.output_std) +
                                         ", \"fixed_point_std\": " + finite_or_null(hp.fixed_point_std) +
                                         ", \"slope\": " + finite_or_null(hp.fixed_point_slope) +
                                         ", \"gradient_growth\": " + finite_or_null(hp.gradient_growth) + "}");
    out += ",\n     \"layers\": [";
    for (std::size_t l = 0; l < s.layers.size(); ++l) {
      const auto& L = s.layers[l];
      out += (l ? ",\n       " : "\n       ") + std::string("{\"layer\": ") + std::to_string(l + 1) +
             ", \"name\": " + json::string(L.name) + ", \"forward_var\": " + finite_or_null(L.forward_var) +
             ", \"backward_var\": " + finite_or_null(L.backward_var) + ", \"forward_mean\": " +
             finite_or_null(L.forward_mean) + ", \"forward_ratio\": " + finite_or_null(L.forward_ratio) +
             ", \"backward_ratio\": " + finite_or_null(L.backward_ratio) + ", \"forward_second_moment\": " +
             finite_or_null(L.forward_second_moment) + ", \"in_branch\": " + json::boolean(L.in_branch) + "}";
    }
    const auto& J = s.jacobian;
    std::vector<std::string> sv;
    for (double v : J.singular_values) sv.push_back(finite_or_null(v));
    out += "],\n     \"jacobian\": {\"computed\": " + json::boolean(J.computed) + ", \"note\": " +
           (J.note.empty() ? std::string("null") : json::string(J.note)) + ", \"mean_sq_singular\": " +
           finite_or_null(J.mean_sq_singular) + ", \"max_singular\": " + finite_or_null(J.max_singular) +
           ", \"min_singular\": " + finite_or_null(J.min_singular) + ", \"singular_values\": " + json::array(sv) + "}";
    out += ",\n     \"weights\": [";
    for (std::size_t w = 0; w < s.weights.size(); ++w)
      out += (w ? ", " : "") + std::string("{\"name\": ") + json::string(s.weights[w].name) + ", \"rows\": " +
             json::integer(s.weights[w].rows) + ", \"cols\": " + json::integer(s.weights[w].cols) + ", \"mean\": " +
             finite_or_null(s.weights[w].mean) + ", \"var\": " + finite_or_null(s.weights[w].var) + "}";
    out += "]";
    if (run.lsuv) out += ",\n     \"lsuv\": " + lsuv_json(run.lsuv);
    if (run.tokens) out += ",\n     \"tokens\": " + tokens_json(*run.tokens);
    if (const train_run* tr = training_of(r, i)) {
      const std::size_t a = i / c.schemes.size();
      out += ",\n     \"train\": {\"model\": " + json::string(r.train_models[a]) + ", \"data\": " +
             json::string(r.train_data) + ", \"synthetic\": " + json::boolean(r.train_synthetic) + ", \"outcome\": " +
             json::string(tr->outcome) + ", \"final_train_loss\": " + finite_or_null(tr->result.final_train_loss) +
             ", \"diverged\": " + json::boolean(tr->result.diverged) + ", \"diverged_step\": " +
             (tr->result.diverged ? json::integer(tr->result.diverged_step) : std::string("null")) + ", \"steps\": " +
             json::integer(tr->result.steps) + ", \"lsuv\": " + lsuv_json(tr->lsuv) + ", \"epochs\": [";
      const auto* t = tr;
      for (std::size_t e = 0; e < t->result.epochs.size(); ++e) {
        const auto& E = t->result.epochs[e];
        out += (e ? ", " : "") + std::string("{\"epoch\": ") + json::integer(E.epoch) + ", \"test_accuracy\": " +
               finite_or_null(E.test_accuracy) + ", \"train_loss\": " + finite_or_null(E.train_loss) +
               ", \"test_loss\": " + finite_or_null(E.test_loss) + "}";
      }
      out += "], \"loss_curve\": [";
      for (std::size_t p = 0; p < t->result.curve.size(); ++p)
        out += (p ? ", " : "") + std::string("{\"step\": ") + json::integer(t->result.curve[p].step) +
               ", \"loss\": " + finite_or_null(t->result.curve[p].loss) + "}";
      out += "], \"seconds\": " + json::number(t->result.seconds) + "}";
    }
    out += "}";
  }
  return out + "\n  ]\n}\n";
}

/// A transformer's token cosine and attention entropy against depth, one line per scheme.
report::section attention_section(const config& c, const results& r, std::size_t a) {
  report::section sec;
  sec.heading = c.activations[a].text() + ": attention";
  sec.text = "Mean cosine between the token representations of an example (1: every token the same, rank collapse), "
             "at the embedding (block 0) and after each block; attention entropy over the log of the keys a query sees, "
             "mean over heads (1: uniform attention, 0: one key).";
  svg::figure cos{"token cosine", "block", "mean pairwise cosine", false, false, {}, 640, 400};
  svg::figure ent{"attention entropy", "block", "entropy / log(keys)", false, false, {}, 640, 400};
  for (std::size_t s = 0; s < c.schemes.size(); ++s) {
    const signal_run& run = r.signal[a * c.schemes.size() + s];
    svg::series cl{run.scheme->label, {}, {}}, el{run.scheme->label, {}, {}};
    if (run.tokens) {
      for (std::size_t b = 0; b < run.tokens->stream.size(); ++b)
        cl.x.push_back(static_cast<double>(b)), cl.y.push_back(run.tokens->stream[b].mean_cosine);
      for (std::size_t b = 0; b < run.tokens->entropy.size(); ++b)
        el.x.push_back(static_cast<double>(b + 1)), el.y.push_back(h::mean_entropy(*run.tokens, b));
    }
    cos.lines.push_back(std::move(cl)), ent.lines.push_back(std::move(el));
  }
  sec.figures = {std::move(cos), std::move(ent)};
  return sec;
}

std::string html(const config& c, const results& r) {
  report::document doc;
  doc.title = "nninit compare: " + c.arch + ", depth " + std::to_string(c.depth) + ", width " + std::to_string(c.width);
  doc.command = c.command;
  doc.notes.push_back("Signal propagation: " + signal_setup(c, r) + ".");
  if (!r.train.empty()) {
    doc.notes.push_back("Training: " + train_setup(c, r) + ".");
    if (r.train_synthetic) doc.notes.push_back("Training used the built-in synthetic task, not Fashion-MNIST: " + r.train_data);
  }
  doc.summary.header = table_header(c, !r.train.empty());
  doc.summary.rows = table_rows(c, r);

  for (std::size_t a = 0; a < c.activations.size(); ++a) {
    report::section sec;
    sec.heading = c.activations[a].text() + ": signal propagation";
    sec.text = "Variance over the batch and the units of each layer's pre-activation (forward) and of the loss "
               "gradient with respect to it (backward), layer 1 at the input; in a residual network, the layers of "
               "the main path (the stem and each block's output; the branches' inner layers are in the JSON). "
               "Missing points overflowed.";
    svg::figure fwd{"forward variance", "layer", "Var[pre-activation]", false, true, {}, 640, 400};
    svg::figure bwd{"backward variance", "layer", "Var[d loss / d pre-activation]", false, true, {}, 640, 400};
    svg::figure spec{"Jacobian singular values", "rank / size", "singular value", false, true, {}, 640, 400};
    for (std::size_t s = 0; s < c.schemes.size(); ++s) {
      const signal_run& run = r.signal[a * c.schemes.size() + s];
      svg::series f{run.scheme->label, {}, {}}, b{run.scheme->label, {}, {}}, j{run.scheme->label, {}, {}};
      for (const auto& layer : run.stats.layers) {
        if (layer.in_branch) continue;
        f.x.push_back(static_cast<double>(f.x.size() + 1)), f.y.push_back(layer.forward_var);
        b.x.push_back(static_cast<double>(b.x.size() + 1)), b.y.push_back(layer.backward_var);
      }
      const auto& sv = run.stats.jacobian.singular_values;
      for (std::size_t k = 0; k < sv.size(); ++k)
        j.x.push_back((static_cast<double>(k) + 0.5) / static_cast<double>(sv.size())), j.y.push_back(sv[k]);
      fwd.lines.push_back(std::move(f)), bwd.lines.push_back(std::move(b)), spec.lines.push_back(std::move(j));
    }
    sec.figures = {std::move(fwd), std::move(bwd)};
    if (c.arch != "lm") sec.figures.push_back(std::move(spec));  // token ids have no Jacobian
    doc.sections.push_back(std::move(sec));
    if (c.transformer()) doc.sections.push_back(attention_section(c, r, a));
  }

  for (std::size_t a = 0; a < c.activations.size() && !r.train.empty(); ++a) {
    report::section sec;
    sec.heading = c.activations[a].text() + ": training";
    sec.text = r.train_models[a] + ". A line that ends in a cross diverged there.";
    svg::figure loss{"training loss", "step", "cross-entropy (mean of " + std::to_string(r.train_options.loss_window) + " steps)",
                     false, false, {}, 640, 400};
    svg::figure acc{"test accuracy", "epoch", "accuracy (%)", false, false, {}, 640, 400};
    report::table t{{"scheme", "train loss", "test acc", "test loss", "training"}, {}};
    for (std::size_t s = 0; s < c.schemes.size(); ++s) {
      const train_run& run = r.train[a * c.schemes.size() + s];
      svg::series l{run.scheme->label, {}, {}}, e{run.scheme->label, {}, {}};
      for (const auto& p : run.result.curve) l.x.push_back(static_cast<double>(p.step)), l.y.push_back(p.loss);
      if (run.result.diverged) l.x.push_back(static_cast<double>(run.result.diverged_step)), l.y.push_back(INFINITY);
      e.x.push_back(0), e.y.push_back(NAN);
      for (const auto& E : run.result.epochs) e.x.push_back(static_cast<double>(E.epoch)), e.y.push_back(100 * E.test_accuracy);
      loss.lines.push_back(std::move(l)), acc.lines.push_back(std::move(e));
      const auto* last = run.result.epochs.empty() ? nullptr : &run.result.epochs.back();
      t.rows.push_back({run.scheme->label, short_number(run.result.final_train_loss), accuracy_text(&run),
                        last ? short_number(last->test_loss) : "-", run.outcome});
    }
    sec.figures = {std::move(loss)};
    if (c.train_options.epochs > 1) sec.figures.push_back(std::move(acc));
    sec.table = std::move(t);
    doc.sections.push_back(std::move(sec));
  }
  return report::html(doc);
}

}  // namespace nninit_cli::compare
