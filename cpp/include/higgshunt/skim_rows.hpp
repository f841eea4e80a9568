// Bounded spilling of exported rows: each event-loop slot collects rows of doubles in a fixed-size buffer and
// appends the full buffer to its own binary file, so memory does not grow with the number of selected events.
//
// File format: rows of `columns` native-endian doubles, one file per slot that received rows, named
// `<prefix>.<slot>.bin`; rows keep the order in which their slot saw them. A slot is only ever used by one
// thread at a time (RDataFrame's guarantee), so slots share nothing and need no lock.
#pragma once

#include <ROOT/RVec.hxx>

#include <cstddef>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

namespace higgshunt {

class RowSpill {
 public:
  /// `columns` doubles per row, `buffer_rows` rows held per slot before writing, `slots` event-loop slots.
  /// Throws std::invalid_argument when any of them is zero.
  RowSpill(std::string prefix, std::size_t columns, std::size_t buffer_rows, unsigned int slots);
  RowSpill(const RowSpill&) = delete;
  RowSpill& operator=(const RowSpill&) = delete;

  /// Append one row for `slot`: row.size() must equal Columns() (std::invalid_argument otherwise) and
  /// slot < Slots() (std::out_of_range). Throws std::runtime_error when a file cannot be written.
  void Push(unsigned int slot, const ROOT::RVec<double>& row);

  /// Write every slot's buffered rows and close the files; Push after Finish throws std::logic_error.
  void Finish();

  std::size_t Columns() const { return fColumns; }
  std::size_t BufferRows() const { return fBufferRows; }
  unsigned int Slots() const { return static_cast<unsigned int>(fSlots.size()); }
  /// Rows written to files so far (all rows once Finish has run).
  std::size_t Rows() const;
  /// The files holding rows, in slot order (complete once Finish has run).
  std::vector<std::string> Files() const;

 private:
  struct Slot {
    std::vector<double> buffer;
    std::ofstream file;
    std::string path;
    std::size_t rows_written = 0;
  };
  void Flush(Slot& slot);

  std::string fPrefix;
  std::size_t fColumns;
  std::size_t fBufferRows;
  std::vector<Slot> fSlots;
  bool fFinished = false;
};

/// A shared RowSpill (compiled here, so that ROOT's interpreter need not instantiate std::make_shared for it).
std::shared_ptr<RowSpill> MakeRowSpill(const std::string& prefix, std::size_t columns, std::size_t buffer_rows,
                                       unsigned int slots);

}  // namespace higgshunt
