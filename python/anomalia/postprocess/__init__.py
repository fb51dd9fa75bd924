"""Causal post-processing of anomaly scores (applied after a detector, before a threshold)."""

from anomalia.postprocess.onset import keep_onsets
from anomalia.postprocess.surprise import surprise

__all__ = ["keep_onsets", "surprise"]
