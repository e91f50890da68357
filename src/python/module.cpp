// jlattn._jlattn: the Python front end's compiled half. It parses nothing
// the library can parse itself: every parameter goes to the library's own
// parsers (parse_dimension, parse_projection, parse_memory_size) and every
// check and message is the library's, exactly as for the command line
// (src/cli/). Python floats arrive as the doubles they are; results leave
// as doubles, NumPy arrays over the library's own memory, and the JSON of
// io/report.hpp. The public API, with its docstrings, is jlattn/__init__.py.

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <istream>
#include <streambuf>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "jlattn/bounds/rigorous_bounds.hpp"
#include "jlattn/certify/certificate.hpp"
#include "jlattn/core/errors.hpp"
#include "jlattn/core/weights.hpp"
#include "jlattn/explain/explain.hpp"
#include "jlattn/io/target_file.hpp"
#include "jlattn/io/report.hpp"
#include "jlattn/pipeline/construction.hpp"
#include "jlattn/pipeline/memory_guard.hpp"
#include "jlattn/pipeline/parameters.hpp"
#include "jlattn/proof/lemma4_adaptive_input.hpp"
#include "python/interruptible.hpp"

namespace py = pybind11;

namespace jlattn::python {

namespace {

// ---- arrays ---------------------------------------------------------------

using DoubleArray = py::array_t<double, py::array::c_style>;

// A read-only NumPy view of M's memory, kept alive by `owner`.
py::array view(const Matrix& M, py::handle owner) {
  py::array a(py::dtype::of<double>(), {M.rows(), M.cols()},
              {static_cast<py::ssize_t>(sizeof(double)) * M.cols(), static_cast<py::ssize_t>(sizeof(double))},
              M.data(), owner);
  py::detail::array_proxy(a.ptr())->flags &= ~py::detail::npy_api::NPY_ARRAY_WRITEABLE_;
  return a;
}

// A 2-D C-ordered float64 array copied into the library's matrix type.
Matrix matrix(const DoubleArray& a, const char* name) {
  if (a.ndim() != 2)
    throw InputError(std::string(name) + " must be a 2-D array, got " + std::to_string(a.ndim()) + " dimension(s)");
  Matrix M(a.shape(0), a.shape(1));
  if (M.size() > 0) std::memcpy(M.data(), a.data(), sizeof(double) * static_cast<std::size_t>(M.size()));
  return M;
}

py::object json_loads(const std::string& text) { return py::module_::import("json").attr("loads")(text); }

py::tuple pair(const Enclosure& e) { return py::make_tuple(e.lower, e.upper); }

// ---- the objects Python sees ----------------------------------------------

using SharedTarget = std::shared_ptr<Target>;

/// What jlattn.construct() returns: the construction and its certificate,
/// with the target it was built from; W_Q and W_K are made on first use.
struct ConstructionResult {
  SharedTarget target;
  CertifiedConstruction result;
  std::size_t max_memory_bytes = 0;
  std::optional<py::object> W_Q, W_K;
};

// Lemma 4's selectors as dense arrays (query_weights, key_weights: 16 d^2
// bytes each), refused above the memory limit like everything else.
py::object lemma4_weights(ConstructionResult& c, bool query) {
  std::optional<py::object>& cached = query ? c.W_Q : c.W_K;
  if (!cached) {
    const std::size_t d = c.result.construction.d;
    const std::size_t bytes = d > SIZE_MAX / (16 * d) ? SIZE_MAX : 16 * d * d;
    require_memory(bytes, c.max_memory_bytes, std::string(query ? "W_Q" : "W_K") + " (2d x d) for d = " + std::to_string(d));
    auto W = std::make_unique<Matrix>(query ? query_weights(d) : key_weights(d));
    py::capsule owner(W.get(), [](void* p) { delete static_cast<Matrix*>(p); });
    const Matrix& ref = *W.release();
    cached = view(ref, owner);
  }
  return *cached;
}

std::string verdict_text(const Certificate& c) { return to_string(c.verdict); }

// ---- calls ----------------------------------------------------------------

// A read-only, seekable stream over bytes Python owns (no copy): the
// .npz reader seeks.
class MemoryStreamBuffer : public std::streambuf {
 public:
  MemoryStreamBuffer(const char* data, std::size_t size) {
    char* begin = const_cast<char*>(data);  // never written: no put area
    setg(begin, begin, begin + size);
  }

