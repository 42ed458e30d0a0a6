"""Visualizers: per-domain figures, HTML renderings of explanations, and the one-file reports.

Installed as ``interactkit.visualizers``:

* :mod:`.ctr`, :mod:`.ctr_pairs` -- ad-model figures (global interactions, one impression, how
  two fields interact, crossing gains);
* :mod:`.text`, :mod:`.image` -- words and superpixels;
* :mod:`.report` -- the HTML kit (every user string escaped, figures as data URIs, no network,
  a Content-Security-Policy) and the audit's ``report.html``
  (:func:`~interactkit.visualizers.report.write_audit_report`).

Every module imports matplotlib lazily, so importing ``interactkit`` never pays for it.
"""
