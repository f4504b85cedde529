"""Reading samples and inferring the service schema from a model and a sample."""

from __future__ import annotations

import json
import re
import sys
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression

from generator._base._errors import MljetError
from generator._model._model_info import ModelInfo
from generator._model._sample import check_model_accepts, infer_schema, read_sample


def make_info(
    n_features: int, feature_names: tuple[str, ...] | None = None
) -> ModelInfo:
    return ModelInfo(
        family="sklearn",
        library="scikit-learn",
        library_version="1.5.0",
        model_class="sklearn.linear_model.LogisticRegression",
        estimator="LogisticRegression",
        task="binary",
        methods=("predict", "predict_proba"),
        n_features=n_features,
        feature_names=feature_names,
        classes=(0, 1),
        modules=frozenset({"sklearn"}),
    )


def mixed_frame() -> pd.DataFrame:
    n = 40
    return pd.DataFrame(
        {
            "f_float": np.linspace(0.0, 1.0, n),
            "f_int": np.arange(n, dtype="int64"),
            "f_nint": pd.array([None if i == 1 else i for i in range(n)], "Int64"),
            "f_bool": [i % 2 == 0 for i in range(n)],
            "f_cat": pd.Categorical(["b", "a"] * (n // 2), categories=["b", "a", "c"]),
            "f_low": ["x", "y", None, "z"] * (n // 4),
            "f_high": [f"id-{i}" for i in range(n)],
        }
    )


def features_by_name(schema: Any) -> dict[str, Any]:
    return {feature.name: feature for feature in schema.features}


# --- kinds ------------------------------------------------------------------


def test_kinds_dtypes_and_categories() -> None:
    frame = mixed_frame()
    schema = infer_schema(make_info(frame.shape[1]), frame)
    assert schema.from_sample
    assert schema.names == list(frame.columns)
    got = features_by_name(schema)
    kinds = {name: feature.kind for name, feature in got.items()}
    assert kinds == {
        "f_float": "float",
        "f_int": "int",
        "f_nint": "int",
        "f_bool": "bool",
        "f_cat": "category",
        "f_low": "category",
        "f_high": "string",
    }
    assert got["f_nint"].dtype == "Int64"
    assert got["f_int"].dtype == "int64"
    assert got["f_bool"].dtype == "bool"
    assert got["f_cat"].dtype == "category"
    # The dtype's categories, unused ones included, in a stable order.
    assert got["f_cat"].categories == ("a", "b", "c")
    assert got["f_low"].categories == ("x", "y", "z")
    assert got["f_high"].categories == ()


def test_integral_floats_stay_float() -> None:
    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0]})
    (feature,) = infer_schema(make_info(1), frame).features
    assert feature.kind == "float"
    assert feature.dtype == "float64"


def test_object_column_of_bools_with_nulls_is_bool() -> None:
    frame = pd.DataFrame({"flag": [True, None, False, True]})
    assert frame["flag"].dtype == object
    (feature,) = infer_schema(make_info(1), frame).features
    assert (feature.kind, feature.nullable, feature.dtype) == ("bool", True, "object")


def test_category_threshold_and_numpy_categories() -> None:
    # Each value occurring about twice is the boundary between category and text.
    frame = pd.DataFrame({"a": ["p", "q", "p", "q"], "b": ["p", "q", "r", "p"]})
    got = features_by_name(infer_schema(make_info(2), frame))
    assert got["a"].kind == "category"
    assert got["b"].kind == "string"
    # max_categories caps the number of distinct values.
    frame = pd.DataFrame({"a": list("abcabcabc")})
    (feature,) = infer_schema(make_info(1), frame, max_categories=2).features
    assert feature.kind == "string"
    # Category values become plain Python scalars.
    frame = pd.DataFrame({"code": pd.Categorical(np.array([3, 1, 3, 1]))})
    (feature,) = infer_schema(make_info(1), frame).features
    assert feature.categories == (1, 3)
    assert all(type(value) is int for value in feature.categories)


def test_nullable_detection() -> None:
    frame = pd.DataFrame(
        {
            "nan": [1.0, float("nan"), 2.0],
            "none": ["a", None, "a"],
            "na": pd.array([1, pd.NA, 2], dtype="Int64"),
            "full": [1.0, 2.0, 3.0],
        }
    )
    got = features_by_name(infer_schema(make_info(4), frame))
    assert {name: f.nullable for name, f in got.items()} == {
        "nan": True,
        "none": True,
        "na": True,
        "full": False,
    }


# --- examples ---------------------------------------------------------------


