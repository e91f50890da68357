// The tiny consumer of the installed package: the theorem run on the
// README's 4-token target through the library's front door (d = auto, the
// smallest proved dimension), a proved bound, and the report's JSON. Prints
// one line; exits 0 when the construction is certified.
#include <iostream>

#include "jlattn/bounds/rigorous_bounds.hpp"
#include "jlattn/io/report.hpp"
#include "jlattn/pipeline/construction.hpp"

int main() {
  const jlattn::Target A = jlattn::Target::from_entries(
      4, {{0, 0, 1.0}, {0, 1, 2.0}, {1, 1, 1.0}, {2, 0, 1.0}, {2, 2, 3.0}, {3, 0, 1.0}, {3, 3, 1.0}});
  const jlattn::CertifiedConstruction result = jlattn::construct_and_certify(A, jlattn::ConstructionParameters{});
  jlattn::BoundQuery query;
  query.L = 4;
  query.k = 2;
  query.eps = 1.0;
  query.gamma = 0.1;
  query.rho = 1.0986122886681098;
  const jlattn::DimensionBound d_star = jlattn::find_bound(jlattn::rigorous_bounds(query), jlattn::BoundName::d_star);
  const std::string report = jlattn::io::construction_report_json(result.construction, result.certificate);
  std::cout << "consumer: d = " << result.construction.d << " " << jlattn::to_string(result.certificate.verdict)
            << ", d* = " << d_star.d
            << ", report " << (report.front() == '{' ? "ok" : "malformed") << "\n";
  return result.certificate.verdict == jlattn::Verdict::certified ? 0 : 1;
}
