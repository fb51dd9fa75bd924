"""The live dashboard (``anomalia dashboard``): series, scores, alerts, explanations, feedback.

Dash and Plotly come with the ``live`` extra. :func:`create_app` builds the
app over a store URL (:mod:`anomalia.store`); the page polls the store and
grows its figures in place, so new points appear without a reload.
"""

from anomalia.dashboard.app import create_app

__all__ = ["create_app"]
