import warnings

import pytest

from models._blas import blas_users_loaded, choose_core_type, configure


def test_core_type_follows_the_best_vector_unit() -> None:
    assert choose_core_type({"sse2", "avx2", "avx512f", "avx512_bf16"}) == "Cooperlake"
    assert choose_core_type({"avx2", "avx512f"}) == "SkylakeX"
    assert choose_core_type({"avx", "avx2"}) == "Haswell"


def test_unknown_cpus_keep_openblas_own_detection() -> None:
    assert choose_core_type({"sse2", "neon"}) is None


def test_a_late_configuration_is_warned_about(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENBLAS_CORETYPE", raising=False)
    with pytest.warns(RuntimeWarning, match="numpy loaded OpenBLAS before models"):
        configure("flags\t: sse2 avx2\n", {"numpy", "json"})
    monkeypatch.delenv("OPENBLAS_CORETYPE")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # in time: any warning fails the test
        configure("flags\t: sse2 avx2\n", {"json"})
    assert blas_users_loaded({"torch", "numpy"}) == ["numpy", "torch"]
