// The skim's cutflows of every sample (or one) on a logarithmic scale, one point per cut.
//
//   root -l -b -q 'macros/plot_cutflow.C("skim/hzz4l/histograms.root", "cutflow.png")'
//
// Arguments: input file, output image (.png/.pdf/.svg/.eps), sample (a top-level directory; "" = every directory
// holding a cutflow), what to draw: "efficiency" (sum of weights relative to the first cut), "yield" (sum of
// weights, errors sqrt(sum w^2)) or "entries" (raw event counts). Input layout: docs/plot_inputs.md.
#include "atlas_style.h"

#include "TH1.h"
#include "TLegend.h"

namespace {

/// The directories to draw: the one named, or every top-level directory holding `hist_name`, in file order.
std::vector<TDirectory*> sample_dirs(TFile& file, const std::string& sample, const std::string& hist_name) {
  if (!sample.empty()) return {&hhplot::get<TDirectory>(file, sample)};
  std::vector<TDirectory*> dirs;
  for (const auto& name : hhplot::key_names(file)) {
    auto* dir = dynamic_cast<TDirectory*>(file.Get(name.c_str()));
    if (dir && dir->GetKey(hist_name.c_str())) dirs.push_back(dir);
  }
  if (dirs.empty()) throw hhplot::Failure("no sample directory with a '" + hist_name + "' in " + file.GetName());
  return dirs;
}

/// The cutflow of one sample as drawn: a detached copy, divided by its first bin for efficiencies.
TH1* cutflow(TDirectory& dir, const std::string& hist_name, bool efficiency) {
  auto* hist = static_cast<TH1*>(hhplot::get<TH1>(dir, hist_name).Clone(dir.GetName()));
  hist->SetDirectory(nullptr);
  if (hist->GetNbinsX() < 1) throw hhplot::Failure(hhplot::where(dir, hist_name) + " has no bins");
  if (efficiency) {
    const double first = hist->GetBinContent(1);
    if (first <= 0.) throw hhplot::Failure(hhplot::where(dir, hist_name) + " has no positive first bin");
    hist->Scale(1. / first);
  }
  return hist;
}

/// Samples are comparable only when their cuts (bin labels) are the same.
void check_same_cuts(const TH1& hist, const TH1& reference) {
  bool same = hist.GetNbinsX() == reference.GetNbinsX();
  for (int bin = 1; same && bin <= hist.GetNbinsX(); ++bin) {
    same = std::string(hist.GetXaxis()->GetBinLabel(bin)) == reference.GetXaxis()->GetBinLabel(bin);
  }
  if (!same) {
    throw hhplot::Failure(std::string("sample '") + hist.GetName() + "' has other cuts than sample '" +
                          reference.GetName() + "'");
  }
}

}  // namespace

void plot_cutflow(const char* file, const char* out, const char* sample = "", const char* mode = "efficiency") {
  hhplot::run("plot_cutflow", [&] {
    const std::string what = mode;
    if (what != "efficiency" && what != "yield" && what != "entries") {
      throw hhplot::Failure("mode '" + what + "' is not one of efficiency, yield, entries");
    }
    const std::string hist_name = what == "entries" ? "cutflow_entries" : "cutflow_weighted";
    hhplot::set_atlas_style();
    auto input = hhplot::open_input(file);

    std::vector<TH1*> hists;
    double top = 0.;
    double bottom = HUGE_VAL;  // smallest positive value, for the logarithmic axis
    for (TDirectory* dir : sample_dirs(*input, sample, hist_name)) {
      // Over every sample, one without events (first bin 0) has no efficiency to draw: it is left out.
      if (what == "efficiency" && !*sample && hhplot::get<TH1>(*dir, hist_name).GetBinContent(1) <= 0.) {
        std::cerr << "plot_cutflow: warning: " << hhplot::where(*dir, hist_name) << " is empty: not drawn\n";
        continue;
      }
      TH1* hist = cutflow(*dir, hist_name, what == "efficiency");
      if (!hists.empty()) check_same_cuts(*hist, *hists.front());
      top = std::max(top, hist->GetMaximum());
      bottom = std::min(bottom, hist->GetMinimum(0.));
      hists.push_back(hist);
    }
    if (top <= 0.) throw hhplot::Failure(std::string("every '") + hist_name + "' in " + file + " is empty");

    auto canvas = hhplot::make_canvas(1000, 700);
    canvas->SetLogy();
    canvas->SetBottomMargin(0.32f);  // room for vertical cut names like four_good_leptons
    canvas->SetRightMargin(0.24f);
    const double legend_height = std::min(0.7, 0.06 * static_cast<double>(hists.size()));
    auto legend = std::make_unique<TLegend>(0.77, 0.95 - legend_height, 0.99, 0.95);
    const char* y_titles[] = {"Efficiency relative to the first cut", "Sum of weights", "Events"};
    for (std::size_t i = 0; i < hists.size(); ++i) {
      TH1* hist = hists[i];
      hist->SetLineColor(hhplot::colour(i));
      hist->SetMarkerColor(hhplot::colour(i));
      hist->SetMarkerStyle(static_cast<Style_t>(20 + i % 14));
      if (i == 0) {
        hist->SetMinimum(0.3 * bottom);
        hist->SetMaximum(top * std::pow(10., 0.4 * std::log10(top / bottom) + 0.6));  // room for the label
        hist->GetXaxis()->LabelsOption("v");
        hist->GetXaxis()->SetTitle("");
        hist->GetYaxis()->SetTitle(y_titles[what == "efficiency" ? 0 : what == "yield" ? 1 : 2]);
      }
      hist->Draw(i == 0 ? "hist pl" : "hist pl same");
      if (what != "efficiency") hist->Draw("e1 x0 same");
      legend->AddEntry(hist, hist->GetName(), "pl");
    }
    hhplot::fit_legend_text(*legend);
    legend->Draw();
    hhplot::draw_data_label(0.19, 0.88, hhplot::read_data_label(*input, "open_data"),
                             {hhplot::energy_lumi_line(hhplot::read_lumi_fb(*input))});
    hhplot::save(*canvas, out);
  });
}