 protected:
  pos_type seekoff(off_type offset, std::ios_base::seekdir direction, std::ios_base::openmode) override {
    const off_type base = direction == std::ios_base::beg ? 0 : direction == std::ios_base::cur ? gptr() - eback()
                                                                                                   : egptr() - eback();
    const off_type to = base + offset;
    if (to < 0 || to > egptr() - eback()) return pos_type(off_type(-1));
    setg(eback(), eback() + to, egptr());
    return pos_type(to);
  }
  pos_type seekpos(pos_type position, std::ios_base::openmode which) override {
    return seekoff(off_type(position), std::ios_base::beg, which);
  }
};

// A target from the bytes of a file (a .npy or .npz that Python wrote in
// memory): the readers of `jlattn construct --target`, with their checks and
// messages, naming the target `name`.
SharedTarget read_target_bytes(const py::buffer& bytes, const std::string& name, std::size_t max_memory_bytes) {
  const py::buffer_info info = bytes.request();
  if (info.ndim != 1 || info.itemsize != 1) throw InputError(name + ": expected the bytes of a file");
  py::gil_scoped_release release;  // `info` keeps the buffer until the GIL is back
  MemoryStreamBuffer buffer(static_cast<const char*>(info.ptr), static_cast<std::size_t>(info.size));
  std::istream in(&buffer);
  return std::make_shared<Target>(io::read_target(in, name, memory_limit_bytes(max_memory_bytes)));
}

SharedTarget read_target_file(const std::string& path, std::size_t max_memory_bytes) {
  return std::make_shared<Target>(io::read_target_file(path, memory_limit_bytes(max_memory_bytes)));
}

// The parameters of `jlattn construct` and `jlattn explain`, parsed in the
// order of their checks (construct_commands.cpp, explain_command.cpp); the
// library's validate() checks them all, the gap among them, when it runs.
ConstructionParameters construction_parameters(double eps, double gamma, double delta, std::optional<double> gap_Delta,
                                               const std::string& d, const std::string& bound,
                                               const std::string& projection, std::uint64_t seed) {
  ConstructionParameters parameters;
  parameters.eps = eps;
  parameters.gamma = gamma;
  parameters.delta = delta;
  parameters.seed = seed;
  parameters.projection = parse_projection(projection);
  parse_dimension(d, bound, parameters);
  parameters.gap_Delta = gap_Delta;
  return parameters;
}

std::unique_ptr<ConstructionResult> construct_call(const SharedTarget& A, double eps, double gamma, double delta,
                                              const std::string& d, const std::string& bound,
                                              std::optional<double> gap_Delta, const std::string& projection,
                                              std::uint64_t seed, unsigned threads, std::size_t max_memory_bytes) {
  const ConstructionParameters parameters =
      construction_parameters(eps, gamma, delta, gap_Delta, d, bound, projection, seed);
  ResourcePolicy policy;
  policy.threads = threads;
  policy.max_memory_bytes = max_memory_bytes;
  auto out = std::make_unique<ConstructionResult>();
  out->target = A;
  out->max_memory_bytes = max_memory_bytes;
  out->result = run_interruptible([&](const StopRequest& stop) {
    policy.stop = stop;
    return construct_and_certify(*A, parameters, policy);
  });
  return out;
}

/// What jlattn.certify() returns: the certificate and, as `jlattn certify`
/// prints beside it, the lower bound at the given matrices' norms.
struct MatricesCertificate : Certificate {
  LowerBoundAtNorms lower_bound;
};

std::string matrices_certificate_json(const MatricesCertificate& c) {
  return io::certificate_json(c, &c.lower_bound);
}

MatricesCertificate certify_call(const SharedTarget& A, const DoubleArray& X, const std::optional<DoubleArray>& W_Q,
                    const std::optional<DoubleArray>& W_K, double eps, double gamma, bool scaled,
                    const std::string& product, unsigned threads, unsigned max_precision, std::uint64_t max_exact_work,
                    bool exact_only, bool float32, std::size_t max_memory_bytes) {
  if (W_Q.has_value() != W_K.has_value())
    throw InputError("give both W_Q and W_K, or neither for Lemma 4's selectors W_Q = [I_d; 0], W_K = [0; I_d]");
  if (X.ndim() != 2) throw InputError("X must be a 2-D array, got " + std::to_string(X.ndim()) + " dimension(s)");
  const bool lemma4 = !W_Q.has_value();
  if (!lemma4 && W_Q->ndim() != 2) throw InputError("W_Q must be a 2-D array");
  const auto L = static_cast<std::size_t>(X.shape(0)), m = static_cast<std::size_t>(X.shape(1));
  const std::size_t d = lemma4 ? m / 2 : static_cast<std::size_t>(W_Q->shape(1));
  require_certification_memory(L, m, d, lemma4, threads, exact_only, max_memory_bytes);
  CertificationLimits limits;
  limits.max_precision_bits = max_precision;
  limits.max_exact_multiply_adds = max_exact_work;
  limits.exact_only = exact_only;
  limits.float32 = float32;
  limits.threads = threads;
  limits.product = score_product_named(product);
  const Matrix Xm = matrix(X, "X");
  Weights Q, K;
  if (lemma4) {
    if (Xm.cols() < 2 || Xm.cols() % 2 != 0)
      throw InputError("Lemma 4's selectors (W_Q and W_K not given) need X with 2d columns, got " +
                       std::to_string(Xm.cols()));
    Q = Weights::lemma4_query(d);
    K = Weights::lemma4_key(d);
  } else {
    Q = Weights::from_matrix(matrix(*W_Q, "W_Q"));
    K = Weights::from_matrix(matrix(*W_K, "W_K"));
  }
  // Both off the GIL, on the worker (the norms can cost a product of X and W).
  return run_interruptible([&](const StopRequest& stop) {
    limits.stop = stop;
    MatricesCertificate out;
    static_cast<Certificate&>(out) = jlattn::certify(*A, Xm, Q, K, eps, gamma, scaled, limits);
    out.lower_bound = lower_bound_at_norms(A->L(), gamma, Xm, Q, K, scaled, limits.threads);
    return out;
  });
}

py::object bound_call(std::uint64_t L, std::uint64_t k, double eps, double gamma, double rho, double delta,
                      const std::optional<std::string>& projection, std::optional<double> gap_Delta,
                      std::optional<double> norm_budget) {
  // The order of `jlattn bound` (bound_commands.cpp).
  const BoundQuery query{
      .L = L, .k = k, .eps = eps, .gamma = gamma, .rho = rho, .delta = delta, .gap_Delta = gap_Delta,
      .norm_budget = norm_budget};
  std::vector<Projection> laws = {Projection::gaussian, Projection::rademacher, Projection::achlioptas};
  if (projection) laws = {parse_projection(*projection)};
  const auto start = std::chrono::steady_clock::now();
  const BoundReport report = run_interruptible([&](const StopRequest& stop) { return rigorous_bounds(query, stop); });
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return json_loads(io::bound_report_json(report, laws, ms).dump());
}

Walkthrough walkthrough(const SharedTarget& A, double eps, double gamma, double delta, std::optional<double> gap_Delta,
                        const std::string& d, const std::string& projection, std::uint64_t seed) {
  const ConstructionParameters parameters =
      construction_parameters(eps, gamma, delta, gap_Delta, d, "auto", projection, seed);
  return run_interruptible([&](const StopRequest& stop) {
    ResourcePolicy policy;
    policy.stop = stop;
    return jlattn::explain(*A, parameters, policy);
  });
}

void translate_exceptions() {
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const MemoryLimitError& e) {
      PyErr_SetString(PyExc_MemoryError, e.what());
    } catch (const InputError& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const std::bad_alloc&) {
      // The command line's message (src/cli/main.cpp).
      PyErr_SetString(PyExc_MemoryError, "out of memory (try a smaller --d)");
    } catch (const Cancelled& e) {
      PyErr_SetString(PyExc_KeyboardInterrupt, e.what());
    }
  });
}

}  // namespace

}  // namespace jlattn::python