def test_examples_are_json_native() -> None:
    frame = mixed_frame()
    schema = infer_schema(make_info(frame.shape[1]), frame, max_examples=3)
    assert len(schema.examples) == 3
    json.dumps(schema.examples, allow_nan=False)
    for example in schema.examples:
        assert list(example) == schema.names
        for value in example.values():
            assert value is None or type(value) in (int, float, bool, str)
    second = schema.examples[1]
    assert second["f_nint"] is None
    assert second["f_int"] == 1 and type(second["f_int"]) is int
    assert second["f_bool"] is False
    assert schema.examples[2]["f_low"] is None
    assert schema.examples[0]["f_cat"] == "b"


def test_nan_becomes_none_and_a_complete_row_is_kept() -> None:
    frame = pd.DataFrame({"a": [np.nan, np.nan, 3.0, 4.0], "b": ["x", None, None, "y"]})
    schema = infer_schema(make_info(2), frame, max_examples=2)
    assert schema.examples[0] == {"a": None, "b": "x"}
    # Neither of the first two rows is complete: the last example is replaced.
    assert schema.examples[1] == {"a": 4.0, "b": "y"}
    json.dumps(schema.examples, allow_nan=False)


def test_examples_limited_by_rows() -> None:
    frame = pd.DataFrame({"a": [1.5, 2.5]})
    schema = infer_schema(make_info(1), frame, max_examples=5)
    assert schema.examples == ({"a": 1.5}, {"a": 2.5})


# --- fitting the model ------------------------------------------------------


def test_model_order_is_used() -> None:
    frame = pd.DataFrame({"b": [1, 2], "a": [0.5, 0.25]})
    schema = infer_schema(make_info(2, ("a", "b")), frame)
    assert schema.names == ["a", "b"]
    assert [f.kind for f in schema.features] == ["float", "int"]
    assert schema.examples[0] == {"a": 0.5, "b": 1}


def test_column_mismatch_lists_missing_and_unexpected() -> None:
    frame = pd.DataFrame({"a": [1.0], "zz": [2.0], "extra": [3.0]})
    with pytest.raises(MljetError) as caught:
        infer_schema(make_info(3, ("a", "b", "c")), frame)
    message = str(caught.value)
    assert "missing columns: 'b', 'c'" in message
    assert "unexpected columns: 'zz', 'extra'" in message


def test_column_mismatch_truncates_long_lists() -> None:
    names = tuple(f"n{i}" for i in range(15))
    frame = pd.DataFrame({f"other{i}": [0.0] for i in range(15)})
    with pytest.raises(MljetError) as caught:
        infer_schema(make_info(15, names), frame)
    message = str(caught.value)
    assert "'n9' and 5 more" in message
    assert "'n10'" not in message
    assert "'other9' and 5 more" in message


def test_column_count_mismatch() -> None:
    frame = pd.DataFrame(np.zeros((3, 2)))
    with pytest.raises(MljetError, match=r"has 2 columns.*expects 4 features"):
        infer_schema(make_info(4), frame)


def test_unnamed_model_takes_valid_sample_names_only() -> None:
    named = pd.DataFrame({"height": [1.0], "weight": [2.0]})
    assert infer_schema(make_info(2), named).names == ["height", "weight"]
    array = read_sample(np.arange(6, dtype=float).reshape(3, 2))
    assert list(array.columns) == [0, 1]
    assert infer_schema(make_info(2), array).names == ["f0", "f1"]
    duplicated = pd.DataFrame([[1.0, 2.0]], columns=["x", "x"])
    assert infer_schema(make_info(2), duplicated).names == ["f0", "f1"]
    blank = pd.DataFrame({"ok": [1.0], " padded": [2.0]})
    assert infer_schema(make_info(2), blank).names == ["f0", "f1"]


def test_datetime_column_is_unsupported() -> None:
    frame = pd.DataFrame(
        {"x": [1.0, 2.0], "when": pd.to_datetime(["2024-01-01", "2024-01-02"])}
    )
    with pytest.raises(MljetError, match=r"'when'.*datetime64"):
        infer_schema(make_info(2), frame)


def test_object_timestamps_are_unsupported() -> None:
    frame = pd.DataFrame(
        {"when": pd.Series([pd.Timestamp("2024-01-01")] * 2, dtype=object)}
    )
    with pytest.raises(MljetError, match=r"'when'.*Timestamp"):
        infer_schema(make_info(1), frame)


# --- reading files ----------------------------------------------------------


