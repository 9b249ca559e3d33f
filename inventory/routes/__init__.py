"""Supply routes: who may receive from, issue to, return to and transfer with whom (the facility tree, plus the
extra routes an administrator allows)."""
