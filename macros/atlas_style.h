// Shared by the plotting macros in this folder: ATLAS-like style, the data label ("ATLAS Open Data", "higgshunt
// simulation", "higgshunt pseudo-data"), display names of internal names, colours, and the
// input/output checks that turn every bad input into one line `<macro>: error: <what>` and exit code 1.
//
// Each macro includes this header with `#include "atlas_style.h"` (found beside the macro, also under ACLiC) and
// wraps its body in `hhplot::run("<macro>", [&] { ... })`. Text uses ROOT fonts of precision 3 (sizes in pixels)
// so labels look the same in pads of different heights.
#pragma once

#include <cmath>
#include <functional>
#include <iostream>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "TCanvas.h"
#include "TColor.h"
#include "TDirectory.h"
#include "TError.h"
#include "TFile.h"
#include "TKey.h"
#include "TLatex.h"
#include "TLegend.h"
#include "TLegendEntry.h"
#include "TNamed.h"
#include "TParameter.h"
#include "TROOT.h"
#include "TString.h"
#include "TStyle.h"
#include "TSystem.h"

namespace hhplot {

constexpr int kFont = 43;        // Helvetica, size in pixels
constexpr int kFontBold = 73;    // Helvetica bold italic, size in pixels (the "ATLAS" of the label)
constexpr double kTextPx = 26.;  // default text size in pixels

/// A bad input or output: `run` prints it as one line and exits with code 1.
struct Failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Runs a macro's body; any exception becomes `<macro>: error: <message>` on stderr and exit code 1.
/// ROOT's own informational lines are silenced so the error is the last line a caller sees.
inline void run(const char* macro, const std::function<void()>& body) {
  gErrorIgnoreLevel = kWarning;
  try {
    body();
  } catch (const std::exception& e) {
    std::cerr << macro << ": error: " << e.what() << std::endl;
    gSystem->Exit(1);
  }
}

/// The ATLAS style of the collaboration's public plots (white canvas, ticks on all sides, no titles or stat
/// boxes, large Helvetica text), as the current style.
inline void set_atlas_style() {
  auto* style = new TStyle("higgshunt_atlas", "ATLAS style for higgshunt plots");  // owned by gROOT's style list
  style->SetFrameBorderMode(0);
  style->SetFrameFillColor(0);
  style->SetCanvasBorderMode(0);
  style->SetCanvasColor(0);
  style->SetPadBorderMode(0);
  style->SetPadColor(0);
  style->SetStatColor(0);
  style->SetPadTopMargin(0.05f);
  style->SetPadRightMargin(0.05f);
  style->SetPadBottomMargin(0.14f);
  style->SetPadLeftMargin(0.15f);
  for (const char* axis : {"x", "y", "z"}) {
    style->SetLabelFont(kFont, axis);
    style->SetTitleFont(kFont, axis);
    style->SetLabelSize(static_cast<float>(kTextPx - 2.), axis);
    style->SetTitleSize(static_cast<float>(kTextPx), axis);
  }
  style->SetTitleXOffset(1.3f);
  style->SetTitleYOffset(1.6f);
  style->SetTextFont(kFont);
  style->SetTextSize(static_cast<float>(kTextPx));
  style->SetLegendFont(kFont);
  style->SetLegendTextSize(kTextPx - 4.);
  style->SetLegendBorderSize(0);
  style->SetLegendFillColor(0);
  style->SetMarkerStyle(20);
  style->SetMarkerSize(1.1f);
  style->SetHistLineWidth(2);
  style->SetLineStyleString(2, "[12 12]");
  style->SetEndErrorSize(0.);
  style->SetOptTitle(0);
  style->SetOptStat(0);
  style->SetOptFit(0);
  style->SetPadTickX(1);
  style->SetPadTickY(1);
  style->SetPalette(kBird);
  style->SetNumberContours(100);
  gROOT->SetStyle("higgshunt_atlas");
  gROOT->ForceStyle();
}

/// The i-th colour of a colour-blind-safe sequence (M. Petroff, arXiv:2107.02270, 10 colours), cycling.
inline Color_t colour(std::size_t i) {
  static const char* const hex[] = {"#3f90da", "#ffa90e", "#bd1f01", "#94a4a2", "#832db6",
                                    "#a96b59", "#e76300", "#b9ac70", "#717581", "#92dadd"};
  return static_cast<Color_t>(TColor::GetColor(hex[i % (sizeof(hex) / sizeof(hex[0]))]));
}

/// What a plot's data are, in the words every plot of higgshunt uses (python/higgshunt/plotting/labels.py):
/// `lead` is drawn bold, `status` after it. Only real collision data carry the experiment's name.
struct DataLabel {
  std::string lead;
  std::string status;
};

/// open_data -> "ATLAS Open Data", simulation -> "higgshunt simulation", pseudo_data -> "higgshunt pseudo-data".
inline DataLabel data_label(const std::string& kind) {
  if (kind == "open_data") return {"ATLAS", "Open Data"};
  if (kind == "simulation") return {"higgshunt", "simulation"};
  if (kind == "pseudo_data") return {"higgshunt", "pseudo-data"};
  if (kind == "pseudo_data_injected") return {"higgshunt", "pseudo-data with injected signal"};
  throw Failure("data kind '" + kind + "' is not one of open_data, pseudo_data, pseudo_data_injected, simulation");
}

/// The words a plot prints for higgshunt's internal names (python/higgshunt/plotting/labels.py, `display_name`):
/// "cutbased" -> "cut-based selection", "ml" -> "ML selection", "ml_cat2" -> "ML selection, category 2"; other
/// names as they are.
inline std::string display_name(const std::string& name) {
  static const std::vector<std::pair<std::string, std::string>> names = {{"cutbased", "cut-based selection"},
                                                                         {"ml", "ML selection"}};
  for (const auto& [internal, shown] : names) {
    if (name == internal) return shown;
    for (const std::string separator : {"_cat", "cat"}) {
      const std::string prefix = internal + separator;
      const std::string number = name.size() > prefix.size() ? name.substr(prefix.size()) : "";
      if (name.rfind(prefix, 0) == 0 && !number.empty() &&
          number.find_first_not_of("0123456789") == std::string::npos) {
        return shown + ", category " + number;
      }
    }
  }
  return name;
}

/// Draws the data label at (x, y) in NDC of the current pad, and each further line below it.
inline void draw_data_label(double x, double y, const DataLabel& label, const std::vector<std::string>& lines,
                            double size_px = kTextPx) {
  TLatex text;
  text.SetNDC();
  text.SetTextFont(kFontBold);
  text.SetTextSize(static_cast<float>(size_px));
  // GetXsize() is in the pad's user x coordinates (linear x axes only), whatever SetNDC says.
  const double lead_width = text.DrawLatex(x, y, label.lead.c_str())->GetXsize() / (gPad->GetX2() - gPad->GetX1());
  text.SetTextFont(kFont);
  text.DrawLatex(x + lead_width + 0.012, y, label.status.c_str());
  const double step = 1.35 * size_px / (gPad->GetWh() * gPad->GetAbsHNDC());
  for (std::size_t i = 0; i < lines.size(); ++i) {
    text.DrawLatex(x, y - static_cast<double>(i + 1) * step, lines[i].c_str());
  }
}

/// Shrinks the legend's text (size in pixels) so its longest label fits beside the symbols inside the legend
/// box, in the current pad (drawn, so its coordinates are known).
inline void fit_legend_text(TLegend& legend) {
  const double room = (legend.GetX2() - legend.GetX1()) * (1. - legend.GetMargin()) * 0.95;  // NDC (not drawn yet)
  const double size = kTextPx - 4.;
  TLatex text;
  text.SetTextFont(kFont);
  text.SetTextSize(static_cast<float>(size));
  double widest = 0.;
  for (auto* entry : *legend.GetListOfPrimitives()) {
    text.SetTitle(static_cast<TLegendEntry*>(entry)->GetLabel());
    widest = std::max(widest, text.GetXsize() / (gPad->GetX2() - gPad->GetX1()));
  }
  legend.SetTextSize(static_cast<float>(widest > room ? size * room / widest : size));
}

/// "#sqrt{s} = 13 TeV" and, when known (lumi_fb > 0), the integrated luminosity.
inline std::string energy_lumi_line(double lumi_fb) {
  std::string line = "#sqrt{s} = 13 TeV";
  if (lumi_fb > 0.) line += Form(", %.3g fb^{-1}", lumi_fb);
  return line;
}

/// Opens a ROOT file for reading; a missing, unreadable or corrupt file is a Failure naming it.
inline std::unique_ptr<TFile> open_input(const std::string& path) {
  if (gSystem->AccessPathName(path.c_str())) throw Failure("input file '" + path + "' does not exist");
  std::unique_ptr<TFile> file(TFile::Open(path.c_str(), "READ"));
  if (!file || file->IsZombie()) throw Failure("input file '" + path + "' is not a readable ROOT file");
  return file;
}

/// Where an object lives, for messages: "file.root:dir/name".
inline std::string where(TDirectory& dir, const std::string& name) {
  const std::string path = dir.GetPath();  // "file.root:/dir"
  const auto colon = path.rfind(":/");
  std::string inner = colon == std::string::npos ? "" : path.substr(colon + 2);
  if (!inner.empty()) inner += "/";
  return std::string(dir.GetFile() ? dir.GetFile()->GetName() : "") + ":" + inner + name;
}

/// The object `name` of type T in `dir`, or nullptr when absent. A present object of another type is a Failure.
template <class T>
T* find(TDirectory& dir, const std::string& name) {
  TObject* object = dir.Get(name.c_str());
  if (!object) return nullptr;
  auto* typed = dynamic_cast<T*>(object);
  if (!typed) {
    throw Failure(where(dir, name) + " is a " + object->ClassName() + ", expected a " + T::Class_Name());
  }
  return typed;
}

/// The object `name` of type T in `dir`; a missing object is a Failure naming it.
template <class T>
T& get(TDirectory& dir, const std::string& name) {
  T* object = find<T>(dir, name);
  if (!object) throw Failure("no " + std::string(T::Class_Name()) + " '" + name + "' in " + where(dir, ""));
  return *object;
}

/// The names of the objects in `dir` in the order they were written, each once (an object written twice has
/// two keys, one per cycle).
inline std::vector<std::string> key_names(TDirectory& dir) {
  std::vector<std::string> names;
  std::set<std::string> seen;
  for (auto* key : *dir.GetListOfKeys()) {
    if (seen.insert(key->GetName()).second) names.emplace_back(key->GetName());
  }
  return names;
}

/// The integrated luminosity in fb^-1 from a TParameter<double> `lumi_fb` at the top of the file, or -1.
inline double read_lumi_fb(TFile& file) {
  auto* lumi = find<TParameter<double>>(file, "lumi_fb");
  return lumi ? lumi->GetVal() : -1.;
}

/// The data label from a TNamed `data_kind` at the top of the file, whose title says what the data are
/// (see data_label); `fallback` (a data kind) for files that do not say.
inline DataLabel read_data_label(TFile& file, const std::string& fallback) {
  auto* kind = find<TNamed>(file, "data_kind");
  const std::string value = kind ? kind->GetTitle() : fallback;
  try {
    return data_label(value);
  } catch (const Failure& error) {
    throw Failure(where(file, "data_kind") + ": " + error.what());
  }
}

/// The comma-separated items of `list`, blanks trimmed; empty items are kept so counts stay checkable.
inline std::vector<std::string> split(const std::string& list) {
  std::vector<std::string> items;
  if (list.empty()) return items;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = list.find(',', start);
    TString item(list.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    items.emplace_back(item.Strip(TString::kBoth).Data());
    if (comma == std::string::npos) return items;
    start = comma + 1;
  }
}

/// A canvas of exactly width x height pixels (a batch TCanvas is otherwise a few pixels smaller).
inline std::unique_ptr<TCanvas> make_canvas(int width, int height) {
  auto canvas = std::make_unique<TCanvas>("canvas", "", width, height);
  canvas->SetCanvasSize(static_cast<UInt_t>(width), static_cast<UInt_t>(height));
  return canvas;
}

/// Saves the canvas to `out` in the format of its extension and checks it was written. Images: png, pdf, svg,
/// eps; `.root` stores the canvas itself, so the drawn histograms and graphs can be read back.
inline void save(TCanvas& canvas, const std::string& out) {
  TString lower(out.c_str());
  lower.ToLower();
  bool known = false;
  for (const char* extension : {".png", ".pdf", ".svg", ".eps", ".root"}) known = known || lower.EndsWith(extension);
  if (!known) throw Failure("output '" + out + "' must end in .png, .pdf, .svg, .eps or .root");
  const TString dir = gSystem->GetDirName(out.c_str());
  if (gSystem->AccessPathName(dir)) throw Failure("output directory '" + std::string(dir.Data()) + "' does not exist");
  canvas.SaveAs(out.c_str());
  if (gSystem->AccessPathName(out.c_str())) throw Failure("could not write '" + out + "'");
}

}  // namespace hhplot
