// Data against stacked simulation for one category of a bump-hunt file, with a data/simulation ratio panel.
//
//   root -l -b -q 'macros/plot_stack.C("bumphunt.root", "stack.png", "ml")'
//
// Arguments: input file, output image (.png/.pdf/.svg/.eps), category (a top-level directory; "" = the only one),
// signal drawing ("stack": signal on top of the backgrounds, so the ratio is data / (background + signal);
// "overlay": signal as lines over the background stack, the ratio data / background), logy (1: logarithmic y
// axis, 0: linear, -1 (default): logarithmic when the stacked prediction's highest bin is over 100 times its
// median filled bin, as in a falling high-mass spectrum). Input layout: docs/plot_inputs.md ("plot_stack.C").
#include "atlas_style.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "TArrow.h"
#include "TGraphAsymmErrors.h"
#include "TH1.h"
#include "THStack.h"
#include "TLegend.h"
#include "TLine.h"
#include "TNamed.h"
#include "TPad.h"

namespace {

struct Process {
  std::string name;
  bool signal;
  TH1* hist;
};

/// The category directory: the one named, or the file's only directory when none is named.
TDirectory& category_dir(TFile& file, const std::string& category) {
  if (!category.empty()) return hhplot::get<TDirectory>(file, category);
  std::vector<std::string> names;
  for (const auto& name : hhplot::key_names(file)) {
    if (TString(file.GetKey(name.c_str())->GetClassName()).Contains("Directory")) names.push_back(name);
  }
  if (names.size() != 1) {
    std::string listed;
    for (const auto& name : names) listed += (listed.empty() ? "" : ", ") + name;
    throw hhplot::Failure(std::string(file.GetName()) + " has " + std::to_string(names.size()) +
                          " categories (" + listed + "): name one");
  }
  return hhplot::get<TDirectory>(file, names.front());
}

/// Every process with a `kind_<process>` TNamed (title "signal" or "background"), in the order they were written.
std::vector<Process> read_processes(TDirectory& dir, const TH1& data) {
  std::vector<Process> processes;
  for (const auto& key : hhplot::key_names(dir)) {
    const TString name = key.c_str();
    if (!name.BeginsWith("kind_")) continue;
    const std::string process = name(5, name.Length() - 5).Data();
    const std::string kind = hhplot::get<TNamed>(dir, name.Data()).GetTitle();
    if (kind != "signal" && kind != "background") {
      throw hhplot::Failure(hhplot::where(dir, name.Data()) + " is '" + kind + "', expected signal or background");
    }
    auto& hist = hhplot::get<TH1>(dir, process);
    if (hist.GetNbinsX() != data.GetNbinsX() || hist.GetXaxis()->GetXmin() != data.GetXaxis()->GetXmin() ||
        hist.GetXaxis()->GetXmax() != data.GetXaxis()->GetXmax()) {
      throw hhplot::Failure(hhplot::where(dir, process) + " has another binning than " + hhplot::where(dir, "data"));
    }
    processes.push_back({process, kind == "signal", &hist});
  }
  if (processes.empty()) throw hhplot::Failure("no TNamed 'kind_<process>' in " + hhplot::where(dir, ""));
  return processes;
}

/// Data points with Poisson (Garwood) intervals, divided by `denominator` bin by bin when given (the ratio panel;
/// bins where the denominator is not positive are left out).
TGraphAsymmErrors* data_points(TH1& data, const TH1* denominator) {
  data.SetBinErrorOption(TH1::kPoisson);
  auto* graph = new TGraphAsymmErrors();
  graph->SetName(denominator ? "ratio_points" : "data_points");
  for (int bin = 1; bin <= data.GetNbinsX(); ++bin) {
    const double scale = denominator ? denominator->GetBinContent(bin) : 1.;
    if (scale <= 0.) continue;
    const int point = graph->GetN();
    graph->SetPoint(point, data.GetBinCenter(bin), data.GetBinContent(bin) / scale);
    graph->SetPointError(point, 0., 0., data.GetBinErrorLow(bin) / scale, data.GetBinErrorUp(bin) / scale);
  }
  return graph;
}

/// The hatched statistical-uncertainty band of the simulation; `relative` = divided by itself (ratio panel).
TH1* stat_band(const TH1& total, bool relative) {
  auto* band = static_cast<TH1*>(total.Clone(relative ? "ratio_band" : "band"));
  for (int bin = 1; relative && bin <= band->GetNbinsX(); ++bin) {
    const double content = total.GetBinContent(bin);
    band->SetBinContent(bin, 1.);
    band->SetBinError(bin, content > 0. ? total.GetBinError(bin) / content : 0.);
  }
  band->SetFillColor(kGray + 2);
  band->SetFillStyle(3354);
  band->SetLineWidth(0);
  band->SetMarkerSize(0);
  return band;
}

/// "Events / 2.5 GeV" from the bin width and the unit in brackets of the x-axis title, unless the data
/// histogram has its own y-axis title.
std::string y_title(const TH1& data) {
  if (std::string(data.GetYaxis()->GetTitle()).size()) return data.GetYaxis()->GetTitle();
  const TString x = data.GetXaxis()->GetTitle();
  const Ssiz_t open = x.Last('[');
  const TString unit = open != kNPOS && x.EndsWith("]") ? TString(x(open + 1, x.Length() - open - 2)) : TString();
  return Form("Events / %g %s", data.GetXaxis()->GetBinWidth(1), unit.Data());
}

constexpr double kRatioTopMax = 2.99;  // the ratio panel's highest upper edge; points above get an arrow

/// The ratio panel's upper edge: 1.99, or up to kRatioTopMax when a point's centre is higher.
double ratio_top(const TGraphAsymmErrors& ratio) {
  double top = 0.;
  for (int point = 0; point < ratio.GetN(); ++point) top = std::max(top, ratio.GetPointY(point));
  return top < 1.85 ? 1.99 : std::min(kRatioTopMax, std::ceil(top * 1.1 * 2.) / 2. - 0.01);
}

/// An arrow up at the panel's top edge for each ratio point above it, so no point leaves the panel unmarked.
void mark_off_panel(const TGraphAsymmErrors& ratio, double top) {
  for (int point = 0; point < ratio.GetN(); ++point) {
    if (ratio.GetPointY(point) <= top) continue;
    auto* arrow = new TArrow(ratio.GetPointX(point), 0.72 * top, ratio.GetPointX(point), 0.97 * top, 0.012f, "|>");
    arrow->SetLineWidth(2);
    arrow->Draw();
  }
}

/// The ratio panel in the current pad: data / stacked simulation with the relative statistical band.
void draw_ratio(TH1& data, const TH1& total) {
  TGraphAsymmErrors* ratio = data_points(data, &total);
  TH1* band = stat_band(total, true);
  band->SetMinimum(0.);
  const double top = ratio_top(*ratio);
  band->SetMaximum(top);
  band->GetXaxis()->SetTitle(data.GetXaxis()->GetTitle());
  band->GetXaxis()->SetTitleOffset(1.2f);
  band->GetYaxis()->SetTitle("Data / Pred.");
  band->GetYaxis()->SetNdivisions(505);
  band->Draw("e2");
  auto* one = new TLine(total.GetXaxis()->GetXmin(), 1., total.GetXaxis()->GetXmax(), 1.);
  one->SetLineStyle(2);
  one->Draw();
  ratio->Draw("p same");
  mark_off_panel(*ratio, top);
  gPad->RedrawAxis();
}


/// A box drawn in the upper pad (NDC): the highest value under it must end below its bottom edge.
struct Box {
  double x1, x2, bottom;
};

/// The y-axis maximum that keeps every bin's data (with its error) and prediction below the boxes over it and
/// inside the frame; on a logarithmic axis (`bottom` > 0) in decades above `bottom`.
double axis_maximum(const TH1& data, const TH1& total, const std::vector<Box>& boxes, double bottom, bool logy) {
  const double left = gPad->GetLeftMargin(), right = 1. - gPad->GetRightMargin();
  const double low = gPad->GetBottomMargin(), high = 1. - gPad->GetTopMargin();
  const TAxis& x = *total.GetXaxis();
  double maximum = logy ? 10. * bottom : 1.;
  for (int bin = 1; bin <= total.GetNbinsX(); ++bin) {
    const double value = std::max(total.GetBinContent(bin), data.GetBinContent(bin) + data.GetBinErrorUp(bin));
    if (value <= 0. || (logy && value <= bottom)) continue;
    const double lo = left + (right - left) * (x.GetBinLowEdge(bin) - x.GetXmin()) / (x.GetXmax() - x.GetXmin());
    const double hi = left + (right - left) * (x.GetBinUpEdge(bin) - x.GetXmin()) / (x.GetXmax() - x.GetXmin());
    double room = 0.95;  // fraction of the frame's height the bin may fill
    for (const Box& box : boxes) {
      if (hi > box.x1 && lo < box.x2) room = std::min(room, 0.95 * (box.bottom - low) / (high - low));
    }
    room = std::max(room, 0.25);
    maximum = std::max(maximum, logy ? bottom * std::pow(value / bottom, 1. / room) : value / room);
  }
  return maximum;
}
}  // namespace

