"""models.shape_probe: the diagnostic must tell a learnable label from chance."""

from models.shape_probe import probe


def test_colours_are_learned_well_above_chance() -> None:
    # Colour is a per-patch, nearly linear label: the micro model learns it in tens of steps. If the
    # labels and the patches were misaligned (rows for columns, or another scene), it would stay
    # near chance (1/6).
    history = probe(labels="color", preset="micro", steps=60, batch=16, pool=128, every=60)
    assert history[-1][0] == 60
    assert history[-1][1] > 0.6