PYBIND11_MODULE(_jlattn, m) {
  using namespace jlattn;
  using namespace jlattn::python;
  m.doc() = "The compiled half of the jlattn package; use the functions of jlattn (jlattn/__init__.py).";
  m.attr("__version__") = JLATTN_VERSION;
  translate_exceptions();

  py::class_<Target, SharedTarget>(m, "Target",
                                   "A target of Definition 1, validated: L x L, non-negative, a positive entry in "
                                   "every row. Made by jlattn.target().")
      .def_property_readonly("L", &Target::L, "the number of tokens L")
      .def_property_readonly("k", &Target::k, "the row sparsity k (most positive entries in a row)")
      .def_property_readonly("nnz", &Target::nnz, "the number of positive entries")
      .def_property_readonly("rho", &Target::rho,
                             "the dynamic range rho, a double-precision evaluation (jlattn.bound proves its bounds "
                             "from an upper bound on it)")
      .def("dense", [](const Target& A) {
        py::array_t<double> out({A.L(), A.L()});
        const Matrix D = A.dense();
        std::memcpy(out.mutable_data(), D.data(), sizeof(double) * static_cast<std::size_t>(D.size()));
        return out;
      }, "the target as a dense L x L float64 array (for small L)")
      .def("__repr__", [](const Target& A) {
        return "<jlattn.Target L=" + std::to_string(A.L()) + " k=" + std::to_string(A.k()) + " nnz=" +
               std::to_string(A.nnz()) + ">";
      });

  py::class_<CertifiedWitness>(m, "Witness",
                               "A proved violation of Definition 2 (0-based indices): R1 for j in supp_i, R2 for "
                               "j outside it, always with j' in supp_i; margin encloses by how much it fails (> 0).")
      .def_readonly("i", &CertifiedWitness::i)
      .def_readonly("j", &CertifiedWitness::j)
      .def_readonly("j_prime", &CertifiedWitness::j_prime)
      .def_property_readonly("condition", [](const CertifiedWitness& w) { return to_string(w.condition); },
                             "'R1' or 'R2'")
      .def_property_readonly("margin", [](const CertifiedWitness& w) { return pair(w.margin); },
                             "(lower, upper), an enclosure with lower > 0")
      .def("__repr__", [](const CertifiedWitness& w) {
        return "<jlattn.Witness (i, j, j')=(" + std::to_string(w.i) + ", " + std::to_string(w.j) + ", " +
               std::to_string(w.j_prime) + ") " + to_string(w.condition) + ">";
      });

  py::class_<Certificate>(m, "Certificate",
                          "The certificate of Definition 2 for given matrices (proofs/certificate.md): "
                          "'certified' and 'refuted' are proofs about the stored doubles, 'undecided' only at a "
                          "resource limit. The names are those of `jlattn certify --json`.")
      .def_property_readonly("verdict", &verdict_text, "'certified', 'refuted' or 'undecided'")
      .def_readonly("eps", &Certificate::eps)
      .def_readonly("gamma", &Certificate::gamma)
      .def_readonly("scaled", &Certificate::scaled)
      .def_property_readonly("eps_hat", [](const Certificate& c) { return pair(c.eps_hat); },
                             "(lower, upper): an enclosure of the achieved eps_hat")
      .def_property_readonly("gamma_hat", [](const Certificate& c) { return pair(c.gamma_hat); },
                             "(lower, upper): an enclosure of the achieved gamma_hat")
      .def_property_readonly("log_gamma_hat", [](const Certificate& c) { return pair(c.log_gamma_hat); },
                             "(lower, upper): an enclosure of ln gamma_hat")
      .def_readonly("rows", &Certificate::rows)
      .def_readonly("rows_decided_by_filter", &Certificate::rows_filter)
      .def_readonly("rows_decided_in_float32", &Certificate::rows_float32)
      .def_readonly("rows_refined_in_double", &Certificate::rows_refined)
      .def_readonly("rows_decided_by_exact_pass", &Certificate::rows_exact)
      .def_readonly("rows_undecided", &Certificate::rows_undecided)
      .def_readonly("max_precision_bits", &Certificate::max_precision_used)
      .def_readonly("exact_multiply_adds", &Certificate::exact_multiply_adds)
      .def_readonly("filter_used", &Certificate::filter_used)
      .def_readonly("filter_product", &Certificate::score_product)
      .def_readonly("filter_note", &Certificate::filter_note)
      .def_readonly("undecided_reason", &Certificate::undecided_reason)
      .def_property_readonly("witness", [](const Certificate& c) -> py::object {
        return c.witness ? py::cast(*c.witness) : py::none();
      }, "a Witness when refuted, else None")
      .def("json", [](const Certificate& c) { return io::certificate_json(c); },
           "the certificate as JSON (the names of `jlattn certify --json`)")
      .def("as_dict", [](const Certificate& c) { return json_loads(io::certificate_json(c)); },
           "the certificate as a dict (the JSON of json())")
      .def("__repr__", [](const Certificate& c) {
        return "<jlattn.Certificate " + to_string(c.verdict) + ", rows=" + std::to_string(c.rows) + ">";
      });

  py::class_<MatricesCertificate, Certificate>(
      m, "MatricesCertificate",
      "What jlattn.certify() returns: a Certificate, and the proved lower bound d_lower at the given matrices' "
      "norms (proofs/lower-bound.md), as `jlattn certify --json` prints them")
      .def_property_readonly("d_lower", [](const MatricesCertificate& c) {
        const py::object document = json_loads(matrices_certificate_json(c));
        return py::object(document["d_lower"]);
      }, "the lower bound at these matrices' norms, as in `jlattn certify --json`")
      .def("json", &matrices_certificate_json, "the certificate as `jlattn certify --json` prints it")
      .def("as_dict", [](const MatricesCertificate& c) { return json_loads(matrices_certificate_json(c)); },
           "the certificate as a dict (the JSON of json())");

  py::class_<ConstructionResult>(m, "Construction",
                                 "What jlattn.construct() returns: the input X of the constructive proof, Lemma "
                                 "4's W_Q and W_K, the report and the certificate of the emitted matrices.")
      .def_property_readonly("X", [](py::object self) {
        return view(self.cast<ConstructionResult&>().result.construction.X, self);
      }, "X = [B R | R], L x 2d float64, read-only: a view of the library's memory, no copy")
      .def_property_readonly("W_Q", [](ConstructionResult& c) { return lemma4_weights(c, true); },
                             "W_Q = [I_d; 0], 2d x d float64, read-only; made on first use (16 d^2 bytes)")
      .def_property_readonly("W_K", [](ConstructionResult& c) { return lemma4_weights(c, false); },
                             "W_K = [0; I_d], 2d x d float64, read-only; made on first use (16 d^2 bytes)")
      .def_property_readonly("d", [](const ConstructionResult& c) { return c.result.construction.d; },
                             "the query dimension d used")
      .def_property_readonly("target", [](const ConstructionResult& c) { return c.target; }, "the Target")
      .def_property_readonly("certificate", [](const ConstructionResult& c) { return c.result.certificate; },
                             "the Certificate of X with W_Q, W_K (a proof, or an honest undecided)")
      .def_property_readonly("report", [](const ConstructionResult& c) {
        return json_loads(io::construction_report_json(c.result.construction, c.result.certificate));
      }, "report.json of `jlattn construct` as a dict")
      .def("report_json", [](const ConstructionResult& c) {
        return io::construction_report_json(c.result.construction, c.result.certificate);
      }, "report.json of `jlattn construct`, the same text")
      .def("__repr__", [](const ConstructionResult& c) {
        const Construction& k = c.result.construction;
        return "<jlattn.Construction L=" + std::to_string(k.L) + " d=" + std::to_string(k.d) + " " +
               to_string(c.result.certificate.verdict) + ">";
      });

  py::class_<WalkthroughOptions>(m, "WalkthroughOptions")
      .def(py::init<>())
      .def_readwrite("target_name", &WalkthroughOptions::target_name)
      .def_readwrite("command", &WalkthroughOptions::command)
      .def_readwrite("check_command", &WalkthroughOptions::check_command)
      .def_readwrite("proofs_prefix", &WalkthroughOptions::proofs_prefix)
      .def_readwrite("mathjax_url", &WalkthroughOptions::mathjax_url);

  py::class_<Walkthrough>(m, "Walkthrough")
      .def_property_readonly("d", [](const Walkthrough& w) { return w.construction.d; })
      .def_property_readonly("trivial", [](const Walkthrough& w) { return w.construction.trivial; })
      .def("markdown", &walkthrough_markdown, py::arg("options"))
      .def("html", &walkthrough_html, py::arg("options"));

  m.def("read_target_bytes", &read_target_bytes, py::arg("data"), py::arg("name"), py::arg("max_memory"));
  m.def("read_target_file", &read_target_file, py::arg("path"), py::arg("max_memory"),
        py::call_guard<py::gil_scoped_release>());
  m.def("demo_target", [](std::size_t L, std::uint64_t seed) {
    return std::make_shared<Target>(window_global_target(L, seed));
  }, py::arg("L"), py::arg("seed"));
  m.def("parse_memory_size", &parse_memory_size, py::arg("text"));
  m.def("construct", &construct_call, py::arg("A"), py::arg("eps"), py::arg("gamma"), py::arg("delta"), py::arg("d"),
        py::arg("bound"), py::arg("gap_Delta").none(true), py::arg("projection"), py::arg("seed"), py::arg("threads"),
        py::arg("max_memory"));
  m.def("certify", &certify_call, py::arg("A"), py::arg("X"), py::arg("W_Q").none(true), py::arg("W_K").none(true),
        py::arg("eps"), py::arg("gamma"), py::arg("scaled"), py::arg("product"), py::arg("threads"),
        py::arg("max_precision"), py::arg("max_exact_work"), py::arg("exact_only"), py::arg("float32"),
        py::arg("max_memory"));
  m.def("bound", &bound_call, py::arg("L"), py::arg("k"), py::arg("eps"), py::arg("gamma"), py::arg("rho"),
        py::arg("delta"), py::arg("projection").none(true), py::arg("gap_Delta").none(true),
        py::arg("norm_budget").none(true));
  m.def("walkthrough", &walkthrough, py::arg("A"), py::arg("eps"), py::arg("gamma"), py::arg("delta"),
        py::arg("gap_Delta").none(true), py::arg("d"), py::arg("projection"), py::arg("seed"));
  m.def("defaults", [] {
    // The library's defaults, which the Python signatures repeat (a test compares them).
    const ConstructionParameters p;
    const CertificationLimits limits;
    const BoundQuery q;
    py::dict out;
    out["eps"] = p.eps;
    out["gamma"] = p.gamma;
    out["delta"] = p.delta;
    out["seed"] = p.seed;
    out["projection"] = to_string(p.projection);
    out["bound"] = to_string(p.bound);
    out["max_precision"] = limits.max_precision_bits;
    out["max_exact_work"] = limits.max_exact_multiply_adds;
    out["float32"] = limits.float32;
    out["gap_Delta"] = p.gap_Delta;
    out["bound_rho"] = q.rho;
    out["bound_delta"] = q.delta;
    return out;
  });
}
