"""Scoring Khronika's output against external gold (ACLED, UCDP) and hand-written cases."""

from khronika.evaluate.acled import fatalities_stated, score_acled
from khronika.evaluate.cases import read_cases, score_cases
from khronika.evaluate.extraction import Extractor, ExtractorError, pipeline_extractor
from khronika.evaluate.readers import EvalInputError
from khronika.evaluate.result import EvalResult, FieldScore, Miss, format_text
from khronika.evaluate.ucdp import score_ucdp

__all__ = [
    "EvalInputError",
    "EvalResult",
    "Extractor",
    "ExtractorError",
    "FieldScore",
    "Miss",
    "fatalities_stated",
    "format_text",
    "pipeline_extractor",
    "read_cases",
    "score_acled",
    "score_cases",
    "score_ucdp",
]
