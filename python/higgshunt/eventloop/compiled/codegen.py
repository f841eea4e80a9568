"""Generated C++ for a graph of Defines and Filters: one typed RDataFrame node chain, no string JIT.

Each step becomes a lambda whose parameters are the columns its expression names; the type of a defined
column is what the compiler deduces for its expression (so `pt > 7000` on an RVec<float> is an RVec<int>
mask, as in ROOT's own JIT), and only the dataset's columns need their types from ROOT.

Without `Outputs` the library's `build(node)` returns the nodes (the mark's, each cut's, the last) for the
caller to book on. With `Outputs` its `book(node, ...)` also books every result of a skim in typed C++ (a
Count and two Sums per cutflow row, the histograms, the export row and its RowSpill), so that no booking
goes through ROOT's interpreter; the caller reads them back through non-template functions (see
`booking_prototype`), and `integer_features` names the features of integer type, decided by the compiler.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

_IDENTIFIER = re.compile(r"(?<![\w.:])([A-Za-z_]\w*)(?![\w:])(?!\s*\()")


@dataclass(frozen=True)
class Step:
    """One node of the graph: a Define (`name` is the column), a Filter (`name` is the cut), a mark, the node
    before the cuts (`name` labels it), or a parameter: a Define of a per-sample number (`expression` is its
    literal), which the compiled library takes as an argument, so that one library serves every sample."""

    kind: str  # "define" | "filter" | "mark" | "parameter"
    name: str
    expression: str
    where: str
    replaces: bool = False  # a define whose column replaces an input column of that name (Redefine)


@dataclass(frozen=True)
class HistogramSpec:
    """A TH1D of `column` weighted by `weight` (a column)."""

    name: str
    title: str
    bins: int
    low: float
    high: float
    column: str
    weight: str


@dataclass(frozen=True)
class Outputs:
    """The results booked on the graph: a cutflow row (entries, sum of `weight`, sum of `weight_squared`)
    at the mark and after every cut, `histograms` and `export` (columns, in row order, spilled as doubles)
    on the last node. `integer_probes` are (feature, expression) pairs: the feature is of integer type when
    the expression's (element) type is integral."""

    weight: str
    weight_squared: str
    histograms: tuple[HistogramSpec, ...]
    export: tuple[str, ...]
    integer_probes: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Generated:
    source: str
    namespace: str
    lines: dict[int, Step]  # the first line of each step's C++, to name the step a compiler error is in
    last_line: int  # the last line of the steps' C++ (the bookings follow)


def columns_used(expression: str, known: Collection[str]) -> list[str]:
    """The columns an expression reads, in first-use order (identifiers not after `.`/`::`, not calls)."""
    found: list[str] = []
    for name in _IDENTIFIER.findall(_without_strings(expression)):
        if name in known and name not in found:
            found.append(name)
    return found


def generate(
    steps: Sequence[Step],
    dataset_types: Mapping[str, str],
    declarations: str | None,
    outputs: Outputs | None = None,
) -> Generated:
    """C++ for `steps` on a node whose columns have `dataset_types`; `declarations` (the config's own C++)
    go into the same namespace. With `outputs` the library books them too (`book`), else it returns the
    nodes (`build`)."""
    body: list[str] = []
    lines: dict[int, Step] = {}
    types = {name: _type_alias(index) for index, name in enumerate(dataset_types)}
    aliases = [f"using {types[name]} = {ctype};" for name, ctype in dataset_types.items()]
    mark = "  nodes.push_back(node);" if outputs is None else "  row(node);"
    parameters = 0
    for position, step in enumerate(steps):
        if step.kind == "mark":
            body.append(mark)
            continue
        if step.kind == "parameter":
            body.append(
                f'  node = node.Define("{step.name}", [value = parameters.at({parameters})]() '
                "{ return value; }, {});"
            )
            types[step.name] = "double"
            parameters += 1
            continue
        lines[len(body)] = step
        expression = step.expression if step.kind == "define" else f"static_cast<bool>({step.expression})"
        function, names, result = _lambda(f"f{position}", expression, types)
        body.append(function)
        if step.kind == "define":
            alias = f"D{position}"
            body.append(f"  using {alias} = {result};")
            method = "Redefine" if step.replaces else "Define"
            body.append(f'  node = node.{method}("{step.name}", f{position}, {{{names}}});')
            types[step.name] = alias
        else:
            body.append(f'  node = node.Filter(f{position}, {{{names}}}, "{step.name}");')
            body.append(mark)
    steps_end = len(body)
    if outputs is None:
        body.append("  nodes.push_back(node);")
        functions = [
            _BUILD + " {",
            "  std::vector<ROOT::RDF::RNode> nodes;",
        ]
        tail = "  return nodes;\n}\n"
    else:
        functions = _booking_head(outputs)
        body += _booking_body(outputs, types)
        tail = "  return booking;\n}\n" + _BOOKING_TAIL
    head = "\n".join([*_INCLUDES, "namespace NAMESPACE {", *_USING, declarations or "", *aliases, *functions])
    first = head.count("\n") + 2
    text = head + "\n" + "\n".join(body) + "\n" + tail + "}  // namespace NAMESPACE\n"
    namespace = "higgshunt_graph_" + hashlib.sha256(text.encode()).hexdigest()[:16]
    return Generated(
        text.replace("NAMESPACE", namespace),
        namespace,
        {first + offset: step for offset, step in lines.items()},
        first + steps_end - 1,
    )


