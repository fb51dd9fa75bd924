"""The rpy2 bridge to the R package anomaliaR (``R/`` in this repository).

R detectors (:mod:`anomalia.r.detectors`) and imputers
(:mod:`anomalia.r.impute`) appear behind the Python interfaces; data cross
as R vectors and data frames (:mod:`anomalia.r.convert`), never through
files. Nothing here imports rpy2 until it is used.
"""
