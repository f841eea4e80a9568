// ROC curves of several classifiers, one line per model, with the AUC in the legend.
//
//   root -l -b -q 'macros/plot_roc.C("roc.root", "roc.png")'
//
// Arguments: input file, output image (.png/.pdf/.svg/.eps), y axis: "rejection" (1 / background efficiency on a
// logarithmic scale, the ATLAS convention) or "efficiency" (background efficiency, linear, with the diagonal of a
// random guess). Input layout (written by higgshunt.plotting.roc_file.write_roc_file): docs/plot_inputs.md.
#include "atlas_style.h"

#include "TGraph.h"
#include "TH1.h"
#include "TLegend.h"
#include "TLine.h"

namespace {

struct Curve {
  std::string model;
  TGraph* graph;  // x = signal efficiency, y = background efficiency
  double auc;     // negative when the file has no `auc_<model>`
};

/// Every `roc_<model>` TGraph at the top of the file, in file order, with its `auc_<model>` when present.
std::vector<Curve> read_curves(TFile& file) {
  std::vector<Curve> curves;
  for (const auto& key : hhplot::key_names(file)) {
    const TString name = key.c_str();
    if (!name.BeginsWith("roc_")) continue;
    const std::string model = name(4, name.Length() - 4).Data();
    auto& graph = hhplot::get<TGraph>(file, name.Data());
    if (graph.GetN() < 2) throw hhplot::Failure(hhplot::where(file, name.Data()) + " has fewer than 2 points");
    auto* auc = hhplot::find<TParameter<double>>(file, "auc_" + model);
    curves.push_back({model, &graph, auc ? auc->GetVal() : -1.});
  }
  if (curves.empty()) throw hhplot::Failure(std::string("no TGraph 'roc_<model>' in ") + file.GetName());
  return curves;
}

/// The curve as drawn: background rejection 1/eps_b where eps_b > 0, or the efficiencies unchanged.
TGraph* drawn(const Curve& curve, bool rejection) {
  const TGraph& roc = *curve.graph;
  auto* graph = new TGraph();
  graph->SetName(curve.model.c_str());
  for (int i = 0; i < roc.GetN(); ++i) {
    const double eps_b = roc.GetPointY(i);
    if (rejection && eps_b <= 0.) continue;
    graph->SetPoint(graph->GetN(), roc.GetPointX(i), rejection ? 1. / eps_b : eps_b);
  }
  return graph;
}

}  // namespace

void plot_roc(const char* file, const char* out, const char* y_axis = "rejection") {
  hhplot::run("plot_roc", [&] {
    const std::string mode = y_axis;
    if (mode != "rejection" && mode != "efficiency") {
      throw hhplot::Failure("y axis '" + mode + "' is not one of rejection, efficiency");
    }
    const bool rejection = mode == "rejection";
    hhplot::set_atlas_style();
    auto input = hhplot::open_input(file);
    const auto curves = read_curves(*input);

    std::vector<TGraph*> graphs;
    double top = 1.;
    for (const auto& curve : curves) {
      graphs.push_back(drawn(curve, rejection));
      for (int i = 0; i < graphs.back()->GetN(); ++i) top = std::max(top, graphs.back()->GetPointY(i));
    }

    auto canvas = hhplot::make_canvas(800, 700);
    canvas->SetLogy(rejection);
    TH1* frame = canvas->DrawFrame(0., rejection ? 0.8 : 0., 1., rejection ? std::pow(top, 1.4) * 3. : 1.45);
    frame->GetXaxis()->SetTitle("Signal efficiency");
    frame->GetYaxis()->SetTitle(rejection ? "Background rejection 1/#varepsilon_{b}" : "Background efficiency");
    // Legend where the curves are not: top right for rejections, above the diagonal for efficiencies.
    const double legend_top = rejection ? 0.92 : 0.79;
    const double legend_height = 0.055 * static_cast<double>(curves.size() + (rejection ? 0 : 1));
    auto legend = rejection ? std::make_unique<TLegend>(0.5, legend_top - legend_height, 0.93, legend_top)
                            : std::make_unique<TLegend>(0.18, legend_top - legend_height, 0.6, legend_top);
    if (!rejection) {
      auto* diagonal = new TLine(0., 0., 1., 1.);
      diagonal->SetLineStyle(2);
      diagonal->SetLineColor(kGray + 1);
      diagonal->Draw();
      legend->AddEntry(diagonal, "Random guess", "l");
    }
    for (std::size_t i = 0; i < curves.size(); ++i) {
      graphs[i]->SetLineColor(hhplot::colour(i));
      graphs[i]->SetLineWidth(3);
      graphs[i]->Draw("l same");
      const std::string label =
          curves[i].auc >= 0. ? curves[i].model + Form(" (AUC = %.4f)", curves[i].auc) : curves[i].model;
      legend->AddEntry(graphs[i], label.c_str(), "l");
    }
    legend->Draw();
    hhplot::draw_data_label(0.19, rejection ? 0.24 : 0.88, hhplot::read_data_label(*input, "simulation"),
                             {hhplot::energy_lumi_line(-1.)});
    canvas->RedrawAxis();
    hhplot::save(*canvas, out);
  });
}