def prototype(namespace: str) -> str:
    """The declaration ROOT's interpreter needs to call the library's `build` (no template instantiation)."""
    return f"#include <ROOT/RDataFrame.hxx>\nnamespace {namespace} {{\n{_BUILD};\n}}"


def booking_prototype(namespace: str) -> str:
    """The declarations of a booking library's functions: an opaque `Booking` and plain types only, so that
    calling them instantiates no template in ROOT's interpreter."""
    return f"""#include <ROOT/RDataFrame.hxx>
#include <ROOT/RResultHandle.hxx>
#include <TH1D.h>
namespace {namespace} {{
struct Booking;
Booking* book(ROOT::RDF::RNode node, const std::vector<double>& parameters, const std::string& spill_prefix,
              std::size_t buffer_rows);
ROOT::RDF::RResultHandle handle(Booking* booking);
std::vector<double> cutflow(Booking* booking);
TH1D* histogram(Booking* booking, std::size_t index);
unsigned long long rows(Booking* booking);
std::vector<std::string> spill_files(Booking* booking);
void release(Booking* booking);
std::vector<std::string> integer_features(Booking* booking);
}}"""


_BUILD = "std::vector<ROOT::RDF::RNode> build(ROOT::RDF::RNode node, const std::vector<double>& parameters)"
_INCLUDES = (
    "#include <ROOT/RDataFrame.hxx>",
    "#include <ROOT/RResultHandle.hxx>",
    "#include <ROOT/RVec.hxx>",
    "#include <Math/Vector4D.h>",
    "#include <TH1D.h>",
    "#include <TMath.h>",
    "#include <cmath>",
    "#include <memory>",
    "#include <string>",
    "#include <type_traits>",
    "#include <vector>",
    '#include "higgshunt/higgshunt.hpp"',
    '#include "higgshunt/skim_rows_action.hpp"',
)
_USING = ("using namespace ROOT::VecOps;", "using ROOT::RVec;")
# The element type of a column (an RVec's or vector's values, else the type itself), to tell integer features.
_ELEMENT = """template <typename T> struct Element { using type = T; };
template <typename T> struct Element<ROOT::RVec<T>> { using type = T; };
template <typename T> struct Element<std::vector<T>> { using type = T; };
template <typename T> constexpr bool kInteger = std::is_integral_v<typename Element<T>::type>;"""


def _lambda(name: str, expression: str, types: Mapping[str, str]) -> tuple[str, str, str]:
    """`auto name = [](columns) { return expression; };`, the quoted column names and its result type."""
    inputs = columns_used(expression, types)
    params = ", ".join(f"const {types[c]}& {c}" for c in inputs)
    call_types = "".join(f", const {types[c]}&" for c in inputs)
    names = ", ".join(f'"{c}"' for c in inputs)
    function = f"  auto {name} = [](" + params + ") { return " + expression + "; };"
    return function, names, f"std::decay_t<std::invoke_result_t<decltype({name}){call_types}>>"


