from ._blas import configure as _configure_blas

_configure_blas()  # before any module of this package imports torch
