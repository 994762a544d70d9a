from __future__ import annotations

import numpy as np
import pytest

from classifier.calibrate import share_at, threshold_for_share


@pytest.mark.parametrize("share", [0.0, 0.05, 0.2, 0.5, 0.8, 1.0])
def test_a_target_share_gives_that_share_on_the_calibration_set(share: float) -> None:
    scores = np.random.default_rng(0).random(1000).tolist()
    assert share_at(scores, threshold_for_share(scores, share)) == pytest.approx(share)


def test_ties_never_push_the_share_above_the_target() -> None:
    scores = [0.9] * 30 + [0.5] * 40 + [0.1] * 30
    assert share_at(scores, threshold_for_share(scores, 0.2)) <= 0.2
    assert share_at(scores, threshold_for_share(scores, 0.3)) == pytest.approx(0.3)


def test_bad_inputs_are_rejected() -> None:
    with pytest.raises(ValueError, match="share"):
        threshold_for_share([0.1], 1.5)
    with pytest.raises(ValueError, match="no scores"):
        threshold_for_share([], 0.2)
