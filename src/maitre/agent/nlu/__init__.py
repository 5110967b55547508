"""Natural-language understanding: intents (with out-of-scope), entities, training and serving.

text.py        normalisation, language detection, tokenisation (jieba for Chinese)
dataio.py      reading training files (CSV / directory / YAML) with clear errors
cleaning.py    duplicates, near duplicates, label conflicts, tiny classes
features.py    the lexical model's word + character n-grams
encoder.py     the sentence encoder (offline MiniLM) and its fine-tuning
classifier.py  the intent classifier: encoder head + lexical head, fused, with OOS
oos.py         the out-of-scope threshold learned on validation data
entities/      rule, gazetteer and catalogue entity extractors (en + zh)
trainer.py     the pipeline: load → clean → fit → evaluate → register
serving.py     the process-wide cache of the active model, reloaded when it changes
service.py     parse, examples, the review queue
"""