void plot_stack(const char* file, const char* out, const char* category = "", const char* signal = "stack",
                int logy = -1) {
  hhplot::run("plot_stack", [&] {
    const std::string mode = signal;
    if (mode != "overlay" && mode != "stack") {
      throw hhplot::Failure("signal drawing '" + mode + "' is not one of overlay, stack");
    }
    hhplot::set_atlas_style();
    auto input = hhplot::open_input(file);
    TDirectory& dir = category_dir(*input, category);
    auto& data = hhplot::get<TH1>(dir, "data");
    const auto processes = read_processes(dir, data);

    THStack stack("stack", "");
    TH1* total = nullptr;  // everything in the stack
    std::vector<TH1*> overlaid;
    const double legend_height = 0.065 * static_cast<double>(processes.size() + 2);  // + data, band
    // below the label's first line, which a long data description ("... with injected signal") runs across
    const double legend_top = 0.83;
    auto legend = std::make_unique<TLegend>(0.58, legend_top - legend_height, 0.92, legend_top);
    // the data histogram's title, when set, labels it (e.g. "Data (blinded 120-130)")
    legend->AddEntry(&data, std::strlen(data.GetTitle()) > 0 ? data.GetTitle() : "Data", "ep");
    for (std::size_t i = 0; i < processes.size(); ++i) {
      TH1* hist = processes[i].hist;
      const std::string label = std::string(hist->GetTitle()).empty() ? processes[i].name : hist->GetTitle();
      hist->SetLineColor(hhplot::colour(i));
      if (processes[i].signal && mode == "overlay") {
        hist->SetLineStyle(2);
        hist->SetLineWidth(3);
        overlaid.push_back(hist);
        legend->AddEntry(hist, label.c_str(), "l");
        continue;
      }
      hist->SetFillColor(hhplot::colour(i));
      hist->SetLineColor(kBlack);
      hist->SetLineWidth(1);
      stack.Add(hist);
      legend->AddEntry(hist, label.c_str(), "f");
      if (!total) total = static_cast<TH1*>(hist->Clone("total"));
      else total->Add(hist);
    }
    if (!total || total->Integral() <= 0.) {
      throw hhplot::Failure("the stacked simulation in " + hhplot::where(dir, "") + " is empty (zero or no integral)");
    }
    TH1* band = stat_band(*total, false);
    legend->AddEntry(band, "Stat. uncertainty", "f");

    auto canvas = hhplot::make_canvas(800, 800);
    TPad upper("upper", "", 0., 0.3, 1., 1.);
    TPad lower("lower", "", 0., 0., 1., 0.3);
    upper.SetBottomMargin(0.02f);
    if (logy < 0) {
      // a falling spectrum: its highest bin is over 100 times its typical (median filled) bin; nearly empty bins
      // at the edge of a peak's range (a few 0.01 events) do not make it one
      std::vector<double> filled;
      for (int bin = 1; bin <= total->GetNbinsX(); ++bin) {
        if (total->GetBinContent(bin) > 0.) filled.push_back(total->GetBinContent(bin));
      }
      std::nth_element(filled.begin(), filled.begin() + filled.size() / 2, filled.end());
      logy = total->GetMaximum() > 100. * filled[filled.size() / 2] ? 1 : 0;
    }
    upper.SetLogy(logy);
    lower.SetTopMargin(0.03f);
    lower.SetBottomMargin(0.38f);
    upper.Draw();
    lower.Draw();

    upper.cd();
    // Every bin ends below the label and the legend above it: by height on a linear axis, by decades on a
    // logarithmic one. The label's three lines step down as in hhplot::draw_data_label.
    const double line = 1.35 * hhplot::kTextPx / (gPad->GetWh() * gPad->GetAbsHNDC());
    const std::vector<Box> boxes = {{0.17, 0.55, 0.87 - 2.6 * line}, {0.58, 0.92, legend_top - legend_height}};
    const double bottom = logy ? std::max(1e-3, 0.1 * total->GetMinimum(0.)) : 0.;
    TH1* highest = static_cast<TH1*>(total->Clone("highest"));
    for (const TH1* hist : overlaid) {
      for (int bin = 1; bin <= highest->GetNbinsX(); ++bin) {
        highest->SetBinContent(bin, std::max(highest->GetBinContent(bin), hist->GetBinContent(bin)));
      }
    }
    stack.SetMaximum(axis_maximum(data, *highest, boxes, bottom, logy));
    stack.SetMinimum(bottom);
    stack.Draw("hist");
    stack.GetXaxis()->SetLabelSize(0);
    stack.GetXaxis()->SetTitleSize(0);
    stack.GetYaxis()->SetTitle(y_title(data).c_str());
    stack.GetYaxis()->SetMaxDigits(4);  // 25000 -> 25 x10^3: five-digit labels would run into the title
    band->Draw("e2 same");
    for (TH1* hist : overlaid) hist->Draw("hist same");
    data_points(data, nullptr)->Draw("p same");
    hhplot::fit_legend_text(*legend);
    legend->Draw();
    hhplot::draw_data_label(0.19, 0.87, hhplot::read_data_label(*input, "open_data"),
                             {hhplot::energy_lumi_line(hhplot::read_lumi_fb(*input)), hhplot::display_name(dir.GetName())});
    upper.RedrawAxis();

    lower.cd();
    draw_ratio(data, *total);

    hhplot::save(*canvas, out);
  });
}
