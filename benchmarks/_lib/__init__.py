"""What the runnable benchmarks share; nothing here is run on its own.

* :mod:`~benchmarks._lib.paths` -- the repository, its results folder and the shared data;
* :mod:`~benchmarks._lib.report` -- the results header (command, machine) and the part runner;
* :mod:`~benchmarks._lib.planted_functions`, :mod:`~benchmarks._lib.planted_text`,
  :mod:`~benchmarks._lib.planted_image` -- models and data with planted interactions;
* :mod:`~benchmarks._lib.negations` -- negation sentences (hand-written and from SST-2 dev);
* :mod:`~benchmarks._lib.raw_models` -- a user's own raw-row model (scikit-learn pipeline);
* :mod:`~benchmarks._lib.ctr_tuning`, :mod:`~benchmarks._lib.ctr_crossing` -- the target-model
  tuning search, the crossing-gain table and the target-comparison timing;
* :mod:`~benchmarks._lib.suites` -- the suites of the speed-quality study;
* :mod:`~benchmarks._lib.reference` -- loading the reference MADEX from a reader's checkout.
"""
