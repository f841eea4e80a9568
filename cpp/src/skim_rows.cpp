#include "higgshunt/skim_rows.hpp"

#include <ios>
#include <stdexcept>
#include <utility>

namespace higgshunt {

RowSpill::RowSpill(std::string prefix, std::size_t columns, std::size_t buffer_rows, unsigned int slots)
    : fPrefix(std::move(prefix)), fColumns(columns), fBufferRows(buffer_rows), fSlots(slots) {
  if (columns == 0) throw std::invalid_argument("RowSpill: columns > 0 required");
  if (buffer_rows == 0) throw std::invalid_argument("RowSpill: buffer_rows > 0 required");
  if (slots == 0) throw std::invalid_argument("RowSpill: slots > 0 required");
  for (unsigned int i = 0; i < slots; ++i) {
    fSlots[i].path = fPrefix + "." + std::to_string(i) + ".bin";
    fSlots[i].buffer.reserve(columns * buffer_rows);
  }
}

void RowSpill::Push(unsigned int slot, const ROOT::RVec<double>& row) {
  if (fFinished) throw std::logic_error("RowSpill: Push after Finish");
  if (slot >= fSlots.size()) throw std::out_of_range("RowSpill: slot " + std::to_string(slot) + " out of range");
  if (row.size() != fColumns) {
    throw std::invalid_argument("RowSpill: row of " + std::to_string(row.size()) + " values, expected " +
                                std::to_string(fColumns));
  }
  Slot& target = fSlots[slot];
  target.buffer.insert(target.buffer.end(), row.begin(), row.end());
  if (target.buffer.size() >= fColumns * fBufferRows) Flush(target);
}

void RowSpill::Flush(Slot& slot) {
  if (slot.buffer.empty()) return;
  if (!slot.file.is_open()) {
    slot.file.open(slot.path, std::ios::binary | std::ios::trunc);
    if (!slot.file) throw std::runtime_error("RowSpill: cannot open " + slot.path);
  }
  const auto bytes = static_cast<std::streamsize>(slot.buffer.size() * sizeof(double));
  slot.file.write(reinterpret_cast<const char*>(slot.buffer.data()), bytes);
  if (!slot.file) throw std::runtime_error("RowSpill: cannot write " + slot.path);
  slot.rows_written += slot.buffer.size() / fColumns;
  slot.buffer.clear();
}

void RowSpill::Finish() {
  if (fFinished) return;
  for (Slot& slot : fSlots) {
    Flush(slot);
    if (slot.file.is_open()) {
      slot.file.close();
      if (!slot.file) throw std::runtime_error("RowSpill: cannot close " + slot.path);
    }
  }
  fFinished = true;
}

std::size_t RowSpill::Rows() const {
  std::size_t rows = 0;
  for (const Slot& slot : fSlots) rows += slot.rows_written;
  return rows;
}

std::vector<std::string> RowSpill::Files() const {
  std::vector<std::string> files;
  for (const Slot& slot : fSlots) {
    if (slot.rows_written > 0) files.push_back(slot.path);
  }
  return files;
}

std::shared_ptr<RowSpill> MakeRowSpill(const std::string& prefix, std::size_t columns, std::size_t buffer_rows,
                                       unsigned int slots) {
  return std::make_shared<RowSpill>(prefix, columns, buffer_rows, slots);
}

}  // namespace higgshunt
