// The RDataFrame action over RowSpill: a lazily booked result that spills one RVec<double> column, row by row.
// Kept apart from skim_rows.hpp (compiled into libhiggshunt, which does not link RDataFrame): ROOT's interpreter
// compiles this header when the skim declares it.
#pragma once

#include "higgshunt/skim_rows.hpp"

#include <ROOT/RDF/RActionImpl.hxx>
#include <ROOT/RDF/RInterface.hxx>
#include <RtypesCore.h>

#include <memory>
#include <string>
#include <utility>

class TTreeReader;

namespace higgshunt {

/// Pushes every row to a shared RowSpill; the result is the number of rows spilled (set by Finalize).
class RowSpillAction : public ROOT::Detail::RDF::RActionImpl<RowSpillAction> {
 public:
  using Result_t = ULong64_t;

  explicit RowSpillAction(std::shared_ptr<RowSpill> spill)
      : fSpill(std::move(spill)), fRows(std::make_shared<Result_t>(0)) {}
  RowSpillAction(RowSpillAction&&) = default;
  RowSpillAction(const RowSpillAction&) = delete;

  std::shared_ptr<Result_t> GetResultPtr() const { return fRows; }
  void Initialize() {}
  void InitTask(TTreeReader*, unsigned int) {}
  void Exec(unsigned int slot, const ROOT::RVec<double>& row) { fSpill->Push(slot, row); }
  void Finalize() {
    fSpill->Finish();
    *fRows = fSpill->Rows();
  }
  std::string GetActionName() const { return "RowSpill"; }

 private:
  std::shared_ptr<RowSpill> fSpill;
  std::shared_ptr<Result_t> fRows;
};

/// Book the spilling of `column` (RVec<double>, one row per entry) on `node`; lazy like every RDataFrame action.
inline ROOT::RDF::RResultPtr<ULong64_t> BookRowSpill(ROOT::RDF::RNode node, const std::string& column,
                                                     std::shared_ptr<RowSpill> spill) {
  return node.Book<ROOT::RVec<double>>(RowSpillAction(std::move(spill)), {column});
}

}  // namespace higgshunt