def _booking_head(outputs: Outputs) -> list[str]:
    return [
        _ELEMENT,
        "struct Booking {",
        "  std::vector<ROOT::RDF::RResultPtr<ULong64_t>> entries;",
        "  std::vector<ROOT::RDF::RResultPtr<double>> sum_w, sum_w2;",
        "  std::vector<ROOT::RDF::RResultPtr<TH1D>> histograms;",
        "  std::shared_ptr<higgshunt::RowSpill> spill;",
        "  ROOT::RDF::RResultPtr<ULong64_t> rows;",
        "  std::vector<std::string> integers;",
        "};",
        "Booking* book(ROOT::RDF::RNode node, const std::vector<double>& parameters, "
        "const std::string& spill_prefix, std::size_t buffer_rows) {",
        "  auto* booking = new Booking;",
        "  auto row = [booking](ROOT::RDF::RNode at) {",
        "    booking->entries.push_back(at.Count());",
        f'    booking->sum_w.push_back(at.Sum<double>("{outputs.weight}"));',
        f'    booking->sum_w2.push_back(at.Sum<double>("{outputs.weight_squared}"));',
        "  };",
    ]


def _booking_body(outputs: Outputs, types: Mapping[str, str]) -> list[str]:
    body = []
    for hist in outputs.histograms:
        axis = f"{hist.bins}, {float(hist.low)!r}, {float(hist.high)!r}"
        model = f'ROOT::RDF::TH1DModel("{hist.name}", {_quoted(hist.title)}, {axis})'
        body.append(
            f"  booking->histograms.push_back(node.Histo1D<{types[hist.column]}, {types[hist.weight]}>("
            f'{model}, "{hist.column}", "{hist.weight}"));'
        )
    columns = ", ".join(f"const {types[c]}& c{i}" for i, c in enumerate(outputs.export))
    values = ", ".join(f"double(c{i})" for i in range(len(outputs.export)))
    names = ", ".join(f'"{c}"' for c in outputs.export)
    body += [
        "  if (!spill_prefix.empty()) {",
        f"    auto export_row = []({columns}) {{ return ROOT::RVecD{{{values}}}; }};",
        f'    auto exported = node.Define("_export_row", export_row, {{{names}}});',
        f"    booking->spill = higgshunt::MakeRowSpill(spill_prefix, {len(outputs.export)}, buffer_rows, "
        "exported.GetNSlots());",
        '    booking->rows = higgshunt::BookRowSpill(exported, "_export_row", booking->spill);',
        "  }",
    ]
    for position, (feature, expression) in enumerate(outputs.integer_probes):
        function, _, result = _lambda(f"p{position}", expression, types)
        body += [function, f'  if (kInteger<{result}>) booking->integers.push_back("{feature}");']
    return body


_BOOKING_TAIL = """ROOT::RDF::RResultHandle handle(Booking* booking) { return booking->entries.front(); }
std::vector<double> cutflow(Booking* booking) {
  std::vector<double> values;
  for (std::size_t i = 0; i < booking->entries.size(); ++i) {
    values.push_back(double(*booking->entries[i]));
    values.push_back(*booking->sum_w[i]);
    values.push_back(*booking->sum_w2[i]);
  }
  return values;
}
TH1D* histogram(Booking* booking, std::size_t index) { return booking->histograms.at(index).GetPtr(); }
unsigned long long rows(Booking* booking) { return *booking->rows; }
std::vector<std::string> spill_files(Booking* booking) { return booking->spill->Files(); }
void release(Booking* booking) { delete booking; }
std::vector<std::string> integer_features(Booking* booking) { return booking->integers; }
"""


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def parameter_values(steps: Sequence[Step]) -> list[float]:
    """The values of the parameter steps, in order: the `parameters` argument of `build` and `book`."""
    return [float(step.expression) for step in steps if step.kind == "parameter"]


def _type_alias(index: int) -> str:
    return f"C{index}"


def _without_strings(expression: str) -> str:
    return re.sub(r'"(?:\\.|[^"\\])*"', '""', expression)
