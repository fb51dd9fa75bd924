"""``python -m anomalia.bench``: the speed benchmark (``make bench``)."""

from anomalia.bench.speed import main

main()
