"""Benchmarks of interactkit: runnable modules that print markdown tables.

Run from the repository root, e.g. ``python -m benchmarks.ctr.crossing --help``. Each domain
folder (``core``, ``ctr``, ``text``, ``image``, ``attribution``) holds runnable modules (an
``if __name__ == "__main__":`` entry each); what they share lives in ``benchmarks._lib``.
Results are committed in ``benchmarks/results/``, each with the command that produced it.

Rules (``tests/architecture/test_benchmarks.py``): no ``sys.path`` edits, no imports from
``tests``, and a runnable module imports ``benchmarks._lib`` only, never another runnable one.
"""
