"""Training, detection and streams on a Dask cluster (``--engine dask``).

Work is split by series: one task per partition of series
(:mod:`~anomalia.distributed.partitions`), on a ``distributed.LocalCluster``
of worker processes by default or on a running cluster (``--scheduler``).
Each task runs the same library code as the local engine on its share, so
the model sets (:mod:`~anomalia.distributed.train`) and scores
(:mod:`~anomalia.distributed.detect`) are those of the local engine. A long
series is scored in time chunks, each task continuing the stream state of the
one before. Results are a parquet dataset, one file per partition, each
written atomically, so a task the scheduler reruns after a worker died
replaces its own file. :mod:`~anomalia.distributed.stream` advances a
partition of streams for a stream loop.

dask and distributed load only when a cluster is used (``anomalia[dask]``).
"""
