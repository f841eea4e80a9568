"""The generator: which columns an expression reads, and the typed C++ it writes for a graph."""

from __future__ import annotations

from higgshunt.eventloop.compiled.codegen import Step, columns_used, generate


def test_columns_used_skips_members_namespaces_calls_and_strings() -> None:
    known = {"lep_pt", "lep_n", "size", "Sum", "x"}
    expression = 'Sum(lep_pt > 7000) >= 2 && lep_pt.size() == lep_n && std::abs(lep_n) > 0 && "x" != ""'
    assert columns_used(expression, known) == ["lep_pt", "lep_n"]


def test_generated_chain_declares_types_from_the_dataset_and_deduces_the_rest() -> None:
    steps = [
        Step("define", "good", "lep_pt > 7000", "cfg: definitions.good"),
        Step("mark", "all", "", "cfg"),
        Step("filter", "two", "Sum(good) >= 2", "cfg: cuts[0] (two)"),
    ]
    generated = generate(steps, {"lep_pt": "ROOT::VecOps::RVec<float>"}, None)
    assert "using C0 = ROOT::VecOps::RVec<float>;" in generated.source
    assert 'node.Define("good", f0, {"lep_pt"})' in generated.source
    assert "const D0& good" in generated.source  # the mask's type is the compiler's, not guessed
    assert 'node.Filter(f2, {"good"}, "two")' in generated.source
    lines = generated.source.splitlines()
    for number, step in generated.lines.items():
        assert step.expression in lines[number - 1]


def test_namespace_follows_the_source() -> None:
    one = generate([Step("define", "a", "x + 1", "w")], {"x": "int"}, None)
    two = generate([Step("define", "a", "x + 2", "w")], {"x": "int"}, None)
    assert one.namespace != two.namespace
