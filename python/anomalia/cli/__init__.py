"""The ``anomalia`` command line."""
