"""Tracking with MLflow: every training a run holding its model, and models fetched back by URI.

- :mod:`~anomalia.tracking.store`: where runs go (``results/mlflow`` by default), on/off switch.
- :mod:`~anomalia.tracking.runs`: the run of ``anomalia train`` and ``anomalia tune``.
- :mod:`~anomalia.tracking.flavor`: model sets as an MLflow ``pyfunc`` model.
- :mod:`~anomalia.tracking.uris`: ``runs:/`` and ``models:/`` sources back to model set folders.
- :mod:`~anomalia.tracking.serving`: the service's registry model source and its reload.

mlflow itself is imported only when one of these functions runs.
"""
