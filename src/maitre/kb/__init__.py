"""The knowledge base: articles, their chunks and hybrid (BM25 + embedding) search."""
