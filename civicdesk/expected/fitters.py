"""lifelines' AFT fitters, started from zeros where lifelines' own start cannot be had.

Imported only when a model is trained (``survival.fit``): it imports lifelines.

lifelines starts a regression from its univariate model fitted to the durations alone (for
``LogLogisticAFTFitter``, a ``LogLogisticFitter``), unpenalized. When every closed case took the
same time that fit has no maximum and raises ``ConvergenceError`` before the penalized
regression is even tried; no ``penalizer`` and no ``initial_point`` can reach it (lifelines
builds its start either way). Then these fitters start from zeros, which is lifelines' own
start for a regression without a univariate counterpart
(``ParametricRegressionFitter._create_initial_point``), and the penalized fit itself decides.
Wherever lifelines' start works, nothing changes.
"""

from __future__ import annotations

from typing import Any

from lifelines import LogLogisticAFTFitter, LogNormalAFTFitter, WeibullAFTFitter
from lifelines.exceptions import ConvergenceError
from lifelines.fitters import ParametricRegressionFitter


class _ZeroStartFallback:
    def _create_initial_point(self, Ts: Any, E: Any, entries: Any, weights: Any, Xs: Any) -> Any:
        try:
            return super()._create_initial_point(Ts, E, entries, weights, Xs)  # type: ignore[misc]
        except ConvergenceError:
            return ParametricRegressionFitter._create_initial_point(self, Ts, E, entries, weights, Xs)  # type: ignore[arg-type]


class LogLogisticAFT(_ZeroStartFallback, LogLogisticAFTFitter):
    pass


class LogNormalAFT(_ZeroStartFallback, LogNormalAFTFitter):
    pass


class WeibullAFT(_ZeroStartFallback, WeibullAFTFitter):
    pass


_FITTERS = {
    "lognormal": (LogNormalAFT, LogNormalAFTFitter),
    "weibull": (WeibullAFT, WeibullAFTFitter),
    "loglogistic": (LogLogisticAFT, LogLogisticAFTFitter),
}


def fitter(kind: str, penalizer: float) -> Any:
    cls, lifelines_cls = _FITTERS[kind]
    made: Any = cls(penalizer=penalizer)
    # lifelines finds its univariate model by the class's name: keep lifelines' own.
    made._class_name = lifelines_cls.__name__
    return made
