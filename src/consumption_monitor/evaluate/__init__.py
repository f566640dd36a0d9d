"""Composite evaluation of districts and departments (工作评价体系), METHODOLOGY.md §5.

>>> from consumption_monitor.evaluate import evaluate, load_scheme, sensitivity
>>> load_scheme("district_default").aggregation
'weighted_sum'
"""

from __future__ import annotations

from consumption_monitor.evaluate.engine import EvaluationResult, WeightReport, evaluate
from consumption_monitor.evaluate.explain import (
    explanation_frame,
    result_to_dict,
    scores_frame,
    weights_frame,
)
from consumption_monitor.evaluate.inputs import SchemeInputs, build_inputs, scheme_inputs
from consumption_monitor.evaluate.scheme import (
    Scheme,
    available_schemes,
    load_scheme,
    parse_scheme,
)
from consumption_monitor.evaluate.sensitivity import SensitivityResult, sensitivity

__all__ = [
    "EvaluationResult",
    "Scheme",
    "SchemeInputs",
    "SensitivityResult",
    "WeightReport",
    "available_schemes",
    "build_inputs",
    "evaluate",
    "explanation_frame",
    "load_scheme",
    "parse_scheme",
    "result_to_dict",
    "scheme_inputs",
    "scores_frame",
    "sensitivity",
    "weights_frame",
]
