"""Search indexes: keyword (BM25) and dense (FAISS), stored together as one versioned index."""
