"""The HTTP service: a model registry with versions, detection, health and monitoring.

Start it with ``anomalia serve --models DIR`` or build the app with
:func:`anomalia.service.main.create_app`. FastAPI and its companions are
imported here only, so the rest of anomalia runs without them.
"""
