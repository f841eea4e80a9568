// The mean Rapidity-Mass Matrix of a sample as a 2D map, row 0 (missing E_T) at the top.
//
//   root -l -b -q 'macros/plot_rmm.C("snapshot.root", "rmm.png", "events", "rmm", 0, "MET,j1,j2,e1,mu1")'
//
// Arguments: input file, output image (.png/.pdf/.svg/.eps), tree name, branch name (the flattened S x S matrix of
// each event, row-major, as ROOT::RVec<float> or std::vector<float>), S (0 = the square root of the branch length),
// cell labels (comma-separated object names, S of them; "" = row numbers), logz (logarithmic colour scale).
// Events with a non-finite cell (the RMM builder's mark of invalid input) are left out of the mean.
// Input layout: docs/plot_inputs.md.
#include "atlas_style.h"

#include "ROOT/RDataFrame.hxx"
#include "ROOT/RVec.hxx"
#include "TH2D.h"
#include "TTree.h"

namespace {

struct MeanMatrix {
  std::vector<double> sum;  // per cell, over the events used
  long long used = 0;
  long long skipped = 0;    // events with a non-finite cell
};

/// Sums the matrices of all events of `branch`; every event must have the length of the first one.
MeanMatrix sum_matrices(TTree& tree, const std::string& branch, const std::string& where) {
  MeanMatrix mean;
  ROOT::RDataFrame frame(tree);
  const std::string type = frame.GetColumnType(branch);  // RDataFrame would also read a scalar as one cell
  if (type.find("<float>") == std::string::npos && type.find("<Float_t>") == std::string::npos) {
    throw hhplot::Failure(where + " is a " + type + ", expected ROOT::RVec<float> or std::vector<float>");
  }
  auto add = [&](const ROOT::RVec<float>& cells) {
    if (mean.sum.empty()) mean.sum.assign(cells.size(), 0.);
    if (cells.size() != mean.sum.size() || cells.empty()) {
      throw hhplot::Failure(where + " has an event with " + std::to_string(cells.size()) + " cells after one with " +
                            std::to_string(mean.sum.size()));
    }
    if (!ROOT::VecOps::All(ROOT::VecOps::Map(cells, [](float x) { return std::isfinite(x); }))) {
      ++mean.skipped;
      return;
    }
    for (std::size_t i = 0; i < cells.size(); ++i) mean.sum[i] += cells[i];
    ++mean.used;
  };
  frame.Foreach(add, {branch});
  return mean;
}

/// The matrix side: `n` when given, else the square root of the number of cells, which must be a square.
std::size_t matrix_side(std::size_t cells, int n, const std::string& where) {
  const auto side = n > 0 ? static_cast<std::size_t>(n) : static_cast<std::size_t>(std::lround(std::sqrt(cells)));
  if (side * side != cells) {
    throw hhplot::Failure(where + " has " + std::to_string(cells) + " cells per event, not " +
                          (n > 0 ? std::to_string(n) + " x " + std::to_string(n) : std::string("a square number")));
  }
  return side;
}

}  // namespace

void plot_rmm(const char* file, const char* out, const char* tree = "events", const char* branch = "rmm", int n = 0,
              const char* labels = "", bool logz = false) {
  hhplot::run("plot_rmm", [&] {
    hhplot::set_atlas_style();
    auto input = hhplot::open_input(file);
    auto& events = hhplot::get<TTree>(*input, tree);
    const std::string where = hhplot::where(*input, std::string(tree) + "." + branch);
    if (!events.GetBranch(branch)) throw hhplot::Failure("no branch '" + std::string(branch) + "' in " +
                                                         hhplot::where(*input, tree));
    if (events.GetEntries() == 0) throw hhplot::Failure(hhplot::where(*input, tree) + " has no entries");
    const MeanMatrix mean = sum_matrices(events, branch, where);
    if (mean.used == 0) throw hhplot::Failure(where + " has no event with only finite cells");
    if (mean.skipped > 0) {
      std::cerr << "plot_rmm: warning: " << mean.skipped << " event(s) of " << where
                << " have non-finite cells and are left out of the mean" << std::endl;
    }
    const std::size_t side = matrix_side(mean.sum.size(), n, where);
    std::vector<std::string> names = hhplot::split(labels);
    if (names.empty()) {
      for (std::size_t i = 0; i < side; ++i) names.push_back(std::to_string(i));
    } else if (names.size() != side) {
      throw hhplot::Failure(std::to_string(names.size()) + " labels given for a " + std::to_string(side) + " x " +
                            std::to_string(side) + " matrix");
    }

    const int bins = static_cast<int>(side);
    TH2D map("mean_rmm", "", bins, 0., bins, bins, 0., bins);
    map.SetDirectory(nullptr);
    for (int row = 0; row < bins; ++row) {
      map.GetXaxis()->SetBinLabel(row + 1, names[static_cast<std::size_t>(row)].c_str());
      map.GetYaxis()->SetBinLabel(bins - row, names[static_cast<std::size_t>(row)].c_str());
      for (int column = 0; column < bins; ++column) {
        const double sum = mean.sum[static_cast<std::size_t>(row * bins + column)];
        map.SetBinContent(column + 1, bins - row, sum / static_cast<double>(mean.used));
      }
    }
    const float label_px = static_cast<float>(std::min(22., 520. / bins));
    map.GetXaxis()->SetLabelSize(label_px);
    map.GetYaxis()->SetLabelSize(label_px);
    map.GetXaxis()->LabelsOption("v");
    map.GetZaxis()->SetTitle("Mean cell value");
    map.GetZaxis()->SetTitleOffset(1.5f);

    auto canvas = hhplot::make_canvas(800, 800);
    canvas->SetTopMargin(0.12f);
    canvas->SetRightMargin(0.18f);
    canvas->SetLeftMargin(0.13f);
    canvas->SetBottomMargin(0.13f);
    canvas->SetLogz(logz);
    map.Draw("colz");
    hhplot::draw_data_label(0.13, 0.955, hhplot::read_data_label(*input, "simulation"),
                             {Form("%s, mean of %lld events", hhplot::energy_lumi_line(-1.).c_str(), mean.used)});
    hhplot::save(*canvas, out);
  });
}