def test_csv_round_trip(tmp_path: Any) -> None:
    frame = pd.DataFrame(
        {
            "num": [1.5, 2.5, None, 4.0],
            "count": [1, 2, 3, 4],
            "color": ["r", "g", "r", "g"],
            "flag": [True, np.nan, False, True],
        }
    )
    for name in ("sample.csv", "sample.csv.gz"):
        path = tmp_path / name
        frame.to_csv(path, index=False)
        sample = read_sample(path)
        pd.testing.assert_frame_equal(sample, frame, check_dtype=False)
        got = features_by_name(infer_schema(make_info(4), sample))
        assert got["num"].kind == "float" and got["num"].nullable
        assert got["count"].kind == "int" and not got["count"].nullable
        assert got["color"].kind == "category"
        assert got["color"].categories == ("g", "r")
        # A CSV bool column with a gap is read as objects, but is still bool.
        assert got["flag"].kind == "bool" and got["flag"].nullable


def test_parquet_round_trip_keeps_dtypes(tmp_path: Any) -> None:
    frame = mixed_frame()
    path = tmp_path / "sample.parquet"
    frame.to_parquet(path)
    sample = read_sample(str(path))
    assert sample["f_nint"].dtype == "Int64"
    schema = infer_schema(make_info(frame.shape[1]), sample)
    original = infer_schema(make_info(frame.shape[1]), frame)
    assert [f.kind for f in schema.features] == [f.kind for f in original.features]
    assert schema.examples == original.examples


def test_dataframe_is_copied() -> None:
    frame = pd.DataFrame({"a": [1.0]})
    sample = read_sample(frame)
    sample.loc[0, "a"] = 9.0
    assert frame.loc[0, "a"] == 1.0


def test_missing_file(tmp_path: Any) -> None:
    path = tmp_path / "nope.csv"
    with pytest.raises(MljetError, match="does not exist") as caught:
        read_sample(path)
    assert str(path) in str(caught.value)


def test_unknown_extension_lists_supported(tmp_path: Any) -> None:
    path = tmp_path / "sample.xlsx"
    path.write_text("a\n1\n")
    with pytest.raises(MljetError) as caught:
        read_sample(path)
    message = str(caught.value)
    assert "sample.xlsx" in message
    for suffix in (".csv", ".csv.gz", ".parquet", ".pq"):
        assert suffix in message


def test_empty_and_unreadable_files(tmp_path: Any) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(MljetError, match=re.escape("empty.csv' is empty")):
        read_sample(empty)
    header_only = tmp_path / "header.csv"
    header_only.write_text("a,b\n")
    with pytest.raises(MljetError, match=re.escape("header.csv' has no rows")):
        read_sample(header_only)
    broken = tmp_path / "broken.parquet"
    broken.write_text("this is not parquet")
    with pytest.raises(
        MljetError, match=re.escape("broken.parquet' could not be read")
    ):
        read_sample(broken)


def test_parquet_without_pyarrow(tmp_path: Any, monkeypatch: Any) -> None:
    path = tmp_path / "sample.pq"
    pd.DataFrame({"a": [1.0]}).to_parquet(path)
    # A None entry makes any import of the module fail, as if not installed.
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setitem(sys.modules, "fastparquet", None)
    with pytest.raises(MljetError, match="pip install pyarrow"):
        read_sample(path)


def test_array_must_be_two_dimensional() -> None:
    with pytest.raises(MljetError, match="2-D"):
        read_sample(np.arange(3))


# --- the model accepts the sample -------------------------------------------


def test_named_model_accepts_sample_in_any_column_order() -> None:
    rng = np.random.default_rng(0)
    train = pd.DataFrame({"a": rng.normal(size=60), "b": rng.normal(size=60)})
    model = LogisticRegression().fit(train, (train["a"] > 0).astype(int))
    info = make_info(2, ("a", "b"))
    check_model_accepts(model, train[["b", "a"]], info)


def test_named_model_rejects_text_in_numeric_column(tmp_path: Any) -> None:
    rng = np.random.default_rng(1)
    train = pd.DataFrame({"a": rng.normal(size=60), "b": rng.normal(size=60)})
    model = LogisticRegression().fit(train, (train["b"] > 0).astype(int))
    path = tmp_path / "bad.csv"
    pd.DataFrame({"a": ["high", "low"], "b": [0.1, 0.2]}).to_csv(path, index=False)
    sample = read_sample(path)
    with pytest.raises(MljetError, match="model rejected") as caught:
        check_model_accepts(model, sample, make_info(2, ("a", "b")))
    assert "bad.csv" in str(caught.value)
    assert "ValueError" in str(caught.value)


def test_array_model_accepts_and_rejects() -> None:
    rng = np.random.default_rng(2)
    features = rng.normal(size=(50, 3))
    model = RandomForestClassifier(n_estimators=5, random_state=0).fit(
        features, (features[:, 0] > 0).astype(int)
    )
    info = make_info(3)
    check_model_accepts(model, read_sample(features), info)
    with pytest.raises(MljetError, match="the sample"):
        check_model_accepts(model, read_sample(features[:, :2]), info)
