"""Stock use cases, one module each; every public function takes a `StockContext` first.

A write use case runs through `StockContext.once` (idempotency, audit and the one retry policy) and posts
through the ledger writer (inventory.stock.ledger.post_document) in the caller's transaction.
"""
