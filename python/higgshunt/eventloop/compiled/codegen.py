"""Generated C++ for a graph of Defines and Filters: one typed RDataFrame node chain, no string JIT.

Each step becomes a lambda whose parameters are the columns its expression names; the type of a defined
column is what the compiler deduces for its expression (so `pt > 7000` on an RVec<float> is an RVec<int>
mask, as in ROOT's own JIT), and only the dataset's columns need their types from ROOT.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

_IDENTIFIER = re.compile(r"(?<![\w.:])([A-Za-z_]\w*)(?![\w:])(?!\s*\()")


@dataclass(frozen=True)
class Step:
    """One node of the graph: a Define (`name` is the column), a Filter (`name` is the cut) or a mark,
    the node before the cuts (`name` labels it)."""

    kind: str  # "define" | "filter" | "mark"
    name: str
    expression: str
    where: str


@dataclass(frozen=True)
class Generated:
    source: str
    namespace: str
    lines: dict[int, Step]  # the first line of each step's C++, to name the step a compiler error is in


def columns_used(expression: str, known: Collection[str]) -> list[str]:
    """The columns an expression reads, in first-use order (identifiers not after `.`/`::`, not calls)."""
    found: list[str] = []
    for name in _IDENTIFIER.findall(_without_strings(expression)):
        if name in known and name not in found:
            found.append(name)
    return found


def generate(steps: Sequence[Step], dataset_types: Mapping[str, str], declarations: str | None) -> Generated:
    """C++ for `steps` on a node whose columns have `dataset_types`; `declarations` (the config's own C++)
    go into the same namespace."""
    body: list[str] = []
    lines: dict[int, Step] = {}
    types = {name: _type_alias(index) for index, name in enumerate(dataset_types)}
    aliases = [f"using {types[name]} = {ctype};" for name, ctype in dataset_types.items()]
    for position, step in enumerate(steps):
        if step.kind == "mark":
            body.append("  nodes.push_back(node);")
            continue
        inputs = columns_used(step.expression, types)
        params = ", ".join(f"const {types[c]}& {c}" for c in inputs)
        call_types = ", ".join(f"const {types[c]}&" for c in inputs)
        names = ", ".join(f'"{c}"' for c in inputs)
        expression = step.expression if step.kind == "define" else f"static_cast<bool>({step.expression})"
        lines[len(body)] = step
        body.append(f"  auto f{position} = [](" + params + ") { return " + expression + "; };")
        if step.kind == "define":
            alias = f"D{position}"
            arguments = f", {call_types}" if inputs else ""
            body.append(
                f"  using {alias} = std::decay_t<std::invoke_result_t<decltype(f{position}){arguments}>>;"
            )
            body.append(f'  node = node.Define("{step.name}", f{position}, {{{names}}});')
            types[step.name] = alias
        else:
            body.append(f'  node = node.Filter(f{position}, {{{names}}}, "{step.name}");')
            body.append("  nodes.push_back(node);")
    body.append("  nodes.push_back(node);")
    head = "\n".join(
        [
            "#include <ROOT/RDataFrame.hxx>",
            "#include <ROOT/RVec.hxx>",
            "#include <Math/Vector4D.h>",
            "#include <TMath.h>",
            "#include <cmath>",
            "#include <type_traits>",
            "#include <vector>",
            '#include "higgshunt/higgshunt.hpp"',
            "namespace NAMESPACE {",
            "using namespace ROOT::VecOps;",
            "using ROOT::RVec;",
            declarations or "",
            *aliases,
            "std::vector<ROOT::RDF::RNode> build(ROOT::RDF::RNode node) {",
            "  std::vector<ROOT::RDF::RNode> nodes;",
        ]
    )
    tail = "  return nodes;\n}\n}  // namespace NAMESPACE\n"
    first = head.count("\n") + 2
    text = head + "\n" + "\n".join(body) + "\n" + tail
    namespace = "higgshunt_graph_" + hashlib.sha256(text.encode()).hexdigest()[:16]
    return Generated(
        text.replace("NAMESPACE", namespace),
        namespace,
        {first + offset: step for offset, step in lines.items()},
    )


def prototype(namespace: str) -> str:
    """The declaration ROOT's interpreter needs to call the library's `build` (no template instantiation)."""
    return (
        "#include <ROOT/RDataFrame.hxx>\n"
        f"namespace {namespace} {{ std::vector<ROOT::RDF::RNode> build(ROOT::RDF::RNode node); }}"
    )


def _type_alias(index: int) -> str:
    return f"C{index}"


def _without_strings(expression: str) -> str:
    return re.sub(r'"(?:\\.|[^"\\])*"', '""', expression)
