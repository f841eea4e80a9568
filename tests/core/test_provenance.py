from higgshunt import provenance


def test_config_hash_ignores_key_order_but_not_values() -> None:
    a = provenance.config_hash({"seed": 1, "cuts": {"pt": 5, "eta": 2.5}})
    b = provenance.config_hash({"cuts": {"eta": 2.5, "pt": 5}, "seed": 1})
    c = provenance.config_hash({"cuts": {"eta": 2.5, "pt": 6}, "seed": 1})
    assert a == b != c


def test_record_names_code_and_library_versions() -> None:
    record = provenance.collect({"seed": 1})
    assert record["code_version"]
    assert {"python", "higgshunt", "numpy", "pandas"} <= set(record["versions"])
    assert record["config"] == {"seed": 1}
    assert record["config_hash"] == provenance.config_hash({"seed": 1})
