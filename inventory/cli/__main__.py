"""`python -m inventory.cli`: the `vaxstock` command."""

from __future__ import annotations

from inventory.cli import main

if __name__ == "__main__":
    main()
