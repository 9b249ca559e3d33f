"""JSON API for the ledger: thin handlers, one service call each, one controller module per family of use
cases (inventory/stock/use_cases/); what they share is in shared.py."""
