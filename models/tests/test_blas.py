from models._blas import choose_core_type


def test_core_type_follows_the_best_vector_unit() -> None:
    assert choose_core_type({"sse2", "avx2", "avx512f", "avx512_bf16"}) == "Cooperlake"
    assert choose_core_type({"avx2", "avx512f"}) == "SkylakeX"
    assert choose_core_type({"avx", "avx2"}) == "Haswell"


def test_unknown_cpus_keep_openblas_own_detection() -> None:
    assert choose_core_type({"sse2", "neon"}) is None
